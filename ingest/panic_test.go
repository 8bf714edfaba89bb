package ingest

import (
	"errors"
	"strings"
	"testing"
)

// TestDecoderPanicReason: a decoder's panic on a malformed file (pdfcpu
// on deeply nested PDFs) reaches the batch report as the bilingual
// corrupt-file reason, never as the library's panic message.
func TestDecoderPanicReason(t *testing.T) {
	s := &splitter{name: "long-tap.pdf"}
	err := guard(func() error {
		var deep []int
		_ = deep[7] // as a library indexing past what it parsed
		return nil
	})
	if err == nil {
		t.Fatal("guard let the panic through as success")
	}
	ie := s.decodeErr(3, err)
	var got *InputError
	if !errors.As(ie, &got) || got.Code != CodeCorrupt {
		t.Fatalf("decodeErr = %#v, want a corrupt-file InputError", ie)
	}
	msg := ie.Error()
	for _, leak := range []string{"runtime error", "index out of range", "decoder failed", "panic", "goroutine"} {
		if strings.Contains(msg, leak) {
			t.Errorf("report reason %q tells of the panic (%q)", msg, leak)
		}
	}
	if !strings.Contains(msg, "tệp bị hỏng") || !strings.Contains(msg, "corrupt file") {
		t.Errorf("report reason %q is not the bilingual corrupt-file reason", msg)
	}
}
