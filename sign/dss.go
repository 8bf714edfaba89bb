package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/digitorus/pkcs7"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/crypto/ocsp"
)

// validationData is what a DSS holds (ETSI EN 319 142-1 5.4.2).
type validationData struct {
	certs       []*x509.Certificate
	ocsps, crls [][]byte
}

// maxRevocationResponse bounds the bytes read from an OCSP responder or CRL URL.
const maxRevocationResponse = 32 << 20

// timestampCerts returns the certificates in the signature timestamp tokens of a CMS.
func timestampCerts(cmsDER []byte) ([]*x509.Certificate, error) {
	p7, err := pkcs7.Parse(cmsDER)
	if err != nil {
		return nil, fmt.Errorf("cms: %w", err)
	}
	var out []*x509.Certificate
	for _, si := range p7.Signers {
		for _, a := range si.UnauthenticatedAttributes {
			if !a.Type.Equal(oidSignatureTimeStampToken) {
				continue
			}
			tok, err := pkcs7.Parse(a.Value.Bytes)
			if err != nil {
				return nil, fmt.Errorf("timestamp token: %w", err)
			}
			out = append(out, tok.Certificates...)
		}
	}
	return out, nil
}

// vriKey is the /VRI key of a signature: upper-case hex SHA-1 of its CMS (DER, without the padding).
func vriKey(cmsDER []byte) string {
	sum := sha1.Sum(cmsDER)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// collectValidation gathers the certificates and, unless opt supplies them, fetches an OCSP
// response (or else a CRL) for every certificate that is not self-signed.
func collectValidation(ctx context.Context, opt Options, certs []*x509.Certificate) (*validationData, error) {
	vd := &validationData{}
	seen := map[string]bool{}
	for _, c := range certs {
		if !seen[string(c.Raw)] {
			seen[string(c.Raw)] = true
			vd.certs = append(vd.certs, c)
		}
	}
	client := opt.HTTPClient
	if client == nil {
		client = defaultHTTPClient
	}
	// A chain without its intermediates (a token holding only the signer's certificate):
	// complete it from the AIA "CA Issuers" URLs so the DSS can carry it.
	fetcher := &IssuerFetcher{Client: client}
	for i := 0; i < len(vd.certs); i++ {
		c := vd.certs[i]
		if (bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil) || findIssuer(c, vd.certs) != nil {
			continue
		}
		for _, ic := range fetcher.Chain(ctx, c) {
			if !seen[string(ic.Raw)] {
				seen[string(ic.Raw)] = true
				vd.certs = append(vd.certs, ic)
			}
		}
	}
	if len(opt.OCSPs) > 0 || len(opt.CRLs) > 0 {
		vd.ocsps = opt.OCSPs
		for _, c := range opt.CRLs {
			if blk, _ := pem.Decode(c); blk != nil {
				c = blk.Bytes
			}
			vd.crls = append(vd.crls, c)
		}
		return vd, nil
	}
	crlSeen := map[string]bool{}
	for _, c := range vd.certs {
		if bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil {
			continue // a root: nothing to check
		}
		issuer := findIssuer(c, vd.certs)
		if issuer == nil {
			return nil, fmt.Errorf("không có chứng thư CA cấp cho %q / the issuer of %q is not in the chain", c.Subject, c.Subject)
		}
		var errs []string
		done := false
		for _, url := range c.OCSPServer {
			resp, err := fetchOCSP(ctx, client, url, c, issuer)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			vd.ocsps = append(vd.ocsps, resp)
			done = true
			break
		}
		for _, url := range c.CRLDistributionPoints {
			if done {
				break
			}
			crl, err := fetchCRL(ctx, client, url, c, issuer)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if !crlSeen[url] {
				crlSeen[url] = true
				vd.crls = append(vd.crls, crl)
			}
			done = true
		}
		if !done {
			return nil, fmt.Errorf("không lấy được thông tin thu hồi cho %q / no revocation data for %q: %s", c.Subject, c.Subject, strings.Join(errs, "; "))
		}
	}
	return vd, nil
}

// findIssuer returns the certificate among pool that signed c.
func findIssuer(c *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, p := range pool {
		if bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

func httpGetPost(ctx context.Context, client *http.Client, method, url, ctype string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxRevocationResponse))
}

// fetchOCSP asks url about c and returns the DER response once it is checked to be about c,
// signed for issuer, and not revoked.
func fetchOCSP(ctx context.Context, client *http.Client, url string, c, issuer *x509.Certificate) ([]byte, error) {
	req, err := ocsp.CreateRequest(c, issuer, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return nil, fmt.Errorf("ocsp request: %w", err)
	}
	der, err := httpGetPost(ctx, client, http.MethodPost, url, "application/ocsp-request", req)
	if err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	resp, err := ocsp.ParseResponseForCert(der, c, issuer)
	if err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	if resp.Status == ocsp.Revoked {
		return nil, fmt.Errorf("chứng thư %q đã bị thu hồi / certificate %q is revoked (OCSP %s)", c.Subject, c.Subject, url)
	}
	if resp.Status != ocsp.Good {
		return nil, fmt.Errorf("OCSP %s: status %d", url, resp.Status)
	}
	return der, nil
}

// fetchCRL downloads the CRL at url (DER or PEM), checks issuer signed it and that c is not on it.
func fetchCRL(ctx context.Context, client *http.Client, url string, c, issuer *x509.Certificate) ([]byte, error) {
	data, err := httpGetPost(ctx, client, http.MethodGet, url, "", nil)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	if blk, _ := pem.Decode(data); blk != nil {
		data = blk.Bytes
	}
	crl, err := x509.ParseRevocationList(data)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return nil, fmt.Errorf("chứng thư %q đã bị thu hồi / certificate %q is revoked (CRL %s)", c.Subject, c.Subject, url)
		}
	}
	return data, nil
}

// appendDSS adds (or extends) the document security store in a new incremental update.
func (l *layers) appendDSS(ctx context.Context, vd *validationData, key string) error {
	d, err := analyze(ctx, l, l.Size(), 1)
	if err != nil {
		return err
	}
	w := newUpdateWriter(d)
	refs := func(items [][]byte) types.Array {
		var a types.Array
		for _, it := range items {
			a = append(a, *types.NewIndirectRef(w.stream("", it), 0))
		}
		return a
	}
	var raws [][]byte
	for _, c := range vd.certs {
		raws = append(raws, c.Raw)
	}
	certs, ocsps, crls := refs(raws), refs(vd.ocsps), refs(vd.crls)

	entry := types.Dict{"Type": types.Name("VRI")}
	dss := types.Dict{"Type": types.Name("DSS")}
	for _, kv := range []struct {
		dssKey, vriKey string
		old, new       types.Array
	}{{"Certs", "Cert", d.dss.certs, certs}, {"OCSPs", "OCSP", d.dss.ocsps, ocsps}, {"CRLs", "CRL", d.dss.crls, crls}} {
		if len(kv.new) > 0 {
			entry[kv.vriKey] = kv.new
		}
		if all := append(append(types.Array{}, kv.old...), kv.new...); len(all) > 0 {
			dss[kv.dssKey] = all
		}
	}
	vri := types.Dict{}
	for k, v := range d.dss.vri {
		vri[k] = v
	}
	vri[key] = entry
	vriNum := w.alloc()
	w.object(vriNum, 0, vri.PDFString())
	dss["VRI"] = *types.NewIndirectRef(vriNum, 0)
	dssNum := w.alloc()
	w.object(dssNum, 0, dss.PDFString())

	cat := d.catalog.Clone().(types.Dict)
	cat.Update("DSS", *types.NewIndirectRef(dssNum, 0))
	w.ref(d.root, cat.PDFString())
	if d.needEOL {
		l.tail = append(l.tail, '\n')
	}
	l.tail = append(l.tail, w.finish()...)
	return nil
}

// asn1Unwrap returns the BER/DER element at the start of b, dropping /Contents' zero
// padding. Other tools (NSS, used by poppler and Firefox) write BER with indefinite lengths.
func asn1Unwrap(b []byte) ([]byte, error) {
	n, err := berLen(b, 0)
	if err != nil {
		return nil, err
	}
	return b[:n], nil
}

// berLen returns the length of the BER element at the start of b (hand-written: encoding/asn1
// reads DER only, and pkcs7's BER converter is internal).
func berLen(b []byte, depth int) (int, error) {
	if depth > 64 {
		return 0, fmt.Errorf("ber: nested too deep")
	}
	if len(b) < 2 {
		return 0, fmt.Errorf("ber: truncated")
	}
	i := 1
	if b[0]&0x1f == 0x1f { // high tag number
		for i < len(b) && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return 0, fmt.Errorf("ber: truncated tag")
	}
	l := int(b[i])
	i++
	switch {
	case l == 0x80: // indefinite: elements until end-of-contents
		if b[0]&0x20 == 0 {
			return 0, fmt.Errorf("ber: indefinite primitive")
		}
		for {
			if i+2 > len(b) {
				return 0, fmt.Errorf("ber: truncated")
			}
			if b[i] == 0 && b[i+1] == 0 {
				return i + 2, nil
			}
			n, err := berLen(b[i:], depth+1)
			if err != nil {
				return 0, err
			}
			i += n
		}
	case l > 0x80:
		k := l & 0x7f
		if k > 4 || i+k > len(b) {
			return 0, fmt.Errorf("ber: bad length")
		}
		l = 0
		for _, c := range b[i : i+k] {
			l = l<<8 | int(c)
		}
		i += k
	}
	if l < 0 || i+l > len(b) {
		return 0, fmt.Errorf("ber: truncated content")
	}
	return i + l, nil
}
