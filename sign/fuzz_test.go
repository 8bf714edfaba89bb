package sign

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/sign/attack"
)

// fuzzSeeds are the seed PDFs: hand-written classic files, pdfcpu's classic and xref-stream
// rewrites, already signed files, and truncated or damaged variants.
func fuzzSeeds(f *testing.F) [][]byte {
	id, _ := testIdentity(f)
	plain := makePDF(pdfSpec{pages: 2, annotsRef: true, acroFormField: true})
	xs := rewrite(f, makePDF(pdfSpec{acroFormField: true}), true)
	signed := signBytes(f, xs, id, Options{Name: "Nguyễn Văn An"})
	seeds := [][]byte{
		makePDF(pdfSpec{}),
		plain,
		plain[:len(plain)-1],
		rewrite(f, plain, false),
		xs,
		signed,
		signBytes(f, plain, id, Options{DocMDP: 1}),
		plain[:len(plain)/2],
		bytes.Replace(plain, []byte("startxref"), []byte("startxref 999999"), 1),
		bytes.Replace(xs, []byte("/Root"), []byte("/Rot "), 1),
		[]byte("%PDF-1.7\n"),
	}
	return seeds
}

// watchdog crashes the fuzzing process when the input takes over 10 s (a hang): the fuzzer
// then keeps the input as a crasher, which it does not do for a worker that never returns.
func watchdog(what string) (stop func()) {
	t := time.AfterFunc(10*time.Second, func() { panic(what + " hung for 10 s on this input") })
	return func() { t.Stop() }
}

// FuzzIncrementalInput signs arbitrary bytes as a PDF: Sign must fail cleanly or produce a
// file that starts with the input and that pdfcpu reads; it must never panic or hang.
func FuzzIncrementalInput(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, i%2 == 0)
	}
	id, _ := testIdentity(f)
	f.Fuzz(func(t *testing.T, in []byte, visible bool) {
		opt := Options{Name: "Fuzz", Time: time.Date(2026, 6, 5, 14, 0, 0, 0, VietnamTime)}
		if visible {
			opt.Appearance = &Appearance{Organisation: "Cơ quan"}
		}
		defer watchdog("Sign")()
		var out bytes.Buffer
		err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), id, opt)
		if err != nil {
			if out.Len() != 0 {
				t.Fatalf("Sign failed (%v) but wrote %d bytes", err, out.Len())
			}
			return
		}
		signed := out.Bytes()
		if !bytes.HasPrefix(signed, in) {
			t.Fatal("the input is not a prefix of the signed file")
		}
		if _, err := readContext(context.Background(), bytes.NewReader(signed), int64(len(signed))); err != nil {
			t.Fatalf("pdfcpu cannot read the signed file: %v", err)
		}
		rep, err := Verify(bytes.NewReader(signed), int64(len(signed)), nil)
		if err != nil {
			t.Fatalf("Verify of the signed file: %v", err)
		}
		last := rep.Signatures[len(rep.Signatures)-1]
		if !last.Intact || !last.CoversWholeFile {
			t.Fatalf("the new signature does not verify: %+v", last)
		}
	})
}

// FuzzVerify reads arbitrary bytes as a signed PDF: Verify must never panic.
func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	// The published attacks, as seeds (see package sign/attack).
	id, _ := testIdentity(f)
	signed := signBytes(f, makePDF(pdfSpec{acroFormField: true}), id, Options{Name: "A"})
	for _, make := range []func([]byte) ([]byte, error){attack.ShadowHide, attack.ShadowReplace, attack.ISABodyOnly, attack.ISANoEOF, attack.SWA,
		func(b []byte) ([]byte, error) { return attack.USF(b, attack.USFNoByteRange) },
		func(b []byte) ([]byte, error) { return attack.USF(b, attack.USFEmptyContents) }} {
		if b, err := make(signed); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		defer watchdog("Verify")()
		rep, err := Verify(bytes.NewReader(in), int64(len(in)), nil)
		if err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
	})
}
