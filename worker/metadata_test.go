package worker

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// countingStore counts the objects read.
type countingStore struct {
	storage.Store
	gets atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, key)
}

// regionEngine reads nothing in any region, and counts the regions and
// the images they were asked of.
type regionEngine struct {
	regions atomic.Int64
	images  map[*ocr.Image]bool
}

func (e *regionEngine) Recognize(context.Context, []byte) (*ocr.Page, error) { return &ocr.Page{}, nil }

func (e *regionEngine) RecognizeImageRegion(_ context.Context, im *ocr.Image, _ ocr.Region) (*ocr.Page, error) {
	e.regions.Add(1)
	e.images[im] = true
	return &ocr.Page{Width: 1654, Height: 2339}, nil
}

// Several regions of a page read again (issuing body, number, date twice)
// read its image from storage, and decode it, once.
func TestMetadataRereadsReadImageOnce(t *testing.T) {
	ctx := context.Background()
	fs, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := &countingStore{Store: fs}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1654, 2339))); err != nil {
		t.Fatal(err)
	}
	img := buf.Bytes()
	if _, err := st.Put(ctx, "pages/p1", bytes.NewReader(img), int64(len(img))); err != nil {
		t.Fatal(err)
	}
	eng := &regionEngine{images: map[*ocr.Image]bool{}}
	h := &Handlers{Store: st, OCR: eng}
	// A header with no number row and a date whose numbers were read
	// unsure: the issuing body, the number and the date are read again.
	var words []ocr.Word
	x := 900
	for _, w := range strings.Fields("Hà Nội, ngày 05 tháng 02 năm 2026") {
		words = append(words, ocr.Word{Text: w, Conf: 60, Block: 1, Par: 1, Line: 2, Box: image.Rect(x, 270, x+18*len([]rune(w)), 300)})
		x += 18*len([]rune(w)) + 18
	}
	words = append(words, ocr.Word{Text: "UBND", Conf: 90, Block: 1, Par: 1, Line: 1, Box: image.Rect(400, 150, 480, 180)})
	page := &ocr.Page{Width: 1654, Height: 2339, Words: words, Text: "UBND\nHà Nội, ngày 05 tháng 02 năm 2026"}
	m := h.metadata(ctx, []catalog.Page{{ID: "p1", DocumentID: "d1", BlobKey: "pages/p1"}}, []*ocr.Page{page})
	if n := eng.regions.Load(); n < 3 {
		t.Fatalf("%d regions read again, want 3 or more", n)
	}
	if n := st.gets.Load(); n != 1 {
		t.Errorf("the image read %d times from storage, want once", n)
	}
	if n := len(eng.images); n != 1 {
		t.Errorf("the image decoded %d times, want once", n)
	}
	if m.Date == nil || m.Date.Value != "2026-02-05" {
		t.Errorf("date %+v, want the first reading's 2026-02-05", m.Date)
	}
}
