package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

// pdfSpec describes a hand-written classic-xref test PDF.
type pdfSpec struct {
	pages         int
	padding       int  // bytes of an extra (unreferenced-by-content) stream, to make big files
	annotsRef     bool // page 1 /Annots as an indirect array holding a link annotation
	acroFormField bool // an existing AcroForm (indirect) with one text field on page 1
}

// makePDF writes a small valid PDF with a classic xref table.
func makePDF(s pdfSpec) []byte {
	if s.pages == 0 {
		s.pages = 1
	}
	var objs []string // objs[i] is object i+1
	add := func(body string) int { objs = append(objs, body); return len(objs) }
	catalog := add("")  // 1
	pagesObj := add("") // 2
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	content := "BT /F1 24 Tf 72 720 Td (Hello sohoa) Tj ET"
	contentObj := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	var pageRefs []string
	var extra []string
	var firstPage int
	for i := 0; i < s.pages; i++ {
		p := add("")
		if i == 0 {
			firstPage = p
		}
		pageRefs = append(pageRefs, fmt.Sprintf("%d 0 R", p))
	}
	catDict := fmt.Sprintf("/Type /Catalog /Pages %d 0 R", pagesObj)
	var annots []string
	if s.annotsRef {
		link := add(fmt.Sprintf("<< /Type /Annot /Subtype /Link /Rect [72 700 200 740] /Border [0 0 0] /A << /S /URI /URI (https://example.invalid/) >> /P %d 0 R >>", firstPage))
		annots = append(annots, fmt.Sprintf("%d 0 R", link))
	}
	if s.acroFormField {
		tf := add(fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (ghi_chu) /V (xin chao) /Rect [72 600 300 620] /P %d 0 R /DA (/Helv 0 Tf 0 g) >>", firstPage))
		annots = append(annots, fmt.Sprintf("%d 0 R", tf))
		af := add(fmt.Sprintf("<< /Fields [%d 0 R] /DA (/Helv 0 Tf 0 g) >>", tf))
		catDict += fmt.Sprintf(" /AcroForm %d 0 R", af)
	}
	pageAnnots := ""
	if len(annots) > 0 {
		if s.annotsRef {
			arr := add("[" + strings.Join(annots, " ") + "]")
			pageAnnots = fmt.Sprintf(" /Annots %d 0 R", arr)
		} else {
			pageAnnots = " /Annots [" + strings.Join(annots, " ") + "]"
		}
	}
	if s.padding > 0 {
		pad := make([]byte, s.padding)
		rand.Read(pad)
		extra = append(extra, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(pad), pad))
		p := add(extra[0])
		catDict += fmt.Sprintf(" /PieceInfo << /sohoa << /Private %d 0 R /LastModified (D:20260101000000Z) >> >>", p)
	}
	objs[catalog-1] = "<< " + catDict + " >>"
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(pageRefs, " "), s.pages)
	for i := range s.pages {
		a := ""
		if i == 0 {
			a = pageAnnots
		}
		objs[firstPage-1+i] = fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R%s >>", pagesObj, font, contentObj, a)
	}
	info := add("<< /Producer (sohoa test) /Title (Th\\340 nghi\\352m) >>")

	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(objs)+1, catalog, info, xref)
	return b.Bytes()
}

// rewrite runs the PDF through pdfcpu's writer: xrefStream selects xref and object streams.
func rewrite(t testing.TB, in []byte, xrefStream bool) []byte {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.WriteXRefStream = xrefStream
	conf.WriteObjectStream = xrefStream
	var out bytes.Buffer
	if err := api.Optimize(bytes.NewReader(in), &out, conf); err != nil {
		t.Fatalf("pdfcpu optimize: %v", err)
	}
	return out.Bytes()
}

var (
	demoOnce sync.Once
	demoDir  string
	demoID   *Identity
	demoErr  error
)

// testIdentity returns one demo identity shared by the tests of this run.
func testIdentity(t testing.TB) (*Identity, string) {
	t.Helper()
	demoOnce.Do(func() {
		demoDir, demoErr = os.MkdirTemp("", "sohoa-sign-demo-")
		if demoErr == nil {
			demoID, demoErr = DemoIdentity(demoDir)
		}
	})
	if demoErr != nil {
		t.Fatalf("DemoIdentity: %v", demoErr)
	}
	return demoID, filepath.Join(demoDir, DemoCAFile)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

func signBytes(t testing.TB, in []byte, id *Identity, opt Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), id, opt); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return out.Bytes()
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: install it (Debian: poppler-utils for pdfsig, qpdf, openssl)", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// lastByteRange finds the last /ByteRange in the file, parsed independently of the package.
func lastByteRange(t *testing.T, pdf []byte) [4]int {
	t.Helper()
	all := byteRangeRE.FindAllSubmatch(pdf, -1)
	if len(all) == 0 {
		t.Fatal("no /ByteRange in output")
	}
	m := all[len(all)-1]
	var br [4]int
	for i := range br {
		br[i], _ = strconv.Atoi(string(m[i+1]))
	}
	return br
}

// checkOpenSSL extracts /Contents and the signed ranges and runs openssl cms -verify on them.
func checkOpenSSL(t *testing.T, pdf []byte, caFile string) {
	t.Helper()
	br := lastByteRange(t, pdf)
	if br[0] != 0 || br[2]+br[3] != len(pdf) || pdf[br[1]] != '<' || pdf[br[2]-1] != '>' {
		t.Fatalf("byte range %v does not frame /Contents and end at EOF (%d)", br, len(pdf))
	}
	der, err := hex.DecodeString(string(pdf[br[1]+1 : br[2]-1]))
	if err != nil {
		t.Fatal(err)
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p7s := filepath.Join(dir, "extracted.p7s")
	content := filepath.Join(dir, "signed-ranges.bin")
	os.WriteFile(p7s, raw.FullBytes, 0o644)
	os.WriteFile(content, append(append([]byte{}, pdf[:br[1]]...), pdf[br[2]:]...), 0o644)
	out, err := run(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s, "-content", content,
		"-CAfile", caFile, "-purpose", "any", "-out", os.DevNull)
	if err != nil || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify failed: %v\n%s", err, out)
	}
	// Signed attributes: the PAdES set, and no signing-time.
	out, err = run(t, "openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", p7s)
	if err != nil {
		t.Fatalf("openssl cms -print: %v\n%s", err, out)
	}
	for _, want := range []string{"contentType", "messageDigest", "id-smime-aa-signingCertificateV2", "sohoa DEMO CA", "sohoa DEMO signer"} {
		if !strings.Contains(out, want) {
			t.Errorf("CMS lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "signingTime") {
		t.Errorf("CMS has a signing-time attribute (PAdES forbids it)")
	}
}

// checkPdfcpu runs pdfcpu's validator and its signature validator, trusting caFile.
func checkPdfcpu(t *testing.T, path, caFile string, wantSigs int) {
	t.Helper()
	if err := api.ValidateFile(path, model.NewDefaultConfiguration()); err != nil {
		t.Fatalf("pdfcpu validate: %v", err)
	}
	conf := model.NewDefaultConfiguration() // loads pdfcpu's config first: it sets TrustedCertDir
	certDir := t.TempDir()
	ca, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(certDir, "demo-ca.pem"), ca, 0o644)
	old := model.TrustedCertDir
	model.TrustedCertDir = certDir
	defer func() { model.TrustedCertDir = old }()

	res, err := api.ValidateSignatures(path, true, conf)
	if err != nil {
		t.Fatalf("pdfcpu validate signatures: %v", err)
	}
	if len(res) != wantSigs {
		t.Fatalf("pdfcpu found %d signatures, want %d", len(res), wantSigs)
	}
	for i, r := range res {
		t.Logf("pdfcpu signature %d:\n%s", i+1, r)
		if r.Status == model.SignatureStatusInvalid || r.DocModified == model.True || r.Reason == model.SignatureReasonSignatureForged {
			t.Errorf("pdfcpu signature %d: %s\n%s", i+1, r.Status, r)
		}
	}
}

func TestSignExternalTools(t *testing.T) {
	id, caFile := testIdentity(t)
	base := makePDF(pdfSpec{pages: 2})
	tests := []struct {
		name       string
		in         []byte
		xrefStream bool
	}{
		{"classic hand-written, annots+acroform indirect", makePDF(pdfSpec{pages: 2, annotsRef: true, acroFormField: true}), false},
		{"classic hand-written, no annots", base, false},
		{"classic hand-written, no final EOL", base[:len(base)-1], false},
		{"classic by pdfcpu", rewrite(t, base, false), false},
		{"xref stream by pdfcpu", rewrite(t, base, true), true},
		{"xref stream by pdfcpu, acroform", rewrite(t, makePDF(pdfSpec{acroFormField: true}), true), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opt := Options{Name: "Nguyễn Văn An", Reason: "Chứng thực bản sao đúng với bản chính", Location: "UBND phường Bến Nghé", ContactInfo: "an@example.invalid",
				Time: time.Date(2026, 6, 5, 14, 30, 0, 0, time.FixedZone("ICT", 7*3600))}
			out := signBytes(t, tc.in, id, opt)
			if !bytes.HasPrefix(out, tc.in) {
				t.Fatal("original bytes are not a prefix of the output")
			}
			inc := out[len(tc.in):]
			if got := bytes.Contains(inc, []byte("/Type /XRef")); got != tc.xrefStream {
				t.Errorf("update has xref stream = %v, want %v", got, tc.xrefStream)
			}
			if !bytes.Contains(inc, []byte("/Prev ")) {
				t.Error("update has no /Prev")
			}
			path := writeTemp(t, "signed.pdf", out)

			got, err := run(t, "pdfsig", path)
			if err != nil || !strings.Contains(got, "Signature is Valid.") || !strings.Contains(got, "Total document signed") {
				t.Fatalf("pdfsig: %v\n%s", err, got)
			}
			if !strings.Contains(got, "ETSI.CAdES.detached") {
				t.Errorf("pdfsig does not see ETSI.CAdES.detached:\n%s", got)
			}
			if got, err := run(t, "qpdf", "--check", path); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, got)
			}
			checkPdfcpu(t, path, caFile, 1)
			checkOpenSSL(t, out, caFile)

			roots := x509.NewCertPool()
			roots.AddCert(id.Chain[len(id.Chain)-1])
			rep, err := Verify(bytes.NewReader(out), int64(len(out)), roots)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.AllIntact() || len(rep.Signatures) != 1 {
				t.Fatalf("Verify: %+v", rep)
			}
			s := rep.Signatures[0]
			if !s.Trusted || !s.CoversWholeFile || !s.CoversRevision || len(s.Problems) != 0 || s.SubFilter != "ETSI.CAdES.detached" {
				t.Errorf("report: %+v", s)
			}
			if s.Name != opt.Name || s.Reason != opt.Reason || s.Location != opt.Location {
				t.Errorf("text round trip: got %q %q %q", s.Name, s.Reason, s.Location)
			}
			if !s.ClaimedTime.Equal(opt.Time) {
				t.Errorf("claimed time %v, want %v", s.ClaimedTime, opt.Time)
			}
			if !strings.Contains(s.SignerSubject, "sohoa DEMO signer") || !strings.Contains(s.SignerIssuer, "sohoa DEMO CA") || s.SignerSerial == "" {
				t.Errorf("signer: %q %q %q", s.SignerSubject, s.SignerIssuer, s.SignerSerial)
			}
		})
	}
}

func TestSignTwice(t *testing.T) {
	id, caFile := testIdentity(t)
	for _, xs := range []bool{false, true} {
		t.Run(fmt.Sprintf("xrefStream=%v", xs), func(t *testing.T) {
			in := rewrite(t, makePDF(pdfSpec{pages: 3, acroFormField: true}), xs)
			once := signBytes(t, in, id, Options{Name: "Nguyễn Văn An", Reason: "Người chứng thực"})
			twice := signBytes(t, once, id, Options{Name: "UBND phường", Reason: "Cơ quan"})
			if !bytes.HasPrefix(twice, once) {
				t.Fatal("first signed revision is not a prefix")
			}
			path := writeTemp(t, "twice.pdf", twice)
			got, err := run(t, "pdfsig", path)
			if err != nil {
				t.Fatalf("pdfsig: %v\n%s", err, got)
			}
			if n := strings.Count(got, "Signature is Valid."); n != 2 {
				t.Fatalf("pdfsig: %d valid signatures, want 2:\n%s", n, got)
			}
			sig1 := got[strings.Index(got, "Signature #1"):strings.Index(got, "Signature #2")]
			sig2 := got[strings.Index(got, "Signature #2"):]
			if !strings.Contains(strings.ToLower(sig1), "not total document signed") || !strings.Contains(sig2, "Total document signed") {
				t.Errorf("pdfsig coverage wrong:\n%s", got)
			}
			if got, err := run(t, "qpdf", "--check", path); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, got)
			}
			checkPdfcpu(t, path, caFile, 2)
			checkOpenSSL(t, twice, caFile)

			rep, err := Verify(bytes.NewReader(twice), int64(len(twice)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != 2 || !rep.AllIntact() {
				t.Fatalf("Verify: %+v", rep)
			}
			s1, s2 := rep.Signatures[0], rep.Signatures[1]
			if s1.CoversWholeFile || !s1.CoversRevision || !s2.CoversWholeFile || s1.Field == s2.Field {
				t.Errorf("coverage/fields: %+v / %+v", s1, s2)
			}
			if s1.Name != "Nguyễn Văn An" || s2.Name != "UBND phường" {
				t.Errorf("names: %q %q", s1.Name, s2.Name)
			}
			if len(s1.Problems)+len(s2.Problems) != 0 {
				t.Errorf("problems: %+v %+v", s1.Problems, s2.Problems)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	id, _ := testIdentity(t)
	plain := makePDF(pdfSpec{})
	signed := signBytes(t, plain, id, Options{Reason: "Kiem tra"})

	tampered := bytes.Clone(signed)
	i := bytes.Index(tampered, []byte("Hello sohoa"))
	tampered[i] = 'J' // inside the first signed range

	// pdfcpu (not our code) must also see the tampering.
	res, err := api.ValidateSignatures(writeTemp(t, "tampered.pdf", tampered), true, model.NewDefaultConfiguration())
	if err != nil || len(res) != 1 || res[0].Status != model.SignatureStatusInvalid || res[0].DocModified != model.True {
		t.Errorf("pdfcpu on tampered file: %v %v", err, res)
	}

	appended := append(bytes.Clone(signed), []byte("% trailing junk\n")...)
	// An update with no %%EOF after it: some readers still parse it.
	unterminated := append(bytes.Clone(signed), []byte("99 0 obj\n(forged)\nendobj\ntrailer\n<< /Size 100 >>\n")...)

	otherRoots := x509.NewCertPool()
	otherCA, _ := selfSigned(t, "other CA")
	otherRoots.AddCert(otherCA)

	tests := []struct {
		name        string
		pdf         []byte
		roots       *x509.CertPool
		sigs        int
		allIntact   bool
		wantProblem string
	}{
		{"no signature", plain, nil, 0, false, ""},
		{"good", signed, nil, 1, true, ""},
		{"byte flipped in signed range", tampered, nil, 1, false, "digest_mismatch"},
		// Junk a viewer ignores is a warning of the file, not a problem.
		{"junk appended", appended, nil, 1, true, ""},
		{"unterminated update appended", unterminated, nil, 1, false, ""},
		{"untrusted root", signed, otherRoots, 1, true, "untrusted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Verify(bytes.NewReader(tc.pdf), int64(len(tc.pdf)), tc.roots)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != tc.sigs || rep.AllIntact() != tc.allIntact {
				t.Fatalf("got %d signatures, AllIntact=%v; want %d, %v: %+v", len(rep.Signatures), rep.AllIntact(), tc.sigs, tc.allIntact, rep)
			}
			if tc.wantProblem != "" {
				var found *Problem
				for _, p := range rep.Signatures[0].Problems {
					if p.Code == tc.wantProblem {
						found = &p
					}
				}
				if found == nil || found.VI == "" || found.EN == "" {
					t.Fatalf("no %q problem with vi/en text: %+v", tc.wantProblem, rep.Signatures[0].Problems)
				}
			}
			switch tc.name {
			case "junk appended":
				if len(rep.Warnings) != 1 || rep.Warnings[0].Code != "trailing_bytes" || len(rep.Problems) > 0 || !rep.AllIntact() {
					t.Fatalf("junk: warnings %+v, valid %v", rep.Warnings, rep.Valid())
				}
			case "unterminated update appended":
				if len(rep.Problems) != 1 || rep.Problems[0].Code != "unterminated_update" || rep.Valid() {
					t.Fatalf("unterminated update: problems %+v, valid %v", rep.Problems, rep.Valid())
				}
			}
			js, err := json.Marshal(rep)
			if err != nil || !bytes.Contains(js, []byte(`"signatures":`)) {
				t.Fatalf("json: %v %s", err, js)
			}
		})
	}
}

func selfSigned(t testing.TB, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: randSerial(), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func TestLoadPKCS12(t *testing.T) {
	id, _ := testIdentity(t)
	key := id.Signer.(*ecdsa.PrivateKey)
	p12, err := gopkcs12.Modern.Encode(key, id.Chain[0], id.Chain[1:], "mật-khẩu")
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadPKCS12(p12, "mật-khẩu")
	if err != nil {
		t.Fatalf("LoadPKCS12: %v", err)
	}
	if !got.Chain[0].Equal(id.Chain[0]) || len(got.Chain) != len(id.Chain) {
		t.Fatalf("chain differs")
	}
	out := signBytes(t, makePDF(pdfSpec{}), got, Options{})
	rep, err := Verify(bytes.NewReader(out), int64(len(out)), nil)
	if err != nil || !rep.AllIntact() {
		t.Fatalf("sign with PKCS#12 identity: %v %+v", err, rep)
	}

	_, err = LoadPKCS12(p12, "wrong")
	if err == nil || !strings.Contains(err.Error(), "wrong PKCS#12 password") || !strings.Contains(err.Error(), "sai mật khẩu") {
		t.Fatalf("wrong password: err = %v", err)
	}
}

func TestDemoIdentity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	id1, err := DemoIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := DemoIdentity(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !id1.Chain[0].Equal(id2.Chain[0]) {
		t.Error("second call created a new identity instead of loading it")
	}
	if id1.Chain[0].Subject.CommonName != "sohoa DEMO signer" || id1.Chain[1].Subject.CommonName != "sohoa DEMO CA" {
		t.Errorf("subjects: %v / %v", id1.Chain[0].Subject, id1.Chain[1].Subject)
	}
	if err := id1.Chain[0].CheckSignatureFrom(id1.Chain[1]); err != nil {
		t.Errorf("signer not issued by CA: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, DemoCAFile)); err != nil {
		t.Error(err)
	}
}

func TestSignFile(t *testing.T) {
	id, _ := testIdentity(t)
	in := writeTemp(t, "in.pdf", rewrite(t, makePDF(pdfSpec{}), true))
	out := filepath.Join(filepath.Dir(in), "out.pdf")
	if err := SignFile(context.Background(), in, out, id, Options{Name: "A"}); err != nil {
		t.Fatal(err)
	}
	// In place, a second signature.
	if err := SignFile(context.Background(), out, out, id, Options{Name: "B"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	rep, err := Verify(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil || len(rep.Signatures) != 2 || !rep.AllIntact() {
		t.Fatalf("%v %+v", err, rep)
	}
	ents, _ := os.ReadDir(filepath.Dir(in))
	if len(ents) != 2 {
		t.Errorf("temporary files left: %v", ents)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := SignFile(ctx, in, filepath.Join(filepath.Dir(in), "x.pdf"), id, Options{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestPDFText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "(abc)"},
		{`a(b)\c`, `(a\(b\)\\c)`},
		{"Văn", "<FEFF00560103006E>"},
	}
	for _, tc := range tests {
		if got := pdfText(tc.in); got != tc.want {
			t.Errorf("pdfText(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := pdfDate(time.Date(2026, 6, 5, 14, 30, 0, 0, time.FixedZone("", 7*3600))); got != "(D:20260605143000+07'00')" {
		t.Errorf("pdfDate = %s", got)
	}
}

// Check the CMS with the pkcs7 library too (it verifies signed attributes with the data in memory).
func TestCMSWithPkcs7(t *testing.T) {
	id, _ := testIdentity(t)
	out := signBytes(t, makePDF(pdfSpec{}), id, Options{})
	br := lastByteRange(t, out)
	der, _ := hex.DecodeString(string(out[br[1]+1 : br[2]-1]))
	var raw asn1.RawValue
	asn1.Unmarshal(der, &raw)
	p7, err := pkcs7.Parse(raw.FullBytes)
	if err != nil {
		t.Fatal(err)
	}
	p7.Content = append(append([]byte{}, out[:br[1]]...), out[br[2]:]...)
	roots := x509.NewCertPool()
	roots.AddCert(id.Chain[1])
	if err := p7.VerifyWithChain(roots); err != nil {
		t.Fatalf("pkcs7 verify: %v", err)
	}
}

func TestSignRSA(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: randSerial(), Subject: pkix.Name{CommonName: "RSA signer Trần Thị Bình"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	id := &Identity{Signer: key, Chain: []*x509.Certificate{cert}}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
		out := signBytes(t, makePDF(pdfSpec{}), id, Options{Hash: h})
		roots := x509.NewCertPool()
		roots.AddCert(cert)
		rep, err := Verify(bytes.NewReader(out), int64(len(out)), roots)
		if err != nil || !rep.AllIntact() || !rep.Signatures[0].Trusted {
			t.Fatalf("%v: %v %+v", h, err, rep)
		}
		path := writeTemp(t, "rsa.pdf", out)
		if got, err := run(t, "pdfsig", path); err != nil || !strings.Contains(got, "Signature is Valid.") {
			t.Fatalf("pdfsig %v: %v\n%s", h, err, got)
		}
	}
	// A key that does not match the certificate is refused.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	var out bytes.Buffer
	in := makePDF(pdfSpec{})
	if err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), &Identity{Signer: other, Chain: []*x509.Certificate{cert}}, Options{}); err == nil || out.Len() != 0 {
		t.Fatalf("mismatched key: err=%v, wrote %d bytes", err, out.Len())
	}
}

func BenchmarkSignBB(b *testing.B) {
	id, _ := testIdentity(b)
	in := makePDF(pdfSpec{pages: 4, padding: 2 << 20})
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var out bytes.Buffer
	out.Grow(len(in) + 64<<10)
	for b.Loop() {
		out.Reset()
		if err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), id, Options{Name: "Bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
