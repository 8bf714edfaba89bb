// Package s3store implements storage.Store on an S3-compatible object store
// such as MinIO, using github.com/minio/minio-go/v7.
//
// Each object carries its SHA-256 as the user metadata X-Amz-Meta-Sha256
// and is checked against it on read. Metadata travels with the request
// that creates the object, so the hash must be known before the upload
// starts: Put streams the reader into a temporary file (in os.TempDir)
// while hashing it, then uploads that file with its known size. Memory use
// stays bounded whatever the object size (minio-go would otherwise buffer a
// ~537 MiB part for a stream of unknown size), at the cost of one local
// copy. Small objects go up in one PUT, large ones as a multipart upload;
// either way S3 makes the new object visible atomically.
package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sohoa-vn/sohoa/storage"
)

// metaSHA256 is the user-metadata name of the SHA-256; S3 sends it as the
// header X-Amz-Meta-Sha256.
const metaSHA256 = "Sha256"

// Config locates a bucket on an S3-compatible server.
type Config struct {
	Endpoint  string // host:port, without scheme
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string // may be empty for MinIO
	UseSSL    bool
}

// Store is a storage.Store in one bucket. It is safe for concurrent use.
type Store struct {
	client *minio.Client
	bucket string
}

var _ storage.Store = (*Store)(nil)

// New connects to the server and creates the bucket if it does not exist.
func New(ctx context.Context, cfg Config) (*Store, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseSSL,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: connect %s: %w", cfg.Endpoint, err)
	}
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3store: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !exists {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" {
			return nil, fmt.Errorf("s3store: create bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
		}
	}
	return &Store{client: client, bucket: cfg.Bucket}, nil
}

// Client returns the underlying minio-go client, for administration and
// tests.
func (s *Store) Client() *minio.Client { return s.client }

// Bucket returns the bucket's name.
func (s *Store) Bucket() string { return s.bucket }

func checkKey(key string) error {
	if err := storage.ValidKey(key); err != nil {
		return fmt.Errorf("s3store: %w", err)
	}
	return nil
}

// Put implements storage.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) (info storage.Info, err error) {
	if err := checkKey(key); err != nil {
		return storage.Info{}, err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("s3store: put %s/%s: %w", s.bucket, key, err)
		}
	}()
	// The SHA-256 goes into the object's metadata, so it is computed
	// before the upload: from a seekable reader in place, from a small
	// stream in memory, from a larger one through a temporary file.
	body, n, h, done, err := hashBody(ctx, r, size)
	if err != nil {
		return storage.Info{}, err
	}
	defer done()
	info = storage.Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	_, err = s.client.PutObject(ctx, s.bucket, key, body, n, minio.PutObjectOptions{
		UserMetadata: map[string]string{metaSHA256: info.SHA256},
		ContentType:  "application/octet-stream",
	})
	if err != nil {
		return storage.Info{}, err
	}
	return info, nil
}

// memBody is the largest stream of known size that hashBody holds in
// memory rather than in a temporary file.
const memBody = 1 << 20

// hashBody reads r (size bytes, or to its end when size < 0) to hash it
// and returns a reader of the same bytes for the upload, their count and
// hash, and a function releasing what it used. A wrong size is an error.
func hashBody(ctx context.Context, r io.Reader, size int64) (body io.Reader, n int64, h hash.Hash, done func(), err error) {
	h = sha256.New()
	done = func() {}
	src := io.Reader(&ctxReader{ctx, r})
	if size >= 0 {
		src = io.LimitReader(src, size+1) // one more byte tells a reader longer than size
	}
	checkSize := func(n int64) error {
		if size >= 0 && n > size {
			return fmt.Errorf("reader has more than %d bytes / dữ liệu dài hơn %d byte", size, size)
		}
		if size >= 0 && n < size {
			return fmt.Errorf("read %d bytes, expected %d / đọc được %d byte, cần %d", n, size, n, size)
		}
		return nil
	}
	// A seekable reader (bytes.Reader, os.File) is hashed in place and sent
	// as a section of itself, which minio-go can rewind to retry. Its bytes
	// are read twice, so they must not change during the Put (they are the
	// handlers' own buffers and temporary files); if they did, every Get
	// would fail its SHA-256 check and the fixity audit would report it.
	if rs, ok := r.(interface {
		io.ReadSeeker
		io.ReaderAt
	}); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			if n, err = io.Copy(h, src); err != nil {
				return nil, 0, nil, nil, err
			}
			if err := checkSize(n); err != nil {
				return nil, 0, nil, nil, err
			}
			return io.NewSectionReader(rs, start, n), n, h, done, nil
		}
		// Not seekable after all (a pipe behind an *os.File): stream it.
	}
	if size >= 0 && size <= memBody {
		var buf bytes.Buffer
		if n, err = io.Copy(io.MultiWriter(&buf, h), src); err != nil {
			return nil, 0, nil, nil, err
		}
		if err := checkSize(n); err != nil {
			return nil, 0, nil, nil, err
		}
		return bytes.NewReader(buf.Bytes()), n, h, done, nil
	}
	spill, err := os.CreateTemp("", "sohoa-s3put-*")
	if err != nil {
		return nil, 0, nil, nil, err
	}
	done = func() {
		spill.Close()
		os.Remove(spill.Name())
	}
	if n, err = io.Copy(io.MultiWriter(spill, h), src); err == nil {
		err = checkSize(n)
	}
	if err == nil {
		_, err = spill.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, 0, nil, nil, err
	}
	return spill, n, h, done, nil
}

// Get implements storage.Store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.Info, error) {
	if err := checkKey(key); err != nil {
		return nil, storage.Info{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, storage.Info{}, fmt.Errorf("s3store: get %s/%s: %w", s.bucket, key, mapErr(err))
	}
	oi, err := obj.Stat() // sends the GET; its body is what obj then reads
	var info storage.Info
	if err == nil {
		info, err = infoOf(key, oi)
	}
	if err != nil {
		obj.Close()
		return nil, storage.Info{}, fmt.Errorf("s3store: get %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return storage.NewVerifyingReader(obj, info), info, nil
}

// Stat implements storage.Store.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	if err := checkKey(key); err != nil {
		return storage.Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	var info storage.Info
	if err == nil {
		info, err = infoOf(key, oi)
	}
	if err != nil {
		return storage.Info{}, fmt.Errorf("s3store: stat %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return info, nil
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && !errors.Is(mapErr(err), storage.ErrNotFound) {
		return fmt.Errorf("s3store: delete %s/%s: %w", s.bucket, key, err)
	}
	return nil
}

func infoOf(key string, oi minio.ObjectInfo) (storage.Info, error) {
	var sum string
	for k, v := range oi.UserMetadata { // header case varies between servers
		if strings.EqualFold(k, metaSHA256) || strings.EqualFold(k, "X-Amz-Meta-"+metaSHA256) {
			sum = strings.ToLower(v)
		}
	}
	if b, err := hex.DecodeString(sum); err != nil || len(b) != sha256.Size {
		return storage.Info{}, fmt.Errorf("%w: no valid %s metadata / thiếu mã băm", storage.ErrCorrupt, metaSHA256)
	}
	return storage.Info{Key: key, Size: oi.Size, SHA256: sum}, nil
}

// mapErr turns S3's "no such key" into storage.ErrNotFound.
func mapErr(err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || (resp.Code == "" && resp.StatusCode == http.StatusNotFound) {
		return fmt.Errorf("%w (%w)", storage.ErrNotFound, err)
	}
	return err
}

// ctxReader stops a copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
