package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa-vn/sohoa/storage"
)

// Seeker is an optional interface for a storage.Store that can open an
// object for random access; ServeBlob uses it first when a store has it.
// (Proposed for package storage; the two backends are handled below
// through the methods they already export.)
type Seeker interface {
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

// pather is localfs.Store: the object is a plain file.
type pather interface {
	Path(key string) (string, error)
}

// minioBackend is s3store.Store: a *minio.Object is an io.ReadSeekCloser
// that turns seeks into ranged GETs.
type minioBackend interface {
	Client() *minio.Client
	Bucket() string
}

// openSeeker opens key for random access, falling back to a reader that
// can only skip forward (it reads and discards to reach an offset).
func openSeeker(ctx context.Context, store storage.Store, key string) (io.ReadSeekCloser, error) {
	// Look through wrappers (metrics) to the backend: otherwise a MinIO
	// object is read through Get, hashed by its verifying reader and again
	// by ServeBlob, and cannot seek.
	for {
		u, ok := store.(interface{ Unwrap() storage.Store })
		if !ok {
			break
		}
		store = u.Unwrap()
	}
	switch s := store.(type) {
	case Seeker:
		return s.Open(ctx, key)
	case pather:
		p, err := s.Path(key)
		if err != nil {
			return nil, err
		}
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w: %s", storage.ErrNotFound, key)
		}
		return f, err
	case minioBackend:
		return s.Client().GetObject(ctx, s.Bucket(), key, minio.GetObjectOptions{})
	}
	rc, _, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return &forwardSeeker{rc: rc}, nil
}

// ServeBlob streams the object info.Key of store as the response, never
// holding it whole in memory: ETag is the SHA-256, If-None-Match answers
// 304, Range and If-Range answer 206 with the parts asked for (through
// http.ServeContent). When info.SHA256 or info.Size is unknown the store
// is asked (Stat); pass what the catalog recorded to save that round trip.
// A response that reads the whole object checks it against the SHA-256
// and cuts the body short on a mismatch, so that a corrupt object never
// reaches a client complete. It returns the error that stopped it, after
// answering with an error status when nothing was sent yet.
func ServeBlob(w http.ResponseWriter, r *http.Request, store storage.Store, info storage.Info, contentType, filename string) error {
	ctx := r.Context()
	if info.SHA256 == "" || info.Size <= 0 {
		var err error
		if info, err = store.Stat(ctx, info.Key); err != nil {
			blobError(w, err)
			return err
		}
	}
	obj, err := openSeeker(ctx, store, info.Key)
	if err != nil {
		blobError(w, err)
		return err
	}
	defer obj.Close()
	h := w.Header()
	h.Set("ETag", `"`+info.SHA256+`"`)
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "private, no-cache") // revalidate: 304 costs nothing
	if filename != "" {
		h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	}
	content := &lazySeeker{rs: obj, size: info.Size, want: info, h: sha256.New()}
	http.ServeContent(w, r, "", time.Time{}, content)
	return content.err
}

func blobError(w http.ResponseWriter, err error) {
	if errors.Is(err, storage.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]apiError{"error": {Code: "not_found",
			VI: "không tìm thấy tệp trong kho lưu trữ", EN: "the file is not in storage"}})
		return
	}
	writeJSON(w, http.StatusInternalServerError, map[string]apiError{"error": {Code: "storage",
		VI: "không đọc được tệp", EN: "the file could not be read"}})
}

// lazySeeker answers seeks from the known size and seeks the underlying
// object only when a read needs it, so that ServeContent's probing for
// the size costs no request to the store. Reading from 0 to the end in
// order is hashed and checked against want.
type lazySeeker struct {
	rs         io.ReadSeeker
	size       int64
	pos, under int64 // wanted position, and the underlying reader's
	started    bool
	want       storage.Info
	h          hash.Hash // nil once the reads stop being one pass from 0
	err        error
}

func (l *lazySeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += l.pos
	case io.SeekEnd:
		offset += l.size
	default:
		return 0, fmt.Errorf("seek: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek: negative position")
	}
	l.pos = offset
	return offset, nil
}

func (l *lazySeeker) Read(p []byte) (int, error) {
	if !l.started || l.pos != l.under {
		if l.pos != 0 || l.started {
			l.h = nil // not one pass from the start: nothing to check
		}
		if _, err := l.rs.Seek(l.pos, io.SeekStart); err != nil {
			l.err = err
			return 0, err
		}
		l.started, l.under = true, l.pos
	}
	n, err := l.rs.Read(p)
	l.pos += int64(n)
	l.under = l.pos
	if l.h != nil {
		l.h.Write(p[:n])
		if l.pos >= l.size {
			if got := hex.EncodeToString(l.h.Sum(nil)); got != l.want.SHA256 || l.pos != l.size {
				// Withhold these last bytes: the client sees a short body.
				l.err = fmt.Errorf("%w: %s: sha256 %s, recorded %s", storage.ErrCorrupt, l.want.Key, got, l.want.SHA256)
				return 0, l.err
			}
			l.h = nil
		}
	}
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// forwardSeeker gives a plain reader the seeks ServeContent makes: to the
// end and back (answered without reading), and forward by skipping.
type forwardSeeker struct {
	rc  io.ReadCloser
	pos int64
}

func (f *forwardSeeker) Seek(offset int64, whence int) (int64, error) {
	if whence != io.SeekStart || offset < f.pos {
		return f.pos, fmt.Errorf("seek: this store's reader only skips forward")
	}
	n, err := io.CopyN(io.Discard, f.rc, offset-f.pos)
	f.pos += n
	return f.pos, err
}

func (f *forwardSeeker) Read(p []byte) (int, error) {
	n, err := f.rc.Read(p)
	f.pos += int64(n)
	return n, err
}

func (f *forwardSeeker) Close() error { return f.rc.Close() }

// maxRanges bounds the parts one Range header may ask for.
const maxRanges = 16

// auditRange checks a request's Range header before it goes anywhere
// near the audit log, and returns it in canonical form ("" for none):
// bytes=, at most maxRanges parts, each first-last, first- or -suffix
// with numbers of at most 19 digits. Anything else is refused with 416
// (ok false), unaudited: a 720 KB header used to become a 720 KB
// permanent audit entry.
func auditRange(w http.ResponseWriter, r *http.Request) (rg string, ok bool) {
	raw := r.Header.Get("Range")
	if raw == "" {
		return "", true
	}
	canon, err := canonicalRange(raw)
	if err != nil {
		writeJSON(w, http.StatusRequestedRangeNotSatisfiable, map[string]apiError{"error": {Code: "bad_range",
			VI: "tiêu đề Range không hợp lệ: cần bytes=đầu-cuối, tối đa " + strconv.Itoa(maxRanges) + " đoạn",
			EN: "invalid Range header: want bytes=first-last, at most " + strconv.Itoa(maxRanges) + " parts"}})
		return "", false
	}
	return canon, true
}

func canonicalRange(raw string) (string, error) {
	if len(raw) > 64*maxRanges {
		return "", errors.New("range header too long")
	}
	spec, ok := strings.CutPrefix(raw, "bytes=")
	if !ok {
		return "", errors.New("range unit is not bytes")
	}
	parts := strings.Split(spec, ",")
	if len(parts) > maxRanges {
		return "", errors.New("too many ranges")
	}
	num := func(s string) (string, error) {
		if s == "" || len(s) > 19 || strings.Trim(s, "0123456789") != "" {
			return "", fmt.Errorf("bad range number %q", s)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return strconv.FormatInt(n, 10), err
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		first, last, ok := strings.Cut(strings.TrimSpace(p), "-")
		if !ok || first == "" && last == "" {
			return "", fmt.Errorf("bad range %q", p)
		}
		var a, b string
		var err error
		if first != "" {
			if a, err = num(first); err != nil {
				return "", err
			}
		}
		if last != "" {
			if b, err = num(last); err != nil {
				return "", err
			}
		}
		if a != "" && b != "" {
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			if y < x {
				return "", fmt.Errorf("range %q ends before it starts", p)
			}
		}
		out = append(out, a+"-"+b)
	}
	return "bytes=" + strings.Join(out, ","), nil
}
