package certify

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // page images are PNG or JPEG
	_ "image/png"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// ReadQR decodes the QR codes printed on the pages of a scanned original
// (many results printed by the national portal carry one holding the
// result code, or a URL containing it) and returns their contents, in
// page order, without repeats. A page that cannot be decoded as an image
// is skipped.
func (s *Service) ReadQR(ctx context.Context, documentID string) ([]string, error) {
	pages, err := s.DB.Pages(ctx, documentID)
	if err != nil {
		return nil, fmt.Errorf("certify: read QR of %s: %w", documentID, err)
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		texts, ok := s.qrCache.get(p.BlobKey)
		if !ok {
			b, err := s.read(ctx, p.BlobKey)
			if err != nil {
				return nil, fmt.Errorf("certify: read QR of %s: %w", documentID, err)
			}
			img, _, err := image.Decode(bytes.NewReader(b))
			if err != nil {
				s.log().Warn("certify: read QR: page image", "page", p.ID, "err", err)
				continue
			}
			texts = DecodeQR(img)
			s.qrCache.put(p.BlobKey, texts)
		}
		for _, t := range texts {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// qrCache keeps the QR codes read from page images by blob key: a key
// names one image's bytes (content-addressed), so the clerk's page and
// the issuance that follows decode each page once. Bounded: emptied when
// full.
type qrCache struct {
	mu sync.Mutex
	m  map[string][]string
}

const qrCacheSize = 4096

func (c *qrCache) get(key string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *qrCache) put(key string, v []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= qrCacheSize {
		c.m = map[string][]string{}
	}
	c.m[key] = v
}

// DecodeQR returns the contents of the QR codes found in img.
func DecodeQR(img image.Image) []string {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return nil
	}
	rs, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER: true,
	})
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range rs {
		if t := strings.TrimSpace(r.GetText()); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// codeParams are the query parameters a result's URL may carry its code in.
var codeParams = []string{"code", "ma", "maketqua", "ma_ket_qua", "result", "resultcode", "id"}

var codeRe = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}._/-]{1,63}$`)

// ResultCodeCandidates reads what a QR code may hold as a result code:
// the text itself when it looks like a code, or for a URL the values of
// its code-like query parameters and its last path segment.
func ResultCodeCandidates(qr string) []string {
	qr = strings.TrimSpace(qr)
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && codeRe.MatchString(s) && !contains(out, s) {
			out = append(out, s)
		}
	}
	u, err := url.Parse(qr)
	if err != nil || u.Scheme == "" || u.Host == "" {
		add(qr)
		return out
	}
	q := u.Query()
	for k, vs := range q {
		for _, p := range codeParams {
			if strings.EqualFold(k, p) {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	if segs := strings.Split(strings.Trim(u.Path, "/"), "/"); len(segs) > 0 {
		add(segs[len(segs)-1])
	}
	return out
}

// resultsByQR looks up, by result code, what the QR codes on a document
// hold; it returns the results and the QR text that found them.
func (s *Service) resultsByQR(ctx context.Context, documentID string, offices []string) ([]results.Result, string, error) {
	qrs, err := s.ReadQR(ctx, documentID)
	if err != nil {
		return nil, "", err
	}
	for _, t := range qrs {
		for _, c := range ResultCodeCandidates(t) {
			rs, err := s.DB.FindResults(ctx, catalog.ResultMatch{Code: c, Offices: offices})
			if err != nil {
				return nil, "", err
			}
			if len(rs) > 0 {
				return rs, t, nil
			}
		}
	}
	return nil, "", nil
}
