package s3store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/storagetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

var buckets atomic.Int64

// newStore returns a Store on a new bucket of the test binary's MinIO.
func newStore(t *testing.T) *Store {
	t.Helper()
	srv := servicetest.MinIO(t)
	s, err := New(t.Context(), Config{
		Endpoint:  srv.Endpoint,
		AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey,
		Bucket:    fmt.Sprintf("sohoa-test-%d", buckets.Add(1)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// corruptible lets the conformance suite damage objects on the server.
type corruptible struct {
	*Store
	t *testing.T
}

// Corrupt rewrites key with its middle byte flipped, carrying over the
// recorded SHA-256 metadata, as bit rot on the server's disk would.
func (c corruptible) Corrupt(key string) error {
	ctx := c.t.Context()
	obj, err := c.client.GetObject(ctx, c.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return err
	}
	defer obj.Close()
	oi, err := obj.Stat()
	if err != nil {
		return err
	}
	sum := oi.Metadata.Get("X-Amz-Meta-Sha256")
	if sum == "" {
		return fmt.Errorf("%s has no X-Amz-Meta-Sha256 to keep", key)
	}
	b, err := io.ReadAll(obj)
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return errors.New("cannot corrupt an empty object")
	}
	b[len(b)/2] ^= 0x40
	_, err = c.client.PutObject(ctx, c.bucket, key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{
		UserMetadata: map[string]string{metaSHA256: sum},
	})
	return err
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return corruptible{newStore(t), t} })
}

// TestMetadata checks the SHA-256 is stored where other S3 tools see it.
func TestMetadata(t *testing.T) {
	s := newStore(t)
	info, err := s.Put(t.Context(), "pages/ab/x.png", strings.NewReader("png"), -1)
	if err != nil {
		t.Fatal(err)
	}
	oi, err := s.client.StatObject(t.Context(), s.bucket, "pages/ab/x.png", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := oi.Metadata.Get("X-Amz-Meta-Sha256"); got != info.SHA256 {
		t.Errorf("X-Amz-Meta-Sha256 = %q, want %q", got, info.SHA256)
	}
	if info.SHA256 != "8f8cbb7dcf46e0bc7d53265749a6c17d116093a6ba95e442764060c76fd4a86c" {
		t.Errorf("sha256 of \"png\" = %s", info.SHA256)
	}
}

// TestNewExistingBucket checks New accepts a bucket that already exists.
func TestNewExistingBucket(t *testing.T) {
	s := newStore(t)
	srv := servicetest.MinIO(t)
	again, err := New(t.Context(), Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Bucket: s.bucket})
	if err != nil {
		t.Fatalf("New on an existing bucket: %v", err)
	}
	if _, err := again.Stat(t.Context(), "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat: %v, want ErrNotFound", err)
	}
}

// TestBadCredentials checks that a wrong secret is an error, not an empty store.
func TestBadCredentials(t *testing.T) {
	srv := servicetest.MinIO(t)
	_, err := New(t.Context(), Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: "wrong-secret", Bucket: "sohoa-test-creds"})
	if err == nil {
		t.Fatal("New with a wrong secret key succeeded")
	}
}
