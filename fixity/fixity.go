// Package fixity audits blob storage against the catalog: it reports
// objects without a catalog row (orphans), rows whose object is gone
// (missing), and objects whose bytes no longer have the SHA-256 the
// catalog or the store recorded (changed, corrupt).
//
// The catalog names the objects it needs: every page image (with its
// SHA-256), the OCR JSON and ALTO XML of every recognised page (keys
// derived from the page ID, hashed by the store only), the unsigned PDF of
// a document being signed, the signed PDF of a signed document and the PDF
// of every certified copy (each with its SHA-256). Objects the pipeline
// may have written just before a crash, and that a retry rewrites with
// the same key (OCR output of a page still "received", the PDF of a
// document still being assembled or signed), count as known, not orphans.
package fixity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Lister lists a store's objects. localfs.Store and s3store.Store
// implement it.
type Lister interface {
	// List calls fn for every object whose key starts with prefix and
	// stops at the first error fn returns.
	List(ctx context.Context, prefix string, fn func(storage.Info) error) error
}

// Catalog is what the audit reads of the catalog; *catalog.DB implements it.
type Catalog interface {
	BatchDocuments(ctx context.Context, batchID string) iter.Seq2[catalog.Document, error]
	Pages(ctx context.Context, documentID string) ([]catalog.Page, error)
	CopiesOfDocument(ctx context.Context, documentID string) ([]catalog.Copy, error)
	PageVersions(ctx context.Context, documentID, pageID string) ([]catalog.PageVersion, error)
}

// Kind is the kind of a Problem.
type Kind string

// Problem kinds.
const (
	// Missing: a catalog row needs the object and the store has none.
	Missing Kind = "missing"
	// Orphan: the store has the object and no catalog row knows it.
	Orphan Kind = "orphan"
	// Changed: the object's bytes hash to something other than the
	// SHA-256 the catalog recorded.
	Changed Kind = "changed"
	// Corrupt: the object cannot be read whole, or its bytes do not match
	// the SHA-256 the store itself recorded (storage.ErrCorrupt).
	Corrupt Kind = "corrupt"
)

// Problem is one finding of the audit.
type Problem struct {
	Kind   Kind
	Key    string
	Owner  string // "page <id>", "document <id>", "copy <id>"; "" for an orphan
	Detail string
}

func (p Problem) String() string {
	s := string(p.Kind) + " " + p.Key
	if p.Owner != "" {
		s += " (" + p.Owner + ")"
	}
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Report is the outcome of a Check.
type Report struct {
	Batches, Documents, Pages, Copies int
	Required                          int   // objects the catalog needs
	Stored                            int   // objects listed in the store (0 without orphan check)
	Hashed                            int   // objects read and re-hashed
	HashedBytes                       int64 // their total size
	Problems                          []Problem
	Took                              time.Duration
}

// Count returns how many problems of kind k the report holds.
func (r Report) Count(k Kind) int {
	n := 0
	for _, p := range r.Problems {
		if p.Kind == k {
			n++
		}
	}
	return n
}

// OK reports whether the audit found nothing wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// String summarises the report in one line of counts.
func (r Report) String() string {
	return fmt.Sprintf("batches=%d documents=%d pages=%d copies=%d required=%d stored=%d hashed=%d (%d bytes) missing=%d orphan=%d changed=%d corrupt=%d in %s",
		r.Batches, r.Documents, r.Pages, r.Copies, r.Required, r.Stored, r.Hashed, r.HashedBytes,
		r.Count(Missing), r.Count(Orphan), r.Count(Changed), r.Count(Corrupt), r.Took.Round(time.Millisecond))
}

// Options select what a Check does.
type Options struct {
	// Batches to audit. Orphans are only meaningful when this is every
	// batch of the catalog: an object of a batch left out is reported as
	// an orphan.
	Batches []string
	// Orphans lists the store (Checker.Lister must be set) and reports
	// objects no row knows.
	Orphans bool
	// Rehash reads every needed object whole and hashes it. Without it
	// the audit only asks the store for each object's recorded SHA-256
	// (Stat), which finds missing objects and records that disagree, not
	// bit rot.
	Rehash bool
	// Parallel is how many objects are checked at once; 0 means 4.
	Parallel int
}

// Checker audits a store against a catalog.
type Checker struct {
	Catalog Catalog
	Store   storage.Store
	// Lister lists Store's objects, for Options.Orphans. Pass the backend
	// itself: wrappers such as the metrics one do not list.
	Lister Lister
	Log    *slog.Logger // nil: slog.Default()
}

// ref is an object the catalog knows.
type ref struct {
	key, sha256, owner string
	required           bool // the row needs it; otherwise it may be there (a retry rewrites it)
}

// Keys of the objects the worker writes beside a page or document; they
// mirror worker/handlers.go.
func ocrKey(pageID string) string      { return "ocr/" + pageID + ".json" }
func altoKey(pageID string) string     { return "alto/" + pageID + ".xml" }
func assembledKey(docID string) string { return "pdf/" + docID + ".pdf" }
func signedKey(docID string) string    { return "signed/" + docID + ".pdf" }

// Check runs one audit. It returns an error only when the audit itself
// could not run (the catalog or the store listing failed); what it finds
// wrong is in the report.
func (c *Checker) Check(ctx context.Context, opt Options) (Report, error) {
	start := time.Now()
	var r Report
	// One map of every known key: content-addressed page images can be
	// shared by pages, and the orphan pass needs a lookup. It costs about
	// a hundred bytes per object.
	known := map[string]ref{}
	add := func(f ref) {
		if old, ok := known[f.key]; ok {
			if old.required || !f.required {
				f.owner = old.owner // the first row that needs it
			}
			f.required = f.required || old.required
			if f.sha256 == "" {
				f.sha256 = old.sha256
			}
		}
		known[f.key] = f
	}
	for _, b := range opt.Batches {
		r.Batches++
		for d, err := range c.Catalog.BatchDocuments(ctx, b) {
			if err != nil {
				return r, fmt.Errorf("fixity: batch %s: %w", b, err)
			}
			r.Documents++
			if err := c.documentRefs(ctx, d, add, &r); err != nil {
				return r, err
			}
		}
	}
	refs := make([]ref, 0, len(known))
	for _, f := range known {
		if f.required {
			refs = append(refs, f)
		}
	}
	slices.SortFunc(refs, func(a, b ref) int { return strings.Compare(a.key, b.key) })
	r.Required = len(refs)
	r.Problems = append(r.Problems, c.checkObjects(ctx, refs, opt, &r)...)
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if opt.Orphans {
		if c.Lister == nil {
			return r, errors.New("fixity: orphan check needs a Lister / kiểm tra đối tượng mồ côi cần Lister")
		}
		err := c.Lister.List(ctx, "", func(i storage.Info) error {
			r.Stored++
			if _, ok := known[i.Key]; !ok {
				r.Problems = append(r.Problems, Problem{Kind: Orphan, Key: i.Key,
					Detail: fmt.Sprintf("%d bytes, no catalog row / không có bản ghi trong danh mục", i.Size)})
			}
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("fixity: %w", err)
		}
	}
	slices.SortStableFunc(r.Problems, func(a, b Problem) int { return strings.Compare(a.Key, b.Key) })
	r.Took = time.Since(start)
	return r, nil
}

func (c *Checker) documentRefs(ctx context.Context, d catalog.Document, add func(ref), r *Report) error {
	owner := "document " + d.ID
	pages, err := c.Catalog.Pages(ctx, d.ID)
	if err != nil {
		return fmt.Errorf("fixity: %w", err)
	}
	for _, p := range pages {
		r.Pages++
		po := "page " + p.ID
		if p.BlobKey == "" {
			// Refused at ingest (bad input): recorded with its reason, never stored.
			continue
		}
		add(ref{key: p.BlobKey, sha256: p.SHA256, owner: po, required: true})
		done := p.Status == catalog.PageOCRDone
		ocr := p.OCRKey
		if ocr == "" {
			ocr = ocrKey(p.ID)
		}
		add(ref{key: ocr, owner: po, required: done})
		add(ref{key: altoKey(p.ID), owner: po, required: done})
	}
	// Images rescans replaced stay in storage as the pages' history.
	versions, err := c.Catalog.PageVersions(ctx, d.ID, "")
	if err != nil {
		return fmt.Errorf("fixity: %w", err)
	}
	for _, v := range versions {
		if v.BlobKey != "" {
			add(ref{key: v.BlobKey, sha256: v.SHA256, owner: fmt.Sprintf("page %s version %d", v.PageID, v.Version), required: true})
		}
	}
	switch d.Status {
	case catalog.DocAssembling:
		add(ref{key: assembledKey(d.ID), owner: owner})
	case catalog.DocSigning:
		add(ref{key: d.PDFKey, sha256: d.PDFSHA256, owner: owner, required: true})
		add(ref{key: signedKey(d.ID), owner: owner})
	case catalog.DocSigned:
		add(ref{key: d.SignedKey, sha256: d.SignedSHA256, owner: owner, required: true})
	}
	copies, err := c.Catalog.CopiesOfDocument(ctx, d.ID)
	if err != nil {
		return fmt.Errorf("fixity: %w", err)
	}
	for _, cp := range copies {
		r.Copies++
		add(ref{key: cp.BlobKey, sha256: cp.SHA256, owner: "copy " + cp.ID, required: true})
	}
	return nil
}

// checkObjects stats or re-hashes refs, opt.Parallel at a time.
func (c *Checker) checkObjects(ctx context.Context, refs []ref, opt Options, r *Report) []Problem {
	n := opt.Parallel
	if n <= 0 {
		n = 4
	}
	var (
		mu       sync.Mutex
		problems []Problem
		wg       sync.WaitGroup
		next     = make(chan ref)
	)
	for range n {
		wg.Go(func() {
			for f := range next {
				p, size, hashed := c.checkObject(ctx, f, opt.Rehash)
				mu.Lock()
				if p != nil {
					problems = append(problems, *p)
				}
				if hashed {
					r.Hashed++
					r.HashedBytes += size
				}
				mu.Unlock()
			}
		})
	}
	for _, f := range refs {
		if ctx.Err() != nil {
			break
		}
		next <- f
	}
	close(next)
	wg.Wait()
	return problems
}

func (c *Checker) checkObject(ctx context.Context, f ref, rehash bool) (_ *Problem, size int64, hashed bool) {
	problem := func(k Kind, format string, args ...any) *Problem {
		return &Problem{Kind: k, Key: f.key, Owner: f.owner, Detail: fmt.Sprintf(format, args...)}
	}
	if !rehash {
		info, err := c.Store.Stat(ctx, f.key)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return problem(Missing, "không có trong kho / not in storage"), 0, false
		case errors.Is(err, storage.ErrCorrupt):
			return problem(Corrupt, "%v", err), 0, false
		case err != nil:
			return problem(Corrupt, "stat: %v", err), 0, false
		case f.sha256 != "" && info.SHA256 != f.sha256:
			return problem(Changed, "kho ghi / store records sha256 %s, danh mục / catalog %s", info.SHA256, f.sha256), 0, false
		}
		return nil, 0, false
	}
	rc, _, err := c.Store.Get(ctx, f.key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return problem(Missing, "không có trong kho / not in storage"), 0, false
	case err != nil:
		return problem(Corrupt, "%v", err), 0, false
	}
	defer rc.Close()
	h := sha256.New()
	size, err = io.Copy(h, rc)
	if err != nil {
		return problem(Corrupt, "%v", err), size, true
	}
	if got := hex.EncodeToString(h.Sum(nil)); f.sha256 != "" && got != f.sha256 {
		return problem(Changed, "sha256 %s, danh mục ghi / catalog records %s", got, f.sha256), size, true
	}
	return nil, size, true
}

// Run audits every interval until ctx is done, with the batches batches
// returns at each pass, and logs each report: a warning per problem (at
// most 100) and the counts. It is the scheduled fixity audit.
func (c *Checker) Run(ctx context.Context, interval time.Duration, batches func(context.Context) ([]string, error), opt Options) {
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ids, err := batches(ctx)
		if err == nil {
			opt.Batches = ids
			var r Report
			r, err = c.Check(ctx, opt)
			for i, p := range r.Problems {
				if i == 100 {
					log.Warn("fixity: more problems not logged", "count", len(r.Problems)-i)
					break
				}
				log.Warn("fixity: problem", "kind", p.Kind, "key", p.Key, "owner", p.Owner, "detail", p.Detail)
			}
			if err == nil {
				log.Info("fixity: audit done", "ok", r.OK(), "summary", r.String())
			}
		}
		if err != nil && ctx.Err() == nil {
			log.Error("fixity: audit", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweeper deletes orphans: objects no catalog row knows, left by a
// process killed between writing an object and committing its row (a
// page image before its document, a signed certified copy before its
// book entry). An object being written now is an orphan for a moment
// too, so an orphan is deleted only once it has been seen Grace apart
// (two sweeps); with Grace zero it goes at once, which is right only
// when nothing else writes to the store (start-up of the embedded
// server, before its API and workers run).
type Sweeper struct {
	Checker *Checker
	Grace   time.Duration
	seen    map[string]time.Time
}

// Sweep runs a check of every batch with orphans and deletes those due.
// It returns how many it deleted and the report after deletion (orphans
// not yet due stay in it). A store that refuses deletion (WORM) keeps
// them: they are logged.
func (s *Sweeper) Sweep(ctx context.Context, batches []string) (int, Report, error) {
	if s.seen == nil {
		s.seen = map[string]time.Time{}
	}
	r, err := s.Checker.Check(ctx, Options{Batches: batches, Orphans: true})
	if err != nil {
		return 0, r, err
	}
	log := s.Checker.Log
	if log == nil {
		log = slog.Default()
	}
	now := time.Now()
	still := map[string]time.Time{}
	removed := 0
	kept := r.Problems[:0]
	for _, p := range r.Problems {
		if p.Kind != Orphan {
			kept = append(kept, p)
			continue
		}
		first, ok := s.seen[p.Key]
		if !ok {
			first = now
		}
		if now.Sub(first) < s.Grace {
			still[p.Key] = first
			kept = append(kept, p)
			continue
		}
		if err := s.Checker.Store.Delete(ctx, p.Key); err != nil {
			log.Warn("fixity: orphan not deleted", "key", p.Key, "err", err)
			still[p.Key] = first
			kept = append(kept, p)
			continue
		}
		log.Info("fixity: orphan deleted", "key", p.Key, "detail", p.Detail)
		removed++
	}
	s.seen = still
	r.Problems = kept
	return removed, r, nil
}
