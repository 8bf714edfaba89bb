package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// signedRange is one /ByteRange of a file with its /Contents DER, found by regexp.
type signedRange struct {
	br      [4]int
	der     []byte
	content []byte
}

func allSignedRanges(t *testing.T, pdf []byte) []signedRange {
	t.Helper()
	var out []signedRange
	for _, m := range byteRangeRE.FindAllSubmatch(pdf, -1) {
		var br [4]int
		for i := range br {
			fmt.Sscan(string(m[i+1]), &br[i])
		}
		raw, err := hex.DecodeString(string(pdf[br[1]+1 : br[2]-1]))
		if err != nil {
			t.Fatal(err)
		}
		der, err := asn1Unwrap(raw)
		if err != nil {
			t.Fatal(err)
		}
		content := append(append([]byte{}, pdf[:br[1]]...), pdf[br[2]:br[2]+br[3]]...)
		out = append(out, signedRange{br: br, der: der, content: content})
	}
	return out
}

// opensslCMSVerify runs openssl cms -verify on one signature.
func opensslCMSVerify(t *testing.T, sr signedRange, caFile string) {
	t.Helper()
	dir := t.TempDir()
	p7s, content := filepath.Join(dir, "sig.p7s"), filepath.Join(dir, "content.bin")
	os.WriteFile(p7s, sr.der, 0o644)
	os.WriteFile(content, sr.content, 0o644)
	out, err := run(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", content,
		"-CAfile", caFile, "-purpose", "any", "-out", os.DevNull)
	if err != nil || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify failed: %v\n%s", err, out)
	}
}

// opensslTSVerify checks a timestamp token with openssl ts -verify: over data, or over a digest.
func opensslTSVerify(t *testing.T, token, data, digest []byte, caFile string) {
	t.Helper()
	dir := t.TempDir()
	tok := filepath.Join(dir, "token.der")
	os.WriteFile(tok, token, 0o644)
	args := []string{"ts", "-verify", "-in", tok, "-token_in", "-CAfile", caFile}
	if data != nil {
		df := filepath.Join(dir, "data.bin")
		os.WriteFile(df, data, 0o644)
		args = append(args, "-data", df)
	} else {
		args = append(args, "-digest", hex.EncodeToString(digest))
	}
	out, err := run(t, "openssl", args...)
	if err != nil || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

// signatureTimestampToken extracts the signature-timestamp-token unsigned attribute.
func signatureTimestampToken(t *testing.T, cmsDER []byte) (token, sigValue []byte) {
	t.Helper()
	p7, err := pkcs7.Parse(cmsDER)
	if err != nil {
		t.Fatal(err)
	}
	si := p7.Signers[0]
	for _, a := range si.UnauthenticatedAttributes {
		if a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}) {
			return a.Value.Bytes, si.EncryptedDigest
		}
	}
	t.Fatal("no signature timestamp token in the CMS")
	return nil, nil
}

// dssStreams reads the DSS arrays with pdfcpu.
func dssStreams(t *testing.T, path string) map[string][][]byte {
	t.Helper()
	ctx, err := api.ReadContextFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := ctx.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	dss, err := ctx.DereferenceDict(cat["DSS"])
	if err != nil || dss == nil {
		t.Fatalf("no /DSS in the catalog: %v", err)
	}
	out := map[string][][]byte{}
	for _, k := range []string{"Certs", "OCSPs", "CRLs"} {
		arr, _ := ctx.DereferenceArray(dss[k])
		for _, o := range arr {
			sd, _, err := ctx.DereferenceStreamDict(o)
			if err != nil || sd == nil {
				t.Fatalf("DSS %s entry %v: %v", k, o, err)
			}
			if err := sd.Decode(); err != nil {
				t.Fatal(err)
			}
			out[k] = append(out[k], sd.Content)
		}
	}
	vri, err := ctx.DereferenceDict(dss["VRI"])
	if err != nil || len(vri) == 0 {
		t.Fatalf("DSS has no /VRI: %v", err)
	}
	for k, v := range vri {
		d, _ := ctx.DereferenceDict(v)
		if len(k) != 40 || d == nil {
			t.Errorf("VRI key %q value %v", k, v)
		}
		if _, ok := d.Find("OCSP"); !ok {
			t.Errorf("VRI %s has no /OCSP: %v", k, d)
		}
	}
	_ = types.Dict{}
	return out
}

func TestLevels(t *testing.T) {
	p := newTestPKI(t)
	base := makePDF(pdfSpec{pages: 2, acroFormField: true})
	when := time.Date(2026, 6, 5, 14, 30, 0, 0, time.FixedZone("ICT", 7*3600))
	for _, lvl := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
		for _, xs := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/xrefStream=%v", lvl, xs), func(t *testing.T) {
				in := base
				if xs {
					in = rewrite(t, base, true)
				}
				out := signBytes(t, in, p.signer, Options{Name: "Nguyễn Văn An", Reason: "Ký số", Time: when, Level: lvl, TSAURL: p.tsaURL})
				if !bytes.HasPrefix(out, in) {
					t.Fatal("original bytes are not a prefix")
				}
				path := writeTemp(t, "signed.pdf", out)
				wantSigs := 1
				if lvl == LevelBLTA {
					wantSigs = 2
				}

				got, err := run(t, "pdfsig", "-nocert", path)
				if err != nil {
					t.Fatalf("pdfsig: %v\n%s", err, got)
				}
				// poppler 22.12 lists document timestamps but cannot validate them ("Unimplemented
				// Feature"): openssl ts -verify checks them below.
				if n := strings.Count(got, "Signature is Valid."); n != 1 || strings.Count(got, "Signature #") != wantSigs {
					t.Fatalf("pdfsig: %d valid signatures of %d, want 1 of %d:\n%s", n, strings.Count(got, "Signature #"), wantSigs, got)
				}
				if lvl == LevelBLTA && !strings.Contains(got[strings.Index(got, "Signature #2"):], "Field Name: DocTimeStamp1") {
					t.Errorf("pdfsig does not list the document timestamp:\n%s", got)
				}
				if got, err := run(t, "qpdf", "--check", path); err != nil {
					t.Fatalf("qpdf --check: %v\n%s", err, got)
				}
				checkPdfcpu(t, path, p.rootFile, wantSigs)

				srs := allSignedRanges(t, out)
				if len(srs) != wantSigs {
					t.Fatalf("%d byte ranges, want %d", len(srs), wantSigs)
				}
				opensslCMSVerify(t, srs[0], p.rootFile)
				if lvl >= LevelBT {
					tok, sigValue := signatureTimestampToken(t, srs[0].der)
					sum := sha256.Sum256(sigValue)
					opensslTSVerify(t, tok, nil, sum[:], p.rootFile)
				}
				if lvl >= LevelBLT {
					dss := dssStreams(t, path)
					if len(dss["Certs"]) < 3 || len(dss["OCSPs"]) != 1 || len(dss["CRLs"]) != 1 {
						t.Fatalf("DSS has %d certs, %d OCSPs, %d CRLs", len(dss["Certs"]), len(dss["OCSPs"]), len(dss["CRLs"]))
					}
					dir := t.TempDir()
					resp, crl, signer := filepath.Join(dir, "ocsp.der"), filepath.Join(dir, "crl.der"), filepath.Join(dir, "signer.pem")
					os.WriteFile(resp, dss["OCSPs"][0], 0o644)
					os.WriteFile(crl, dss["CRLs"][0], 0o644)
					writePEM(t, signer, "CERTIFICATE", p.signer.Chain[0].Raw)
					if got, err := run(t, "openssl", "ocsp", "-respin", resp, "-CAfile", p.rootFile, "-issuer", p.rootFile, "-cert", signer); err != nil ||
						!strings.Contains(got, "Response verify OK") || !strings.Contains(got, signer+": good") {
						t.Errorf("openssl ocsp on the DSS response: %v\n%s", err, got)
					}
					if got, err := run(t, "openssl", "crl", "-inform", "DER", "-in", crl, "-CAfile", p.rootFile, "-noout"); err != nil || !strings.Contains(got, "verify OK") {
						t.Errorf("openssl crl on the DSS CRL: %v\n%s", err, got)
					}
				}
				if lvl == LevelBLTA {
					if n := len(regexp.MustCompile(`/Type\s*/DSS`).FindAll(out[:srs[1].br[1]], -1)); n != 1 {
						t.Error("the document timestamp does not cover the DSS")
					}
					opensslTSVerify(t, srs[1].der, srs[1].content, nil, p.rootFile)
				}

				rep, err := Verify(bytes.NewReader(out), int64(len(out)), p.roots())
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Signatures) != wantSigs || !rep.AllIntact() || !rep.AllTrusted() {
					t.Fatalf("Verify: %+v", rep)
				}
				s := rep.Signatures[0]
				if s.Level != lvl.String() {
					t.Errorf("level %q, want %v", s.Level, lvl)
				}
				if (s.Timestamp != nil) != (lvl >= LevelBT) || (s.Timestamp != nil && (!s.Timestamp.Valid || !s.Timestamp.Trusted || time.Since(s.Timestamp.Time) > time.Minute)) {
					t.Errorf("timestamp: %+v", s.Timestamp)
				}
				wantRev := "unknown"
				if lvl >= LevelBLT {
					wantRev = "good"
				}
				if s.Revocation != wantRev || len(s.Problems) != 0 || len(s.Modifications) != 0 {
					t.Errorf("revocation %q (want %q), problems %+v, modifications %v", s.Revocation, wantRev, s.Problems, s.Modifications)
				}
				if lvl == LevelBLTA {
					d := rep.Signatures[1]
					if d.Kind != "document_timestamp" || !d.Intact || !d.Trusted || !d.CoversWholeFile || d.Revocation != "good" {
						t.Errorf("document timestamp: %+v", d)
					}
				}
			})
		}
	}
}

func TestLevelErrors(t *testing.T) {
	p := newTestPKI(t)
	in := makePDF(pdfSpec{})
	var out bytes.Buffer
	err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), p.signer, Options{Level: LevelBT})
	if err == nil || !strings.Contains(err.Error(), "TSA") || out.Len() != 0 {
		t.Fatalf("B-T without TSA: %v", err)
	}
	err = Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), p.signer, Options{Level: LevelBT, TSAURL: p.tsaURL + "-missing"})
	if err == nil || out.Len() != 0 {
		t.Fatalf("B-T with a broken TSA: %v", err)
	}
	// A revoked signer: B-LT refuses to embed a revoked status.
	revoked := p.newSigner(t, "Bị thu hồi", newSignerKey(t, "p256"))
	p.revoke(t, revoked.Chain[0])
	err = Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), revoked, Options{Level: LevelBLT, TSAURL: p.tsaURL})
	if err == nil || !strings.Contains(err.Error(), "revoked") || out.Len() != 0 {
		t.Fatalf("B-LT with a revoked certificate: %v", err)
	}
	for _, s := range []string{"B-B", "bt", "B-LT", "BLTA"} {
		if _, err := ParseLevel(s); err != nil {
			t.Errorf("ParseLevel(%q): %v", s, err)
		}
	}
	if _, err := ParseLevel("B-X"); err == nil {
		t.Error("ParseLevel(B-X): no error")
	}
	_ = errors.New
}
