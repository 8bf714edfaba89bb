package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Report is the result of Verify.
type Report struct {
	Size       int64             `json:"size"`
	Signatures []SignatureReport `json:"signatures"` // in signing order (by end of byte range)
	// Problems are findings about the file as a whole that make it not valid (an unsigned
	// update hidden after the last %%EOF); Warnings are findings that do not (junk bytes a
	// viewer ignores).
	Problems []Problem `json:"problems"`
	Warnings []Problem `json:"warnings"`
	// RelaxedTrust: the report was made with VerifyOptions.RelaxTrust.
	RelaxedTrust bool `json:"relaxed_trust,omitempty"`
}

// SignatureReport describes one signature.
type SignatureReport struct {
	Field           string           `json:"field"`
	Kind            string           `json:"kind"` // "signature" or "document_timestamp"
	SubFilter       string           `json:"sub_filter"`
	ByteRange       []int64          `json:"byte_range"`
	CoversWholeFile bool             `json:"covers_whole_file"`           // the byte range ends at the end of the file
	CoversRevision  bool             `json:"covers_revision"`             // the byte range ends at an %%EOF (a whole revision)
	Intact          bool             `json:"intact"`                      // message digest matches the ranges and the CMS signature verifies
	Trusted         bool             `json:"trusted"`                     // the chain verifies to the given roots (false if none given)
	Level           string           `json:"level,omitempty"`             // PAdES level reached: B-B, B-T, B-LT, B-LTA
	Timestamp       *TimestampReport `json:"timestamp,omitempty"`         // the signature timestamp (B-T), or the document timestamp itself
	Revocation      string           `json:"revocation"`                  // signer certificate per the DSS: good, revoked, unknown
	RevocationBy    string           `json:"revocation_source,omitempty"` // ocsp or crl
	// Modifications are the changes after this signature that its DocMDP permissions (or,
	// for an approval signature, the rules in the package documentation) do not allow:
	// each makes the signature, and the report, not valid.
	Modifications []string  `json:"modifications,omitempty"`
	DocMDP        int       `json:"docmdp,omitempty"` // /P of a certification signature
	SignerSubject string    `json:"signer_subject"`
	SignerIssuer  string    `json:"signer_issuer"`
	SignerSerial  string    `json:"signer_serial"`         // hexadecimal
	ClaimedTime   time.Time `json:"claimed_time,omitzero"` // /M
	Name          string    `json:"name,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	Location      string    `json:"location,omitempty"`
	// Problems make the signature not valid; Warnings (conformance findings such as a
	// missing /M) do not.
	Problems []Problem `json:"problems"`
	Warnings []Problem `json:"warnings"`

	valueObj int // object number of the signature dictionary (the field's /V)
}

// TimestampReport describes an RFC 3161 timestamp token.
type TimestampReport struct {
	Time    time.Time `json:"time"`
	Valid   bool      `json:"valid"`   // the TSA's signature verifies and the imprint matches what it stamps
	Trusted bool      `json:"trusted"` // the TSA's certificate chains to the roots (for time stamping)
	TSA     string    `json:"tsa"`     // the TSA certificate's subject
}

// Problem is one finding about a signature, in Vietnamese and English.
type Problem struct {
	Code string `json:"code"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

// AllIntact reports whether the PDF has at least one signature, every signature is intact
// (its bytes are as signed), nothing the signatures' permissions forbid was changed after
// any of them, and the file has no problem of its own: what a reader sees is what was signed.
// It says nothing about trust. A PDF with no signature is not "all intact".
func (r *Report) AllIntact() bool {
	if r == nil || len(r.Signatures) == 0 || len(r.Problems) > 0 {
		return false
	}
	for _, s := range r.Signatures {
		if !s.Intact || len(s.Modifications) > 0 {
			return false
		}
	}
	return true
}

// AllTrusted reports whether AllIntact holds and moreover every signature and document
// timestamp chains to the trust roots, no signer certificate is revoked according to the
// embedded DSS and no timestamp is invalid or untrusted. It is false when no roots were given.
// A caller that accepts intact signatures from unknown CAs uses AllIntact alone.
func (r *Report) AllTrusted() bool {
	if !r.AllIntact() {
		return false
	}
	for _, s := range r.Signatures {
		if !s.Trusted || s.Revocation == "revoked" {
			return false
		}
		if s.Timestamp != nil && (!s.Timestamp.Valid || !s.Timestamp.Trusted) {
			return false
		}
	}
	return true
}

// Valid is the verdict: AllIntact, no signature lists a problem, no signer is revoked, and
// AllTrusted unless the report was made with RelaxTrust. A listed problem always means not
// valid; warnings never do.
func (r *Report) Valid() bool {
	if !r.AllIntact() {
		return false
	}
	for _, s := range r.Signatures {
		if len(s.Problems) > 0 || s.Revocation == "revoked" {
			return false
		}
	}
	return r.RelaxedTrust || r.AllTrusted()
}

func (s *SignatureReport) problem(code, vi, en string) {
	s.Problems = append(s.Problems, Problem{Code: code, VI: vi, EN: en})
}

// untrusted records an unknown chain: a problem, or a warning under RelaxTrust.
func (s *SignatureReport) untrusted(opts VerifyOptions, code, vi, en string) {
	if opts.RelaxTrust {
		s.warning(code, vi, en)
		return
	}
	s.problem(code, vi, en)
}

func (s *SignatureReport) warning(code, vi, en string) {
	s.Warnings = append(s.Warnings, Problem{Code: code, VI: vi, EN: en})
}

// VerifyOptions configure VerifyWith.
type VerifyOptions struct {
	// Roots are the trust anchors for signers and TSAs. nil: no trust check (Trusted stays false).
	Roots *x509.CertPool
	// RelaxTrust accepts intact signatures whose CA is not among Roots: an unknown chain is
	// a warning, not a problem, and Report.Valid does not require AllTrusted.
	RelaxTrust bool
	// FetchIssuers completes a chain whose intermediate certificates are neither in the CMS
	// nor in the DSS from the certificates' AIA "CA Issuers" URLs (see IssuerFetcher). nil:
	// no network access.
	FetchIssuers *IssuerFetcher
}

// Verify checks every signature in the PDF. roots may be nil: then no trust check is made.
// An error means the PDF could not be read; a broken signature is reported in its Problems.
// The signed byte ranges are hashed by streaming from r.
func Verify(r io.ReaderAt, size int64, roots *x509.CertPool) (*Report, error) {
	return VerifyWith(r, size, VerifyOptions{Roots: roots})
}

// VerifyWith is Verify with options.
func VerifyWith(r io.ReaderAt, size int64, opts VerifyOptions) (_ *Report, err error) {
	defer recoverMalformed(&err)
	pctx, err := readContext(context.Background(), r, size)
	if err != nil {
		return nil, err
	}
	dss := readDSS(pctx)
	rep := &Report{Size: size, Signatures: []SignatureReport{}, Problems: []Problem{}, Warnings: []Problem{}, RelaxedTrust: opts.RelaxTrust}
	for _, f := range signatureFields(pctx) {
		s := verifyOne(pctx, r, size, opts, dss, f.name, f.v)
		s.valueObj = f.vNum
		rep.Signatures = append(rep.Signatures, s)
	}
	slices.SortStableFunc(rep.Signatures, func(a, b SignatureReport) int {
		return cmpInt64(rangeEnd(a.ByteRange), rangeEnd(b.ByteRange))
	})
	checkTail(rep, r, size)

	revisions := map[int64]*model.Context{}
	hasDSS := len(dss.ocsps)+len(dss.crls)+len(dss.certs) > 0
	strictest := 0 // the strictest DocMDP /P of the certification signatures so far
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		if s.DocMDP > 0 && s.Intact && (strictest == 0 || s.DocMDP < strictest) {
			strictest = s.DocMDP
		}
		if s.Kind == "signature" && s.Intact {
			s.Level = "B-B"
			if s.Timestamp != nil && s.Timestamp.Valid {
				s.Level = "B-T"
				if hasDSS && s.Revocation != "unknown" {
					s.Level = "B-LT"
					for _, later := range rep.Signatures[i+1:] {
						if later.Kind == "document_timestamp" && later.Intact {
							s.Level = "B-LTA"
						}
					}
				}
			}
		}
		if s.CoversWholeFile || len(s.ByteRange) != 4 || !s.CoversRevision {
			continue
		}
		end := rangeEnd(s.ByteRange)
		rev, ok := revisions[end]
		if !ok {
			rev, err = readContext(context.Background(), io.NewSectionReader(r, 0, end), end)
			if err != nil {
				rev = nil
			}
			revisions[end] = rev
		}
		if rev == nil {
			s.problem("revision_unreadable", "Không đọc được phiên bản tài liệu đã ký", "cannot read the signed revision")
			continue
		}
		diff := &revisionDiff{old: rev, cur: pctx, pol: policyFor(strictest), signedAfter: map[int]bool{}, docTimestamps: map[int]bool{}}
		for _, later := range rep.Signatures {
			if later.valueObj != 0 && later.Intact && later.CoversRevision && rangeEnd(later.ByteRange) > end {
				diff.signedAfter[later.valueObj] = true
				if later.Kind == "document_timestamp" {
					diff.docTimestamps[later.valueObj] = true
				}
			}
		}
		s.Modifications = diff.modifications()
		if len(s.Modifications) > 0 {
			s.problem("changed_after_signing",
				"Tài liệu bị sửa đổi sau khi ký, ngoài những gì quyền của chữ ký cho phép: "+strings.Join(s.Modifications, "; "),
				"the document was modified after signing beyond what the signature's permissions allow: "+strings.Join(s.Modifications, "; "))
		}
		if strictest == 1 {
			for _, later := range rep.Signatures[i+1:] {
				if later.Kind == "signature" {
					s.problem("docmdp_violated", "Có chữ ký mới sau chữ ký chứng nhận không cho phép thay đổi (DocMDP P=1)",
						"a signature was added after a certification signature that allows no changes (DocMDP P=1)")
					break
				}
			}
		}
	}
	return rep, nil
}

// tailWindow is how far from the end the last %%EOF is looked for.
const tailWindow = 1 << 20

// checkTail reports bytes after the last %%EOF: a warning when a viewer ignores them, a
// problem when they look like an update some reader could still parse (objects, a
// cross-reference section or a trailer with no %%EOF after it).
func checkTail(rep *Report, r io.ReaderAt, size int64) {
	n := min(size, tailWindow)
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && err != io.EOF {
		return
	}
	i := bytes.LastIndex(tail, []byte("%%EOF"))
	if i < 0 {
		rep.Problems = append(rep.Problems, Problem{Code: "no_eof", VI: "Không có %%EOF trong 1 MiB cuối tệp",
			EN: "no %%EOF in the last MiB of the file"})
		return
	}
	rest := bytes.Trim(tail[i+5:], "\r\n\t\f \x00")
	if len(rest) == 0 {
		return
	}
	for _, kw := range []string{"obj", "xref", "trailer", "startxref", "stream"} {
		if bytes.Contains(rest, []byte(kw)) {
			rep.Problems = append(rep.Problems, Problem{Code: "unterminated_update",
				VI: fmt.Sprintf("Có %d byte sau %%%%EOF cuối cùng chứa dữ liệu PDF (%q) không được ký", len(rest), kw),
				EN: fmt.Sprintf("%d bytes after the last %%%%EOF hold unsigned PDF data (%q)", len(rest), kw)})
			return
		}
	}
	rep.Warnings = append(rep.Warnings, Problem{Code: "trailing_bytes",
		VI: fmt.Sprintf("Có %d byte thừa sau %%%%EOF cuối cùng (trình đọc PDF bỏ qua)", len(rest)),
		EN: fmt.Sprintf("%d junk bytes after the last %%%%EOF (PDF readers ignore them)", len(rest))})
}

// gapIsContents reports whether the bytes between the two signed ranges are exactly the hex
// string that the signature dictionary holds as /Contents.
func gapIsContents(pctx *model.Context, r io.ReaderAt, v types.Dict, br []int64) bool {
	const maxGap = 4 << 20
	if br[2]-br[1] > maxGap {
		return false
	}
	gap := make([]byte, br[2]-br[1])
	if _, err := r.ReadAt(gap, br[1]); err != nil {
		return false
	}
	hexDigits := bytes.Map(func(c rune) rune {
		switch c {
		case ' ', '\n', '\r', '\t', '\f':
			return -1
		}
		return c
	}, gap[1:len(gap)-1])
	if len(hexDigits)%2 == 1 {
		hexDigits = append(hexDigits, '0')
	}
	raw := make([]byte, len(hexDigits)/2)
	if _, err := hex.Decode(raw, hexDigits); err != nil {
		return false
	}
	contents, err := pctx.DereferenceStringEntryBytes(v, "Contents")
	return err == nil && bytes.Equal(raw, contents)
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func rangeEnd(br []int64) int64 {
	if len(br) != 4 {
		return 0
	}
	return br[2] + br[3]
}

type sigField struct {
	name string
	v    types.Dict
	vNum int // object number of v, 0 when direct
}

// signatureFields walks the AcroForm field tree for signature fields with a value.
func signatureFields(pctx *model.Context) []sigField {
	cat, err := pctx.Catalog()
	if err != nil {
		return nil
	}
	af, err := pctx.DereferenceDict(cat["AcroForm"])
	if err != nil || af == nil {
		return nil
	}
	fields, err := pctx.DereferenceArray(af["Fields"])
	if err != nil {
		return nil
	}
	var out []sigField
	seen := map[int]bool{}
	var walk func(o types.Object, parent string, depth int)
	walk = func(o types.Object, parent string, depth int) {
		if ref, ok := o.(types.IndirectRef); ok {
			if seen[ref.ObjectNumber.Value()] {
				return
			}
			seen[ref.ObjectNumber.Value()] = true
		}
		d, err := pctx.DereferenceDict(o)
		if err != nil || d == nil || depth > 32 {
			return
		}
		name := parent
		if t, err := pctx.DereferenceText(d["T"]); err == nil {
			if name != "" {
				name += "."
			}
			name += t
		}
		if v, err := pctx.DereferenceDict(d["V"]); err == nil && v != nil {
			if _, ok := v.Find("ByteRange"); ok {
				f := sigField{name: name, v: v}
				if ref, ok := d["V"].(types.IndirectRef); ok {
					f.vNum = ref.ObjectNumber.Value()
				}
				out = append(out, f)
			}
		}
		if kids, err := pctx.DereferenceArray(d["Kids"]); err == nil {
			for _, k := range kids {
				walk(k, name, depth+1)
			}
		}
	}
	for _, f := range fields {
		walk(f, "", 0)
	}
	return out
}

// p7Attribute has the layout of pkcs7's attribute, to re-encode the signed attributes.
type p7Attribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

func verifyOne(pctx *model.Context, r io.ReaderAt, size int64, opts VerifyOptions, dss dssData, name string, v types.Dict) SignatureReport {
	roots := opts.Roots
	s := SignatureReport{Field: name, Kind: "signature", Revocation: "unknown", Problems: []Problem{}, Warnings: []Problem{}}
	if sf := v.NameEntry("SubFilter"); sf != nil {
		s.SubFilter = *sf
	}
	if s.SubFilter == "ETSI.RFC3161" {
		s.Kind = "document_timestamp"
	}
	text := func(k string) string {
		t, _ := pctx.DereferenceText(v[k])
		return t
	}
	s.Name, s.Reason, s.Location = text("Name"), text("Reason"), text("Location")
	if m := text("M"); m != "" {
		if t, ok := types.DateTime(m, true); ok {
			s.ClaimedTime = t
		}
	}
	if s.ClaimedTime.IsZero() && s.Kind == "signature" {
		s.warning("no_claimed_time", "Thiếu thời điểm ký (/M)", "no claimed signing time (/M)")
	}
	s.DocMDP = sigDocMDP(pctx, v)

	// Byte range: [0 a b c] with the gap exactly the /Contents hex string.
	brArr, _ := pctx.DereferenceArray(v["ByteRange"])
	for _, o := range brArr {
		if n, err := pctx.DereferenceInteger(o); err == nil && n != nil {
			s.ByteRange = append(s.ByteRange, int64(n.Value()))
		}
	}
	br := s.ByteRange
	if len(br) != 4 || br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0 || br[2]+br[3] > size {
		s.problem("bad_byte_range", "Vùng ký (/ByteRange) không hợp lệ", "invalid /ByteRange")
		return s
	}
	var lt, gt [1]byte
	r.ReadAt(lt[:], br[1])
	r.ReadAt(gt[:], br[2]-1)
	if lt[0] != '<' || gt[0] != '>' {
		s.problem("bad_byte_range", "Khoảng trống trong vùng ký không đúng là /Contents", "the /ByteRange gap is not exactly /Contents")
		return s
	}
	// The gap must be this signature's /Contents string and nothing else: a gap that also
	// holds objects, or another signature's value, is signature wrapping.
	if !gapIsContents(pctx, r, v, br) {
		s.problem("byte_range_gap", "Khoảng trống trong vùng ký chứa dữ liệu khác ngoài /Contents của chữ ký (tấn công bọc chữ ký)",
			"the /ByteRange gap holds more than this signature's /Contents (signature wrapping)")
		return s
	}
	end := br[2] + br[3]
	s.CoversWholeFile = end == size
	tail := make([]byte, min(end, 8))
	r.ReadAt(tail, end-int64(len(tail)))
	s.CoversRevision = bytes.HasSuffix(bytes.TrimRight(tail, "\r\n"), []byte("%%EOF"))
	if !s.CoversRevision {
		s.problem("partial_revision", "Vùng ký không kết thúc ở cuối một phiên bản (%%EOF)", "the signed range does not end at a revision's %%EOF")
	}

	// CMS: /Contents is zero-padded; keep the DER element.
	contents, err := pctx.DereferenceStringEntryBytes(v, "Contents")
	var der []byte
	if err == nil {
		der, err = asn1Unwrap(contents)
	}
	if err != nil {
		s.problem("bad_cms", "Không đọc được dữ liệu chữ ký CMS: "+err.Error(), "cannot parse the CMS signature: "+err.Error())
		return s
	}
	rangeDigest := func(h crypto.Hash) ([]byte, error) {
		hw := h.New()
		if _, err := io.Copy(hw, io.NewSectionReader(r, 0, br[1])); err != nil {
			return nil, err
		}
		if _, err := io.Copy(hw, io.NewSectionReader(r, br[2], br[3])); err != nil {
			return nil, err
		}
		return hw.Sum(nil), nil
	}

	if s.Kind == "document_timestamp" {
		ts, tr := checkTimestamp(der, roots, func(h crypto.Hash) ([]byte, error) { return rangeDigest(h) })
		s.Timestamp = tr
		if ts == nil || !tr.Valid {
			s.problem("timestamp_invalid", "Dấu thời gian tài liệu không hợp lệ", "the document timestamp is not valid")
			return s
		}
		s.Intact = true
		s.ClaimedTime = ts.Time
		tsa := ts.Certificates[0]
		s.SignerSubject, s.SignerIssuer, s.SignerSerial = tsa.Subject.String(), tsa.Issuer.String(), tsa.SerialNumber.Text(16)
		s.Trusted = tr.Trusted
		if roots != nil && !tr.Trusted {
			s.untrusted(opts, "untrusted", "Chứng thư của đơn vị cấp dấu thời gian không dẫn tới CA tin cậy", "the TSA certificate does not chain to a trusted CA")
		}
		s.Revocation, s.RevocationBy = dss.status(tsa, ts.Certificates, ts.Time)
		return s
	}

	p7, err := pkcs7.Parse(der)
	if err == nil && len(p7.Signers) != 1 {
		err = fmt.Errorf("%d signers", len(p7.Signers))
	}
	if err != nil {
		s.problem("bad_cms", "Không đọc được dữ liệu chữ ký CMS: "+err.Error(), "cannot parse the CMS signature: "+err.Error())
		return s
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		s.problem("no_signer_cert", "Chữ ký không kèm chứng thư của người ký", "the signer's certificate is not in the CMS")
		return s
	}
	s.SignerSubject, s.SignerIssuer, s.SignerSerial = cert.Subject.String(), cert.Issuer.String(), cert.SerialNumber.Text(16)

	si := p7.Signers[0]
	h, ok := hashForOID(si.DigestAlgorithm.Algorithm)
	if !ok || !h.Available() {
		s.problem("unsupported_digest", "Thuật toán băm không hỗ trợ", "unsupported digest algorithm "+si.DigestAlgorithm.Algorithm.String())
		return s
	}
	sum, err := rangeDigest(h)
	if err != nil {
		s.problem("read_error", "Lỗi đọc tệp", "read error")
		return s
	}
	var md []byte
	digestOK := false
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &md); err != nil {
		s.problem("no_message_digest", "Chữ ký thiếu thuộc tính message-digest", "the CMS has no message-digest attribute")
	} else if subtle.ConstantTimeCompare(md, sum) != 1 {
		s.problem("digest_mismatch", "Nội dung đã bị thay đổi sau khi ký (mã băm không khớp)", "the signed content was changed after signing (digest mismatch)")
	} else {
		digestOK = true
	}

	attrs := make([]p7Attribute, len(si.AuthenticatedAttributes))
	for i, a := range si.AuthenticatedAttributes {
		attrs[i] = p7Attribute(a)
	}
	attrSet, err := asn1.MarshalWithParams(attrs, "set")
	sigOK := err == nil && checkSignedAttrs(cert, h, attrSet, si.EncryptedDigest) == nil
	if !sigOK {
		s.problem("signature_invalid", "Chữ ký số không hợp lệ với chứng thư của người ký", "the CMS signature does not verify with the signer's certificate")
	}
	s.Intact = digestOK && sigOK

	if s.SubFilter == "ETSI.CAdES.detached" {
		var st time.Time
		if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &st) == nil {
			s.warning("signing_time_attribute", "PAdES không cho phép thuộc tính signing-time trong CMS", "PAdES forbids the CMS signing-time attribute")
		}
		var scv2 asn1.RawValue
		if p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &scv2) != nil {
			s.warning("no_signing_certificate", "Thiếu thuộc tính signing-certificate-v2", "the signing-certificate-v2 attribute is missing")
		}
	}

	// Signature timestamp (B-T): an unsigned attribute over the signature value.
	verifyAt := time.Time{}
	for _, a := range si.UnauthenticatedAttributes {
		if !a.Type.Equal(oidSignatureTimeStampToken) {
			continue
		}
		ts, tr := checkTimestamp(a.Value.Bytes, roots, func(h crypto.Hash) ([]byte, error) {
			hw := h.New()
			hw.Write(si.EncryptedDigest)
			return hw.Sum(nil), nil
		})
		s.Timestamp = tr
		if ts == nil || !tr.Valid {
			s.problem("timestamp_invalid", "Dấu thời gian của chữ ký không hợp lệ", "the signature timestamp is not valid")
		} else {
			verifyAt = ts.Time
			if roots != nil && !tr.Trusted {
				s.untrusted(opts, "timestamp_untrusted", "Chứng thư của đơn vị cấp dấu thời gian không dẫn tới CA tin cậy", "the TSA certificate does not chain to a trusted CA")
			}
		}
		break
	}

	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range p7.Certificates {
			inter.AddCert(c)
		}
		for _, c := range dss.certs {
			inter.AddCert(c)
		}
		vo := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: verifyAt, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
		_, err := cert.Verify(vo)
		if err != nil && opts.FetchIssuers != nil {
			// Real government signatures embed only the signer's certificate: fetch the
			// missing intermediates from the AIA "CA Issuers" URLs.
			for _, c := range opts.FetchIssuers.Chain(context.Background(), cert) {
				inter.AddCert(c)
			}
			_, err = cert.Verify(vo)
		}
		s.Trusted = err == nil
		if err != nil {
			s.untrusted(opts, "untrusted", "Chứng thư người ký không dẫn tới CA tin cậy: "+err.Error(), "the signer's certificate does not chain to a trusted CA: "+err.Error())
		}
	}

	s.Revocation, s.RevocationBy = dss.status(cert, p7.Certificates, verifyAt)
	if s.Revocation == "revoked" {
		s.problem("revoked", "Chứng thư người ký đã bị thu hồi (theo dữ liệu DSS trong tệp)", "the signer's certificate is revoked (per the DSS data in the file)")
	}
	return s
}

// sigDocMDP returns /P of a certification signature's DocMDP reference, 0 for approval signatures.
func sigDocMDP(pctx *model.Context, v types.Dict) int {
	refs, _ := pctx.DereferenceArray(v["Reference"])
	for _, r := range refs {
		ref, err := pctx.DereferenceDict(r)
		if err != nil || ref == nil {
			continue
		}
		if tm := ref.NameEntry("TransformMethod"); tm == nil || *tm != "DocMDP" {
			continue
		}
		params, _ := pctx.DereferenceDict(ref["TransformParams"])
		if p, err := pctx.DereferenceInteger(params["P"]); err == nil && p != nil {
			return p.Value()
		}
		return 2
	}
	return 0
}

// checkTimestamp parses an RFC 3161 token (which verifies the TSA's CMS signature over its
// TSTInfo), compares its imprint with imprint(hash), and checks the TSA's chain.
func checkTimestamp(token []byte, roots *x509.CertPool, imprint func(crypto.Hash) ([]byte, error)) (*timestamp.Timestamp, *TimestampReport) {
	tr := &TimestampReport{}
	ts, err := timestamp.Parse(token)
	if err != nil || len(ts.Certificates) == 0 {
		return nil, tr
	}
	tr.Time = ts.Time
	// pkcs7 orders Certificates as stored; the TSA's certificate is the one that signed.
	p7, _ := pkcs7.Parse(token)
	tsa := p7.GetOnlySigner()
	if tsa == nil {
		return nil, tr
	}
	ts.Certificates = append([]*x509.Certificate{tsa}, ts.Certificates...)
	tr.TSA = tsa.Subject.String()
	want, err := imprint(ts.HashAlgorithm)
	tr.Valid = err == nil && subtle.ConstantTimeCompare(want, ts.HashedMessage) == 1
	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range ts.Certificates {
			inter.AddCert(c)
		}
		_, err := tsa.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: ts.Time, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
		tr.Trusted = err == nil
	}
	return ts, tr
}
