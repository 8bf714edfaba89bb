package sign

import (
	"bytes"
	"crypto/x509"
	"fmt"
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

// modificationsAfter lists the objects of full that differ from the signed revision rev and
// are not what later signatures, document timestamps and DSS updates legitimately add:
// signature and timestamp dictionaries, signature widgets and their appearances, DSS/VRI
// dictionaries and their streams, /Annots, /Fields, /SigFlags, /DR, /DSS additions, and
// cross-reference or object streams. (Hand-written: pdfcpu does not compare revisions.)
func modificationsAfter(rev, full *model.Context) []string {
	changed := map[int]bool{}
	for n, e := range full.Table {
		if e == nil || e.Free || n == 0 {
			continue
		}
		old, ok := rev.Table[n]
		if ok && old != nil && !old.Free && sameEntry(old, e) {
			continue
		}
		changed[n] = true
	}
	if len(changed) == 0 {
		return nil
	}

	// New objects reachable from new signature widgets' appearances and from the DSS are allowed.
	allowedNew := map[int]bool{}
	for n := range changed {
		if _, existed := rev.Table[n]; existed {
			continue
		}
		d := dictOf(full, n)
		if d == nil {
			continue
		}
		switch {
		case isSigWidget(full, d):
			reach(full, d["AP"], allowedNew, 0)
		case typeIs(d, "DSS"):
			reach(full, d, allowedNew, 0)
		}
	}

	var out []string
	nums := make([]int, 0, len(changed))
	for n := range changed {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		if !harmless(rev, full, n, allowedNew) {
			out = append(out, fmt.Sprintf("%d 0 obj (%s)", n, describe(full, n)))
		}
	}
	return out
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
	e, ok := ctx.Table[n]
	if !ok || e == nil {
		return nil
	}
	switch o := e.Object.(type) {
	case types.Dict:
		return o
	case types.StreamDict:
		return o.Dict
	case *types.StreamDict:
		return o.Dict
	}
	return nil
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

// reach adds the numbers of the indirect objects reachable from o to set.
func reach(ctx *model.Context, o types.Object, set map[int]bool, depth int) {
	if depth > 64 || o == nil {
		return
	}
	switch v := o.(type) {
	case types.IndirectRef:
		n := v.ObjectNumber.Value()
		if set[n] {
			return
		}
		set[n] = true
		if e, ok := ctx.Table[n]; ok && e != nil {
			reach(ctx, e.Object, set, depth+1)
		}
	case types.Dict:
		for _, x := range v {
			reach(ctx, x, set, depth+1)
		}
	case types.StreamDict:
		reach(ctx, v.Dict, set, depth+1)
	case *types.StreamDict:
		reach(ctx, v.Dict, set, depth+1)
	case types.Array:
		for _, x := range v {
			reach(ctx, x, set, depth+1)
		}
	}
}

// harmless classifies one changed object n.
func harmless(rev, full *model.Context, n int, allowedNew map[int]bool) bool {
	e := full.Table[n]
	switch e.Object.(type) {
	case types.XRefStreamDict, *types.XRefStreamDict, types.ObjectStreamDict, *types.ObjectStreamDict:
		return true
	}
	_, existed := rev.Table[n]
	if !existed && allowedNew[n] {
		return true
	}
	d := dictOf(full, n)
	if d != nil && typeIs(d, "Sig", "DocTimeStamp", "DSS", "VRI", "XRef", "ObjStm", "SigRef", "TransformParams") {
		return true
	}
	if d != nil && isSigWidget(full, d) {
		return true
	}
	if !existed {
		return false
	}
	oldE := rev.Table[n]
	if arr, ok := e.Object.(types.Array); ok {
		oldArr, ok := oldE.Object.(types.Array)
		return ok && appendsSigWidgets(full, oldArr, arr) // an indirect /Annots or /Fields array
	}
	oldD := dictOf(rev, n)
	if d == nil || oldD == nil {
		return false
	}
	// Catalog, AcroForm or page: only the keys signing touches may differ.
	allowed := map[string]bool{"Annots": true, "Fields": true, "SigFlags": true, "DR": true, "DA": true, "DSS": true, "AcroForm": true, "NeedAppearances": true}
	for k := range mergeKeys(d, oldD) {
		if objectString(d[k]) == objectString(oldD[k]) {
			continue
		}
		if !allowed[k] {
			return false
		}
		switch k {
		case "Annots", "Fields":
			na, _ := full.DereferenceArray(d[k])
			oa, _ := rev.DereferenceArray(oldD[k])
			if !appendsSigWidgets(full, oa, na) {
				return false
			}
		case "AcroForm":
			na, _ := full.DereferenceDict(d[k])
			oa, _ := rev.DereferenceDict(oldD[k])
			if na == nil {
				return false
			}
			for kk := range mergeKeys(na, oa) {
				if objectString(na[kk]) == objectString(oa[kk]) {
					continue
				}
				switch kk {
				case "Fields":
					nf, _ := full.DereferenceArray(na[kk])
					of, _ := rev.DereferenceArray(oa[kk])
					if !appendsSigWidgets(full, of, nf) {
						return false
					}
				case "SigFlags", "DR", "DA", "NeedAppearances":
				default:
					return false
				}
			}
		}
	}
	return true
}

func mergeKeys(a, b types.Dict) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// appendsSigWidgets reports whether now is old followed by signature widgets only.
func appendsSigWidgets(full *model.Context, old, now types.Array) bool {
	if len(now) < len(old) {
		return false
	}
	for i := range old {
		if objectString(old[i]) != objectString(now[i]) {
			return false
		}
	}
	for _, o := range now[len(old):] {
		d, err := full.DereferenceDict(o)
		if err != nil || d == nil || !isSigWidget(full, d) {
			return false
		}
	}
	return true
}

func describe(ctx *model.Context, n int) string {
	d := dictOf(ctx, n)
	if d == nil {
		return "object"
	}
	if t := d.NameEntry("Type"); t != nil {
		return *t
	}
	if st := d.NameEntry("Subtype"); st != nil {
		return *st
	}
	return "dict"
}
