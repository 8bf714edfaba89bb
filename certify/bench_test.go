package certify_test

import (
	"context"
	"testing"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/ocr"
)

// BenchmarkIssueWithOCR measures the performance target: a 2-page copy,
// from scanned page images through OCR (Tesseract, vie, one page after
// the other) to the stored copy with two signatures (B-B). Run with
// OMP_THREAD_LIMIT=1.
func BenchmarkIssueWithOCR(b *testing.B) {
	ctx := context.Background()
	f := certifytest.New(b, "")
	pool, err := ocr.NewPool(ocr.Config{Workers: 1})
	if err != nil {
		b.Fatalf("OCR (Debian: tesseract-ocr tesseract-ocr-vie): %v", err)
	}
	defer pool.Close()
	f.Recognize = pool.Recognize
	for b.Loop() {
		doc := f.AddOriginal(b, 2)
		if _, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: certifytest.Requester,
			Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssue is the issuance alone (page images already OCR'd).
func BenchmarkIssue(b *testing.B) {
	ctx := context.Background()
	f := certifytest.New(b, "")
	doc := f.AddOriginal(b, 2)
	for b.Loop() {
		if _, err := f.Service.Issue(ctx, certify.IssueRequest{OfficeID: certifytest.Office, DocumentID: doc, Requester: certifytest.Requester,
			Certifier: certifytest.Certifier, NoResultReason: certifytest.NoResult, Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
}
