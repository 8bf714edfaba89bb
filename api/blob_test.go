package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/localfs"
	"github.com/sohoa-vn/sohoa/storage/s3store"
)

var testBuckets atomic.Int64

// plainStore hides the backend's extra methods: ServeBlob must fall back
// to skipping forward through Get.
type plainStore struct{ storage.Store }

// wrappedStore is a wrapper like the metrics one: ServeBlob must read
// through Unwrap to the backend's seekable reader, never through Get
// (which would read whole objects to seek and hash them twice).
type wrappedStore struct{ storage.Store }

func (w wrappedStore) Unwrap() storage.Store { return w.Store }

func (w wrappedStore) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	return nil, storage.Info{}, errors.New("wrappedStore: Get called; ServeBlob should have unwrapped")
}

func TestServeBlob(t *testing.T) {
	backends := map[string]func(t *testing.T) storage.Store{
		"localfs": func(t *testing.T) storage.Store {
			s, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"minio": func(t *testing.T) storage.Store {
			srv := servicetest.MinIO(t)
			s, err := s3store.New(t.Context(), s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
				SecretKey: srv.SecretKey, Bucket: fmt.Sprintf("sohoa-api-test-%d", testBuckets.Add(1))})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		"minio-wrapped": func(t *testing.T) storage.Store {
			srv := servicetest.MinIO(t)
			s, err := s3store.New(t.Context(), s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
				SecretKey: srv.SecretKey, Bucket: fmt.Sprintf("sohoa-api-test-%d", testBuckets.Add(1))})
			if err != nil {
				t.Fatal(err)
			}
			return wrappedStore{s}
		},
		"plain": func(t *testing.T) storage.Store {
			s, err := localfs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return plainStore{s}
		},
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) { testServeBlob(t, open(t)) })
	}
}

func testServeBlob(t *testing.T, store storage.Store) {
	ctx := context.Background()
	data := make([]byte, 3<<20+17)
	rng := rand.NewChaCha8([32]byte{1})
	rng.Read(data)
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	info, err := store.Put(ctx, "signed/ab/doc.pdf", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, known := range []bool{true, false} {
		given := storage.Info{Key: info.Key}
		if known {
			given = info
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := ServeBlob(w, r, store, given, "application/pdf", "doc.pdf"); err != nil {
				t.Errorf("ServeBlob: %v", err)
			}
		}))
		defer srv.Close()
		get := func(h map[string]string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL, nil)
			for k, v := range h {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp, body
		}
		t.Run(fmt.Sprintf("info known %v", known), func(t *testing.T) {
			resp, body := get(nil)
			if resp.StatusCode != 200 || !bytes.Equal(body, data) || resp.Header.Get("ETag") != etag ||
				resp.Header.Get("Content-Type") != "application/pdf" || resp.Header.Get("Accept-Ranges") != "bytes" ||
				resp.ContentLength != int64(len(data)) {
				t.Fatalf("GET: %d, %d bytes, headers %v", resp.StatusCode, len(body), resp.Header)
			}
			if _, p, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); p["filename"] != "doc.pdf" {
				t.Errorf("Content-Disposition = %q", resp.Header.Get("Content-Disposition"))
			}
			for _, tc := range []struct {
				rng        string
				start, end int // inclusive
			}{{"bytes=0-99", 0, 99}, {"bytes=1048576-2097151", 1 << 20, 2<<20 - 1}, {"bytes=-10", len(data) - 10, len(data) - 1},
				{fmt.Sprintf("bytes=%d-", len(data)-5), len(data) - 5, len(data) - 1}} {
				resp, body := get(map[string]string{"Range": tc.rng})
				want := fmt.Sprintf("bytes %d-%d/%d", tc.start, tc.end, len(data))
				if resp.StatusCode != 206 || !bytes.Equal(body, data[tc.start:tc.end+1]) || resp.Header.Get("Content-Range") != want {
					t.Errorf("Range %s: %d, %d bytes, Content-Range %q; want 206, %d bytes, %q", tc.rng, resp.StatusCode, len(body),
						resp.Header.Get("Content-Range"), tc.end-tc.start+1, want)
				}
			}
			// Two ranges: a multipart answer with both parts.
			resp, body = get(map[string]string{"Range": "bytes=10-19,100-109"})
			_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
			var parts [][]byte
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(p)
				parts = append(parts, b)
			}
			if resp.StatusCode != 206 || len(parts) != 2 || !bytes.Equal(parts[0], data[10:20]) || !bytes.Equal(parts[1], data[100:110]) {
				t.Errorf("multi-range: %d, %d parts", resp.StatusCode, len(parts))
			}
			if resp, _ := get(map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data)+10)}); resp.StatusCode != 416 {
				t.Errorf("unsatisfiable range: %d, want 416", resp.StatusCode)
			}
			if resp, body := get(map[string]string{"If-None-Match": etag}); resp.StatusCode != 304 || len(body) != 0 {
				t.Errorf("If-None-Match matching: %d with %d bytes, want 304", resp.StatusCode, len(body))
			}
			if resp, body := get(map[string]string{"If-None-Match": `"other", ` + etag}); resp.StatusCode != 304 || len(body) != 0 {
				t.Errorf("If-None-Match list: %d, want 304", resp.StatusCode)
			}
			if resp, body := get(map[string]string{"If-None-Match": `"stale"`}); resp.StatusCode != 200 || len(body) != len(data) {
				t.Errorf("If-None-Match stale: %d, want 200", resp.StatusCode)
			}
			if resp, body := get(map[string]string{"Range": "bytes=0-9", "If-Range": `"stale"`}); resp.StatusCode != 200 || len(body) != len(data) {
				t.Errorf("If-Range stale: %d, %d bytes; want the whole object", resp.StatusCode, len(body))
			}
			if resp, body := get(map[string]string{"Range": "bytes=0-9", "If-Range": etag}); resp.StatusCode != 206 || len(body) != 10 {
				t.Errorf("If-Range current: %d, %d bytes; want 206", resp.StatusCode, len(body))
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		rec := httptest.NewRecorder()
		err := ServeBlob(rec, httptest.NewRequest("GET", "/", nil), store, storage.Info{Key: "signed/none.pdf"}, "application/pdf", "")
		if err == nil || rec.Code != 404 {
			t.Errorf("missing object: %d, %v; want 404 and an error", rec.Code, err)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		// The catalog's record disagrees with the bytes: a whole read is
		// cut short, never delivered complete.
		bad := info
		bad.SHA256 = hex.EncodeToString(make([]byte, 32))
		rec := httptest.NewRecorder()
		err := ServeBlob(rec, httptest.NewRequest("GET", "/", nil), store, bad, "application/pdf", "")
		if err == nil || rec.Body.Len() >= len(data) {
			t.Errorf("corrupt object: %d of %d bytes sent, err %v; want a short body and an error", rec.Body.Len(), len(data), err)
		}
	})
}

func TestServeBlobLocalFileGone(t *testing.T) {
	s, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Put(context.Background(), "a/b.pdf", bytes.NewReader([]byte("%PDF-1.7")), 8)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Dir(), "a", "b.pdf")); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := ServeBlob(rec, httptest.NewRequest("GET", "/", nil), s, info, "application/pdf", ""); err == nil || rec.Code != 404 {
		t.Errorf("file gone: %d, %v", rec.Code, err)
	}
}

// BenchmarkServeBlob fetches an 8 MiB object; bytes allocated per op far
// below the object's size show it is streamed, not buffered.
func BenchmarkServeBlob(b *testing.B) {
	s, err := localfs.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 8<<20)
	info, err := s.Put(context.Background(), "big.pdf", bytes.NewReader(data), int64(len(data)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w := discardWriter{h: http.Header{}}
		if err := ServeBlob(&w, httptest.NewRequest("GET", "/", nil), s, info, "application/pdf", ""); err != nil {
			b.Fatal(err)
		}
		if w.n != int64(len(data)) {
			b.Fatalf("%d bytes", w.n)
		}
	}
}

type discardWriter struct {
	h http.Header
	n int64
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return len(p), nil
}
func (d *discardWriter) WriteHeader(int) {}

func TestCanonicalRange(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"bytes=0-7", "bytes=0-7"},
		{"bytes=0-7, 10-, -5", "bytes=0-7,10-,-5"},
		{"bytes=007-8", "bytes=7-8"},
		{"bytes=0-7,", ""},
		{"bytes=a-b", ""},
		{"bytes 0-7", ""},
		{"bytes=" + strings.Repeat("0-1,", 16) + "0-1", ""},
		{"bytes=99999999999999999999-", ""},
	} {
		got, err := canonicalRange(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("canonicalRange(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
