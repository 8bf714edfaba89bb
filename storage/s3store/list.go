package s3store

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa-vn/sohoa/storage"
)

// List calls fn with the Info of every object whose key starts with
// prefix, in lexical key order, and stops at the first error fn returns.
// Only the current version of each key is listed. SHA256 is left empty:
// S3 listings do not carry user metadata, and a Stat per key would double
// the cost of a walk; Stat or Get the key for it.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn returns early
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if oi.Err != nil {
			return fmt.Errorf("s3store: list %s/%s: %w", s.bucket, prefix, oi.Err)
		}
		if err := fn(storage.Info{Key: oi.Key, Size: oi.Size}); err != nil {
			return fmt.Errorf("s3store: list %s/%s: %w", s.bucket, prefix, err)
		}
	}
	return ctx.Err()
}
