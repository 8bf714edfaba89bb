package sign

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Report is the result of Verify.
type Report struct {
	Size       int64             `json:"size"`
	Signatures []SignatureReport `json:"signatures"` // in signing order (by end of byte range)
}

// SignatureReport describes one signature.
type SignatureReport struct {
	Field           string    `json:"field"`
	SubFilter       string    `json:"sub_filter"`
	ByteRange       []int64   `json:"byte_range"`
	CoversWholeFile bool      `json:"covers_whole_file"` // the byte range ends at the end of the file
	CoversRevision  bool      `json:"covers_revision"`   // the byte range ends at an %%EOF (a whole revision)
	Intact          bool      `json:"intact"`            // message digest matches the ranges and the CMS signature verifies
	Trusted         bool      `json:"trusted"`           // the chain verifies to the given roots (false if none given)
	SignerSubject   string    `json:"signer_subject"`
	SignerIssuer    string    `json:"signer_issuer"`
	SignerSerial    string    `json:"signer_serial"`         // hexadecimal
	ClaimedTime     time.Time `json:"claimed_time,omitzero"` // /M
	Name            string    `json:"name,omitempty"`
	Reason          string    `json:"reason,omitempty"`
	Location        string    `json:"location,omitempty"`
	Problems        []Problem `json:"problems"`
}

// Problem is one finding about a signature, in Vietnamese and English.
type Problem struct {
	Code string `json:"code"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

// AllIntact reports whether the PDF has at least one signature and every signature is intact.
// A PDF with no signature is not "all intact".
func (r *Report) AllIntact() bool {
	if r == nil || len(r.Signatures) == 0 {
		return false
	}
	for _, s := range r.Signatures {
		if !s.Intact {
			return false
		}
	}
	return true
}

func (s *SignatureReport) problem(code, vi, en string) {
	s.Problems = append(s.Problems, Problem{Code: code, VI: vi, EN: en})
}

// Verify checks every signature in the PDF. roots may be nil: then no trust check is made.
// An error means the PDF could not be read; a broken signature is reported in its Problems.
// The signed byte ranges are hashed by streaming from r.
func Verify(r io.ReaderAt, size int64, roots *x509.CertPool) (*Report, error) {
	pctx, err := readContext(context.Background(), r, size)
	if err != nil {
		return nil, err
	}
	rep := &Report{Size: size, Signatures: []SignatureReport{}}
	for _, f := range signatureFields(pctx) {
		rep.Signatures = append(rep.Signatures, verifyOne(pctx, r, size, roots, f.name, f.v))
	}
	slices.SortStableFunc(rep.Signatures, func(a, b SignatureReport) int {
		return cmpInt64(rangeEnd(a.ByteRange), rangeEnd(b.ByteRange))
	})
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		if !s.CoversWholeFile && i == len(rep.Signatures)-1 {
			s.problem("changed_after_signing",
				"Tệp đã được bổ sung sau chữ ký cuối cùng mà không có chữ ký mới",
				"the file was changed after the last signature without a new signature")
		}
	}
	return rep, nil
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
				out = append(out, sigField{name: name, v: v})
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

func verifyOne(pctx *model.Context, r io.ReaderAt, size int64, roots *x509.CertPool, name string, v types.Dict) SignatureReport {
	s := SignatureReport{Field: name, Problems: []Problem{}}
	if sf := v.NameEntry("SubFilter"); sf != nil {
		s.SubFilter = *sf
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
	if s.ClaimedTime.IsZero() {
		s.problem("no_claimed_time", "Thiếu thời điểm ký (/M)", "no claimed signing time (/M)")
	}

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
	var raw asn1.RawValue
	if err == nil {
		_, err = asn1.Unmarshal(contents, &raw)
	}
	var p7 *pkcs7.PKCS7
	if err == nil {
		p7, err = pkcs7.Parse(raw.FullBytes)
	}
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
	hw := h.New()
	_, err1 := io.Copy(hw, io.NewSectionReader(r, 0, br[1]))
	_, err2 := io.Copy(hw, io.NewSectionReader(r, br[2], br[3]))
	if err1 != nil || err2 != nil {
		s.problem("read_error", "Lỗi đọc tệp", "read error")
		return s
	}
	var md []byte
	digestOK := false
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &md); err != nil {
		s.problem("no_message_digest", "Chữ ký thiếu thuộc tính message-digest", "the CMS has no message-digest attribute")
	} else if subtle.ConstantTimeCompare(md, hw.Sum(nil)) != 1 {
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
			s.problem("signing_time_attribute", "PAdES không cho phép thuộc tính signing-time trong CMS", "PAdES forbids the CMS signing-time attribute")
		}
		var scv2 asn1.RawValue
		if p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &scv2) != nil {
			s.problem("no_signing_certificate", "Thiếu thuộc tính signing-certificate-v2", "the signing-certificate-v2 attribute is missing")
		}
	}

	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range p7.Certificates {
			inter.AddCert(c)
		}
		_, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		s.Trusted = err == nil
		if err != nil {
			s.problem("untrusted", "Chứng thư người ký không dẫn tới CA tin cậy: "+err.Error(), "the signer's certificate does not chain to a trusted CA: "+err.Error())
		}
	}
	return s
}
