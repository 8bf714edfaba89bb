package certify

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// PreviewCode stands for the verification code on a preview: the real
// one is drawn when the copy is issued.
const PreviewCode = "XXXXXXXXXX"

// PreviewMark is the line a preview's statement ends with.
const PreviewMark = "BẢN XEM TRƯỚC, CHƯA KÝ, KHÔNG CÓ GIÁ TRỊ / PREVIEW, UNSIGNED, NOT VALID"

// Preview writes the copy Issue would make from req, stamped but not
// signed, to w: the statement carries the number the book would give now
// (another clerk issuing first takes it), PreviewCode for the code, and
// PreviewMark. No number is taken and nothing is recorded.
func (s *Service) Preview(ctx context.Context, w io.Writer, req IssueRequest) error {
	if err := s.preview(ctx, w, req); err != nil {
		return fmt.Errorf("certify: preview copy of %s: %w", req.DocumentID, err)
	}
	return nil
}

func (s *Service) preview(ctx context.Context, w io.Writer, req IssueRequest) error {
	office, err := s.Office(req.OfficeID)
	if err != nil {
		return err
	}
	if _, err := CheckVerifyURL(office.VerifyURL); err != nil {
		return err
	}
	doc, pages, err := s.ready(ctx, req.DocumentID)
	if err != nil {
		return err
	}
	at := s.now()
	vn := at.In(results.Vietnam)
	entries, err := s.DB.CertEntries(ctx, office.ID, office.Book(), vn.Year(), 0)
	if err != nil {
		return err
	}
	next := 1
	if len(entries) > 0 {
		next = entries[len(entries)-1].Number + 1
	}
	url := office.VerifyURL + PreviewCode
	lines, err := office.Statement(StatementData{Number: next, Book: office.Book(), Day: vn.Format("02"), Month: vn.Format("01"),
		Year: vn.Format("2006"), Date: at, Code: GroupCode(PreviewCode), URL: url, Office: office.Name, Certifier: req.Certifier})
	if err != nil {
		return err
	}
	lines = append(lines, PreviewMark)
	dir, err := os.MkdirTemp(s.TempDir, "preview-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	title := strings.TrimSpace(req.Title)
	if title == "" {
		title = doc.SourceName
	}
	path, err := s.render(ctx, dir, doc, pages, lines, url, title)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// ready returns a document whose pages are all OCR'd, or ErrNotReady.
func (s *Service) ready(ctx context.Context, documentID string) (catalog.Document, []catalog.Page, error) {
	doc, err := s.DB.Document(ctx, documentID)
	if err != nil {
		return doc, nil, err
	}
	pages, err := s.DB.Pages(ctx, doc.ID)
	if err != nil {
		return doc, nil, err
	}
	if len(pages) == 0 || len(pages) != doc.PageCount {
		return doc, nil, ErrNotReady
	}
	for _, p := range pages {
		if p.Status != catalog.PageOCRDone {
			return doc, nil, fmt.Errorf("%w: trang %d / page %d: %s", ErrNotReady, p.Seq, p.Seq, p.Status)
		}
	}
	return doc, pages, nil
}

// VoidNumber voids the pending line numbered number in the office's book
// for year, with a reason (required), as actor; the catalog writes the
// audit entry. A line already issued or voided gives
// catalog.ErrEntryNotPending, a number not taken catalog.ErrNotFound.
func (s *Service) VoidNumber(ctx context.Context, officeID string, year, number int, actor, reason string) (catalog.BookEntry, error) {
	office, err := s.Office(officeID)
	if err != nil {
		return catalog.BookEntry{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return catalog.BookEntry{}, fmt.Errorf("certify: void number %d/%d: %w", number, year,
			results.Problems{{Field: "reason", VI: "cần lý do hủy số", EN: "a reason for voiding is required"}})
	}
	entries, err := s.DB.CertEntries(ctx, office.ID, office.Book(), year, 0)
	if err != nil {
		return catalog.BookEntry{}, fmt.Errorf("certify: void number %d/%d: %w", number, year, err)
	}
	for _, e := range entries {
		if e.Number == number {
			out, err := s.DB.VoidCertEntry(ctx, e.ID, actor, reason)
			if err != nil {
				return out, fmt.Errorf("certify: void number %d/%d: %w", number, year, err)
			}
			s.log().Info("certification number voided", "book", e.Book, "year", year, "number", number, "actor", actor)
			return out, nil
		}
	}
	return catalog.BookEntry{}, fmt.Errorf("certify: void number %d/%d: %w", number, year, catalog.ErrNotFound)
}
