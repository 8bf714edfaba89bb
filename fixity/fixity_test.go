package fixity

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
	"github.com/sohoa-vn/sohoa/storage/s3store"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

// store is a backend under test with ways to damage it behind the
// catalog's back.
type store interface {
	storage.Store
	Lister
}

type backend struct {
	name string
	open func(t *testing.T) store
	// rot changes an object's bytes and leaves its recorded SHA-256.
	rot func(t *testing.T, s store, key string)
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

var buckets atomic.Int64

func backends() []backend {
	return []backend{
		{
			name: "localfs",
			open: func(t *testing.T) store {
				s, err := localfs.New(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			},
			rot: func(t *testing.T, s store, key string) {
				p, err := s.(*localfs.Store).Path(key)
				if err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)/2] ^= 1
				if err := os.WriteFile(p, b, 0o640); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "minio",
			open: func(t *testing.T) store {
				srv := servicetest.MinIO(t)
				s, err := s3store.New(t.Context(), s3store.Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey,
					SecretKey: srv.SecretKey, Bucket: fmt.Sprintf("fixity-%d", buckets.Add(1))})
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			rot: func(t *testing.T, s store, key string) {
				st := s.(*s3store.Store)
				info, err := st.Stat(t.Context(), key)
				if err != nil {
					t.Fatal(err)
				}
				b := bytes.Repeat([]byte{'x'}, int(info.Size))
				_, err = st.Client().PutObject(t.Context(), st.Bucket(), key, bytes.NewReader(b), int64(len(b)),
					minio.PutObjectOptions{UserMetadata: map[string]string{"Sha256": info.SHA256}})
				if err != nil {
					t.Fatal(err)
				}
			},
		},
	}
}

// fixture is a catalog with two batches: a signed document of two pages,
// a certified copy of it, a document of one page still in OCR, and a
// document being signed; every object they need is stored.
type fixture struct {
	db      *catalog.DB
	s       store
	batches []string
	copyKey string
}

func put(t *testing.T, s storage.Store, key string, b []byte) storage.Info {
	t.Helper()
	info, err := s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func newFixture(t *testing.T, s store) *fixture {
	ctx := t.Context()
	db, err := catalog.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, s: s, batches: []string{"b1", "b2"}}
	for _, b := range f.batches {
		if _, err := db.EnsureBatch(ctx, b, b); err != nil {
			t.Fatal(err)
		}
	}
	newDoc := func(batch, id string, n int) []catalog.Page {
		var pages []catalog.Page
		for i := 1; i <= n; i++ {
			img := []byte(fmt.Sprintf("image %s %d", id, i))
			key := "pages/" + sum(img)[:2] + "/" + sum(img) + ".png"
			put(t, s, key, img)
			pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%d", id, i), Seq: i, BlobKey: key, SHA256: sum(img), Format: "png"})
		}
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: batch, SourceName: id}, pages); err != nil {
			t.Fatal(err)
		}
		return pages
	}
	ocr := func(p catalog.Page) {
		put(t, s, ocrKey(p.ID), []byte(`{"text":"x"}`))
		put(t, s, altoKey(p.ID), []byte(`<alto/>`))
		if _, err := db.MarkPageOCRed(ctx, p.ID, 1, 90, ocrKey(p.ID)); err != nil {
			t.Fatal(err)
		}
	}
	// d1: signed, with a copy.
	for _, p := range newDoc("b1", "d1", 2) {
		ocr(p)
	}
	pdf := put(t, s, assembledKey("d1"), []byte("%PDF d1"))
	if err := db.SetAssembled(ctx, "d1", pdf.Key, pdf.SHA256, 1, nil); err != nil {
		t.Fatal(err)
	}
	signed := put(t, s, signedKey("d1"), []byte("%PDF d1 signed"))
	if err := db.SetSigned(ctx, "d1", signed.Key, signed.SHA256, signed.Size); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, pdf.Key); err != nil {
		t.Fatal(err)
	}
	e, err := db.AllocateCertNumber(ctx, catalog.BookEntry{OfficeID: "o", Book: "01-SCTĐT/BS", DocumentID: "d1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.copyKey = "copies/c1.pdf"
	cp := put(t, s, f.copyKey, []byte("%PDF copy"))
	if _, err := db.IssueCopy(ctx, catalog.Copy{ID: "c1", EntryID: e.ID, Code: "ABC", BlobKey: cp.Key, SHA256: cp.SHA256, Size: cp.Size}, "t", nil); err != nil {
		t.Fatal(err)
	}
	// d2: in OCR; its page's OCR output was written by a worker that died
	// before recording it: known, not an orphan.
	p := newDoc("b2", "d2", 1)[0]
	put(t, s, ocrKey(p.ID), []byte(`{"text":"partial"}`))
	// d3: being signed.
	for _, p := range newDoc("b2", "d3", 1) {
		ocr(p)
	}
	pdf = put(t, s, assembledKey("d3"), []byte("%PDF d3"))
	if err := db.SetAssembled(ctx, "d3", pdf.Key, pdf.SHA256, 1, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) check(t *testing.T, opt Options) Report {
	t.Helper()
	opt.Batches, opt.Orphans = f.batches, true
	c := &Checker{Catalog: f.db, Store: f.s, Lister: f.s}
	r, err := c.Check(t.Context(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", r)
	return r
}

func TestCheck(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			f := newFixture(t, b.open(t))
			// Clean: 4 page images, 3 OCR + 3 ALTO, signed d1, copy, pdf of d3.
			for _, rehash := range []bool{false, true} {
				r := f.check(t, Options{Rehash: rehash})
				if !r.OK() || r.Required != 13 || r.Stored != 14 || r.Documents != 3 || r.Pages != 4 || r.Copies != 1 || r.Batches != 2 {
					t.Fatalf("clean catalog (rehash=%v): %s %v", rehash, r, r.Problems)
				}
				if rehash && r.Hashed != 13 {
					t.Errorf("rehash read %d objects, want 13", r.Hashed)
				}
			}

			// Damage: a stray object, a lost OCR result, bit rot in the
			// signed PDF, a page image replaced by other bytes (with a
			// matching store checksum), a lost copy.
			put(t, f.s, "signed/stray.pdf", []byte("stray"))
			if err := f.s.Delete(ctx, ocrKey("d1-p1")); err != nil {
				t.Fatal(err)
			}
			b.rot(t, f.s, signedKey("d1"))
			pages, err := f.db.Pages(ctx, "d3")
			if err != nil {
				t.Fatal(err)
			}
			put(t, f.s, pages[0].BlobKey, []byte("another image"))
			if err := f.s.Delete(ctx, f.copyKey); err != nil {
				t.Fatal(err)
			}

			want := []string{
				"changed " + pages[0].BlobKey,
				"missing " + f.copyKey,
				"missing " + ocrKey("d1-p1"),
				"corrupt " + signedKey("d1"),
				"orphan signed/stray.pdf",
			}
			slices.Sort(want)
			r := f.check(t, Options{Rehash: true, Parallel: 3})
			var got []string
			for _, p := range r.Problems {
				got = append(got, string(p.Kind)+" "+p.Key)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, p := range r.Problems {
				if p.Kind != Orphan && p.Owner == "" {
					t.Errorf("%s: no owner", p)
				}
			}
			// Without re-hashing, the rot goes unseen; the rest is found.
			r = f.check(t, Options{})
			if r.Count(Missing) != 2 || r.Count(Orphan) != 1 || r.Count(Changed) != 1 || r.Count(Corrupt) != 0 {
				t.Errorf("stat-only audit: %s", r)
			}
		})
	}
}

func TestCheckCancelled(t *testing.T) {
	s, err := localfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := (&Checker{Catalog: f.db, Store: s, Lister: s}).Check(ctx, Options{Batches: f.batches, Orphans: true}); err == nil {
		t.Error("Check with a cancelled context: no error")
	}
	if _, err := (&Checker{Catalog: f.db, Store: s}).Check(t.Context(), Options{Batches: f.batches, Orphans: true}); err == nil {
		t.Error("orphan check without a Lister: no error")
	}
}
