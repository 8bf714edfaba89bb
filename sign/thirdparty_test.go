package sign

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// asn1Elems splits the content of a constructed DER element into its elements.
func asn1Elems(t *testing.T, der []byte) (asn1.RawValue, []asn1.RawValue) {
	t.Helper()
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		t.Fatal(err)
	}
	var elems []asn1.RawValue
	for rest := outer.Bytes; len(rest) > 0; {
		var e asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &e); err != nil {
			t.Fatal(err)
		}
		elems = append(elems, e)
	}
	return outer, elems
}

func asn1Join(t *testing.T, outer asn1.RawValue, elems []asn1.RawValue) []byte {
	t.Helper()
	var body []byte
	for _, e := range elems {
		body = append(body, e.FullBytes...)
	}
	b, err := asn1.Marshal(asn1.RawValue{Class: outer.Class, Tag: outer.Tag, IsCompound: true, Bytes: body})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// addSignatureTimestamp puts a signature-timestamp-token unsigned attribute into the only
// SignerInfo of a third-party CMS (what a signing tool with a TSA does), byte for byte
// otherwise. It returns the new CMS.
func addSignatureTimestamp(t *testing.T, cms []byte, tsaURL string) []byte {
	t.Helper()
	ciOuter, ci := asn1Elems(t, cms)               // ContentInfo: OID, [0]
	expOuter, exp := asn1Elems(t, ci[1].FullBytes) // [0] EXPLICIT: SignedData
	sdOuter, sd := asn1Elems(t, exp[0].FullBytes)
	sisOuter, sis := asn1Elems(t, sd[len(sd)-1].FullBytes)
	siOuter, si := asn1Elems(t, sis[0].FullBytes)
	sig := si[len(si)-1].Bytes // signature OCTET STRING
	sum := sha256.Sum256(sig)
	tok, err := requestTimestamp(context.Background(), nil, tsaURL, 5 /* crypto.SHA256 */, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	attr, _ := asn1.Marshal(struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}{oidSignatureTimeStampToken, []asn1.RawValue{{FullBytes: tok}}})
	ua, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: attr})
	si = append(si, asn1.RawValue{FullBytes: ua})
	sis[0] = asn1.RawValue{FullBytes: asn1Join(t, siOuter, si)}
	sd[len(sd)-1] = asn1.RawValue{FullBytes: asn1Join(t, sisOuter, sis)}
	exp[0] = asn1.RawValue{FullBytes: asn1Join(t, sdOuter, sd)}
	ci[1] = asn1.RawValue{FullBytes: asn1Join(t, expOuter, exp)}
	return asn1Join(t, ciOuter, ci)
}

// putContents writes der (hex, zero padded) into the /Contents gap of byte range br.
func putContents(t *testing.T, pdf []byte, br [4]int, der []byte) {
	t.Helper()
	room := (br[2] - br[1] - 2) / 2
	if len(der) > room {
		t.Fatalf("CMS of %d bytes does not fit the %d reserved by the signing tool", len(der), room)
	}
	h := make([]byte, 2*room)
	for i := range h {
		h[i] = '0'
	}
	hex.Encode(h, der)
	copy(pdf[br[1]+1:], h)
}

// TestThirdPartySignatures verifies signatures made by other tools: poppler's pdfsig (NSS)
// makes an adbe.pkcs7.detached signature with an RSA-3072 key; the same file, its SubFilter
// changed to ETSI.CAdES.detached, is re-signed with `openssl cms -sign -cades`. Both then get
// an RFC 3161 token from the openssl TSA as an unsigned attribute.
func TestThirdPartySignatures(t *testing.T) {
	p := newTestPKI(t)
	for _, tool := range []string{"certutil", "pk12util", "pdfsig", "openssl"} {
		if _, err := run(t, "sh", "-c", "command -v "+tool); err != nil {
			t.Fatalf("%s not found: install it (Debian: libnss3-tools for certutil/pk12util, poppler-utils, openssl)", tool)
		}
	}
	dir := t.TempDir()
	key := newSignerKey(t, "rsa3072")
	id := p.newSigner(t, "Third Party RSA 3072", key)
	certPEM, keyPEM, p12 := filepath.Join(dir, "s.pem"), filepath.Join(dir, "s.key"), filepath.Join(dir, "s.p12")
	writePEM(t, certPEM, "CERTIFICATE", id.Chain[0].Raw)
	writeKey(t, keyPEM, key)
	nss := "sql:" + filepath.Join(dir, "nss")
	os.Mkdir(filepath.Join(dir, "nss"), 0o700)
	for _, args := range [][]string{
		{"openssl", "pkcs12", "-export", "-in", certPEM, "-inkey", keyPEM, "-certfile", p.rootFile, "-name", "thirdparty", "-out", p12, "-passout", "pass:pw"},
		{"certutil", "-N", "-d", nss, "--empty-password"},
		{"pk12util", "-i", p12, "-d", nss, "-W", "pw"},
		{"certutil", "-A", "-d", nss, "-n", "root", "-t", "CT,C,C", "-i", p.rootFile},
	} {
		if out, err := run(t, args[0], args[1:]...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	in := rewrite(t, makePDF(pdfSpec{pages: 2}), false)
	adbe := filepath.Join(dir, "adbe.pdf")
	if out, err := run(t, "pdfsig", "-add-signature", "-nssdir", nss, "-nick", "thirdparty", "-reason", "Ky so", writeTemp(t, "in.pdf", in), adbe); err != nil {
		t.Fatalf("pdfsig -add-signature: %v\n%s", err, out)
	}
	adbePDF, _ := os.ReadFile(adbe)
	// As the tool wrote it (NSS writes BER with indefinite lengths).
	rep, err := Verify(bytes.NewReader(adbePDF), int64(len(adbePDF)), p.roots())
	if err != nil || len(rep.Signatures) != 1 || !rep.AllIntact() || !rep.AllTrusted() || rep.Signatures[0].Level != "B-B" || rep.Signatures[0].SubFilter != "adbe.pkcs7.detached" {
		t.Fatalf("Verify pdfsig's signature: %v %+v", err, rep)
	}

	// openssl cms -sign into a placeholder, then an RFC 3161 token as unsigned attribute.
	for _, tc := range []struct{ subFilter, cades string }{{"adbe.pkcs7.detached", ""}, {"ETSI.CAdES.detached", "-cades"}} {
		t.Run(tc.subFilter, func(t *testing.T) {
			pdf, br := placeholder(t, in, tc.subFilter, 16<<10)
			content := filepath.Join(t.TempDir(), "content.bin")
			os.WriteFile(content, append(append([]byte{}, pdf[:br[1]]...), pdf[br[2]:]...), 0o600)
			sigDER := filepath.Join(t.TempDir(), "sig.der")
			args := []string{"cms", "-sign", "-binary", "-md", "sha256", "-signer", certPEM, "-inkey", keyPEM,
				"-certfile", p.rootFile, "-outform", "DER", "-in", content, "-out", sigDER}
			if tc.cades != "" {
				args = append(args, tc.cades)
			}
			if out, err := run(t, "openssl", args...); err != nil {
				t.Fatalf("openssl cms -sign: %v\n%s", err, out)
			}
			der, _ := os.ReadFile(sigDER)
			putContents(t, pdf, br, addSignatureTimestamp(t, der, p.tsaURL))

			path := writeTemp(t, "third.pdf", pdf)
			if out, err := run(t, "pdfsig", "-nocert", path); err != nil || !strings.Contains(out, "Signature is Valid.") || !strings.Contains(out, tc.subFilter) {
				t.Fatalf("pdfsig: %v\n%s", err, out)
			}
			rep, err := Verify(bytes.NewReader(pdf), int64(len(pdf)), p.roots())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != 1 || !rep.AllIntact() || !rep.AllTrusted() {
				t.Fatalf("Verify: %+v", rep)
			}
			s := rep.Signatures[0]
			if s.SubFilter != tc.subFilter || s.Level != "B-T" || s.Timestamp == nil || !s.Timestamp.Valid || !s.Timestamp.Trusted {
				t.Errorf("report: %+v / %+v", s, s.Timestamp)
			}
			if pub, ok := id.Chain[0].PublicKey.(*rsa.PublicKey); !ok || pub.N.BitLen() != 3072 || !strings.Contains(s.SignerSubject, "Third Party RSA 3072") {
				t.Errorf("signer %q", s.SignerSubject)
			}

			// A byte flipped inside the signed range breaks it.
			bad := bytes.Clone(pdf)
			bad[br[1]-200] ^= 0x01
			rep, err = Verify(bytes.NewReader(bad), int64(len(bad)), p.roots())
			if err != nil || rep.AllIntact() {
				t.Fatalf("flipped byte: %v %+v", err, rep)
			}
		})
	}
}

// placeholder appends an empty signature field with the given SubFilter (same length as ours)
// and returns the file and its byte range, for another tool to sign.
func placeholder(t *testing.T, in []byte, subFilter string, reserve int) ([]byte, [4]int) {
	t.Helper()
	d, err := analyze(context.Background(), bytes.NewReader(in), int64(len(in)), 1)
	if err != nil {
		t.Fatal(err)
	}
	inc, err := buildIncrement(d, sigSpec{kind: kindSignature, opt: Options{Name: "third party"}}, reserve)
	if err != nil {
		t.Fatal(err)
	}
	br64, err := inc.setByteRange(int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.Replace(inc.buf, []byte("/ETSI.CAdES.detached"), []byte("/"+subFilter), 1)
	if len(buf) != len(inc.buf) {
		t.Fatal("SubFilter length changed")
	}
	return append(bytes.Clone(in), buf...), [4]int{int(br64[0]), int(br64[1]), int(br64[2]), int(br64[3])}
}
