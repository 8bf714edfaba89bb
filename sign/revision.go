package sign

import (
	"bytes"
	"context"
	"crypto/x509"
	"slices"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"golang.org/x/crypto/ocsp"
)

// dssData is the validation material of the document's /DSS.
type dssData struct {
	certs       []*x509.Certificate
	ocsps, crls [][]byte
}

// readDSS reads the certificates, OCSP responses and CRLs of the catalog's /DSS.
func readDSS(pctx *model.Context) dssData {
	var d dssData
	cat, err := pctx.Catalog()
	if err != nil {
		return d
	}
	dss, err := pctx.DereferenceDict(cat["DSS"])
	if err != nil || dss == nil {
		return d
	}
	streams := func(k string) [][]byte {
		arr, _ := pctx.DereferenceArray(dss[k])
		var out [][]byte
		for _, o := range arr {
			sd, _, err := pctx.DereferenceStreamDict(o)
			if err != nil || sd == nil {
				continue
			}
			if sd.Content == nil {
				if err := sd.Decode(); err != nil {
					continue
				}
			}
			out = append(out, sd.Content)
		}
		return out
	}
	for _, b := range streams("Certs") {
		if c, err := x509.ParseCertificate(b); err == nil {
			d.certs = append(d.certs, c)
		}
	}
	d.ocsps, d.crls = streams("OCSPs"), streams("CRLs")
	return d
}

// status returns the revocation status of cert per the DSS ("good", "revoked" or "unknown")
// and its source ("ocsp" or "crl"). A revocation after at (the timestamp, when not zero)
// leaves the signature good: it was made before.
func (d dssData) status(cert *x509.Certificate, extra []*x509.Certificate, at time.Time) (string, string) {
	pool := append(slices.Clone(extra), d.certs...)
	issuer := findIssuer(cert, pool)
	if issuer == nil {
		return "unknown", ""
	}
	revoked := func(t time.Time) bool { return at.IsZero() || !t.After(at) }
	for _, der := range d.ocsps {
		resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
		if err != nil {
			continue
		}
		switch resp.Status {
		case ocsp.Good:
			return "good", "ocsp"
		case ocsp.Revoked:
			if revoked(resp.RevokedAt) {
				return "revoked", "ocsp"
			}
			return "good", "ocsp"
		}
	}
	for _, der := range d.crls {
		crl, err := x509.ParseRevocationList(der)
		if err != nil || !bytes.Equal(crl.RawIssuer, cert.RawIssuer) || crl.CheckSignatureFrom(issuer) != nil {
			continue
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && revoked(e.RevocationTime) {
				return "revoked", "crl"
			}
		}
		return "good", "crl"
	}
	return "unknown", ""
}

// sameEntry reports whether two cross-reference entries point at the same stored object.
func sameEntry(a, b *model.XRefTableEntry) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqi := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if a.Compressed != b.Compressed {
		return false
	}
	if a.Compressed {
		return eqi(a.ObjectStream, b.ObjectStream) && eqi(a.ObjectStreamInd, b.ObjectStreamInd) && objectString(a.Object) == objectString(b.Object)
	}
	return eq(a.Offset, b.Offset) && eqi(a.Generation, b.Generation)
}

func objectString(o types.Object) string {
	if o == nil {
		return ""
	}
	return o.PDFString()
}

func dictOf(ctx *model.Context, n int) types.Dict {
	return asDict(objectAt(ctx, n))
}

// objectAt returns object n, decoding it from its object stream if pdfcpu left it there
// (pdfcpu reads compressed objects lazily).
func objectAt(ctx *model.Context, n int) types.Object {
	e, ok := ctx.Table[n]
	if !ok || e == nil || e.Free {
		return nil
	}
	if l, ok := e.Object.(types.LazyObjectStreamObject); ok {
		o, err := l.DecodedObject(context.Background())
		if err != nil {
			return nil
		}
		e.Object = o
	}
	return e.Object
}

func typeIs(d types.Dict, names ...string) bool {
	t := d.NameEntry("Type")
	return t != nil && slices.Contains(names, *t)
}

func isSigWidget(ctx *model.Context, d types.Dict) bool {
	if ft := d.NameEntry("FT"); ft != nil && *ft == "Sig" {
		return true
	}
	if p, err := ctx.DereferenceDict(d["Parent"]); err == nil && p != nil {
		if ft := p.NameEntry("FT"); ft != nil && *ft == "Sig" {
			return true
		}
	}
	return false
}
