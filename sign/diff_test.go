package sign

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// appendUpdate appends an unsigned incremental update written by edit.
func appendUpdate(t *testing.T, in []byte, edit func(d *docInfo, w *updateWriter)) []byte {
	t.Helper()
	d, err := analyze(context.Background(), bytes.NewReader(in), int64(len(in)), 1)
	if err != nil {
		t.Fatal(err)
	}
	w := newUpdateWriter(d)
	edit(d, w)
	out := bytes.Clone(in)
	if d.needEOL {
		out = append(out, '\n')
	}
	return append(out, w.finish()...)
}

// textField returns the reference of the document's text field (makePDF acroFormField).
func textField(t *testing.T, d *docInfo) types.IndirectRef {
	t.Helper()
	for _, a := range d.annots {
		if r, ok := a.(types.IndirectRef); ok {
			return r
		}
	}
	t.Fatal("no text field")
	return types.IndirectRef{}
}

// TestChangesAfterSigningPolicy checks which later changes each DocMDP level accepts.
func TestChangesAfterSigningPolicy(t *testing.T) {
	id, _ := testIdentity(t)
	in := makePDF(pdfSpec{pages: 1, acroFormField: true})
	approval := signBytes(t, in, id, Options{Name: "A"})
	certified := func(p int) []byte { return signBytes(t, in, id, Options{Name: "A", DocMDP: p}) }

	fill := func(d *docInfo, w *updateWriter) {
		ref := textField(t, d)
		ap := w.stream("/Type /XObject /Subtype /Form /BBox [0 0 228 20] ", []byte("BT /Helv 10 Tf 2 6 Td (da dien) Tj ET"))
		w.ref(ref, "<< /Type /Annot /Subtype /Widget /FT /Tx /T (ghi_chu) /V (da dien) /Rect [72 600 300 620] /P "+d.pageRef.PDFString()+
			" /DA (/Helv 0 Tf 0 g) /AP << /N "+types.NewIndirectRef(ap, 0).PDFString()+" >> >>")
	}
	annotate := func(d *docInfo, w *updateWriter) {
		n := w.alloc()
		w.object(n, 0, "<< /Type /Annot /Subtype /Text /Rect [400 700 420 720] /Contents (ghi chu) /P "+d.pageRef.PDFString()+" >>")
		page := d.page.Clone().(types.Dict)
		page.Update("Annots", append(append(types.Array{}, d.annots...), *types.NewIndirectRef(n, 0)))
		w.ref(d.pageRef, page.PDFString())
	}
	openAction := func(d *docInfo, w *updateWriter) {
		cat := d.catalog.Clone().(types.Dict)
		cat.Update("OpenAction", types.Dict{"S": types.Name("URI"), "URI": types.StringLiteral("https://example.invalid/")})
		w.ref(d.root, cat.PDFString())
	}
	xmp := func(d *docInfo, w *updateWriter) {
		n := w.stream("/Type /Metadata /Subtype /XML ", []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`))
		cat := d.catalog.Clone().(types.Dict)
		cat.Update("Metadata", *types.NewIndirectRef(n, 0))
		w.ref(d.root, cat.PDFString())
	}
	info := func(d *docInfo, w *updateWriter) {
		w.ref(*d.info, "<< /Producer (other tool) /ModDate (D:20270101000000Z) /Title (Th\\340 nghi\\352m) >>")
	}
	needAppearances := func(v bool) func(d *docInfo, w *updateWriter) {
		return func(d *docInfo, w *updateWriter) {
			af := d.acroForm.Clone().(types.Dict)
			af.Update("NeedAppearances", types.Boolean(v))
			w.ref(*d.acroRef, af.PDFString())
		}
	}
	retitle := func(d *docInfo, w *updateWriter) {
		w.ref(*d.info, "<< /Producer (sohoa test) /Title (Forged title) >>")
	}

	tests := []struct {
		name    string
		signed  []byte
		edit    func(*docInfo, *updateWriter)
		allowed bool
	}{
		{"form filling, approval only", approval, fill, false},
		{"form filling, P=1", certified(1), fill, false},
		{"form filling, P=2", certified(2), fill, true},
		{"form filling, P=3", certified(3), fill, true},
		{"annotation, approval only", approval, annotate, false},
		{"annotation, P=2", certified(2), annotate, false},
		{"annotation, P=3", certified(3), annotate, true},
		{"OpenAction, P=3", certified(3), openAction, false},
		{"XMP metadata, approval", approval, xmp, true},
		{"XMP metadata, P=1", certified(1), xmp, true},
		{"info ModDate and Producer", approval, info, true},
		{"info Title", approval, retitle, false},
		{"NeedAppearances false, approval", approval, needAppearances(false), true},
		{"NeedAppearances true, approval", approval, needAppearances(true), false},
		{"NeedAppearances true, P=2", certified(2), needAppearances(true), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := appendUpdate(t, tc.signed, tc.edit)
			rep, err := Verify(bytes.NewReader(out), int64(len(out)), testRoots(id))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid() != tc.allowed {
				t.Fatalf("valid = %v, want %v: %v", rep.Valid(), tc.allowed, rep.Signatures[0].Modifications)
			}
		})
	}
}

// A later signature that is itself valid may still not draw over the signed page.
func TestLaterSignatureCoveringThePage(t *testing.T) {
	id, _ := testIdentity(t)
	first := signBytes(t, makePDF(pdfSpec{pages: 1}), id, Options{Name: "A"})
	for _, tc := range []struct {
		rect [4]float64
		ok   bool
	}{{[4]float64{367, 28, 567, 98}, true}, {[4]float64{0, 0, 595, 842}, false}, {[4]float64{40, 300, 560, 500}, false}} {
		second := signBytes(t, first, id, Options{Name: "B", Appearance: &Appearance{Rect: tc.rect, Organisation: "UBND"}})
		rep, err := Verify(bytes.NewReader(second), int64(len(second)), testRoots(id))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Valid() != tc.ok {
			t.Errorf("stamp %v: valid = %v, want %v: %v", tc.rect, rep.Valid(), tc.ok, rep.Signatures[0].Modifications)
		}
		if !tc.ok && !strings.Contains(strings.Join(rep.Signatures[0].Modifications, " "), "covers") {
			t.Errorf("stamp %v: %v", tc.rect, rep.Signatures[0].Modifications)
		}
	}
}
