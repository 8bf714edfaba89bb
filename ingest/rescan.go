package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// CodeNotOnePage: a rescan must be one page.
const CodeNotOnePage = "not_one_page"

// errSecondPage stops Split at a rescan's second page.
var errSecondPage = errors.New("second page")

// Rescan takes the image of one rescanned page from r (PNG, JPEG, TIFF or
// a PDF of one scanned image, under the same limits as File), stores it
// under its SHA-256 and returns the page fields to record with
// catalog.ReplacePage (BlobKey, SHA256, Format, Width, Height, DPI). Bad
// input is an *InputError; a file of more than one page is refused with
// CodeNotOnePage.
func (in *Ingester) Rescan(ctx context.Context, doc catalog.Document, seq int, name string, r io.Reader) (catalog.Page, error) {
	name = CleanName(name)
	lim := in.Limits.orDefault()
	spool, n, _, err := in.spool(r, lim.MaxBytes)
	if err != nil {
		return catalog.Page{}, fmt.Errorf("rescan %s: %w", name, err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	if n > lim.MaxBytes {
		return catalog.Page{}, tooLarge(name, lim.MaxBytes)
	}
	var got *Page
	err = Split(ctx, spool, n, name, lim, func(p Page) error {
		if got != nil {
			return errSecondPage
		}
		got = &p
		return nil
	})
	switch {
	case errors.Is(err, errSecondPage):
		return catalog.Page{}, inputErr(name, 2, CodeNotOnePage,
			"ảnh quét lại phải có đúng một trang", "a rescan must be exactly one page")
	case err != nil:
		return catalog.Page{}, err
	case got == nil:
		return catalog.Page{}, inputErr(name, 0, CodeNotOnePage,
			"ảnh quét lại phải có đúng một trang", "a rescan must be exactly one page")
	}
	got.Seq = seq
	p, err := in.storePage(ctx, doc, *got)
	if err != nil {
		return catalog.Page{}, fmt.Errorf("rescan %s: %w", name, err)
	}
	return p, nil
}
