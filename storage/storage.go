// Package storage stores blobs: page images, OCR results and PDFs.
//
// A Store is a flat key/value space of immutable-by-convention objects.
// Every backend records the SHA-256 of what it writes and checks it on
// read, so silent corruption surfaces as ErrCorrupt instead of a bad PDF.
// Backends live in subpackages (localfs, s3store) and all pass the one
// conformance suite in storagetest, in the manner of Perkeep's blobserver.
package storage

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound is returned when a key has no object.
var ErrNotFound = errors.New("storage: object not found / không tìm thấy đối tượng")

// ErrCorrupt is returned by a reader whose bytes do not match the SHA-256
// recorded when the object was written.
var ErrCorrupt = errors.New("storage: checksum mismatch / sai mã băm SHA-256")

// Info describes a stored object.
type Info struct {
	Key    string
	Size   int64
	SHA256 string // lowercase hex
}

// Store is the interface every blob backend implements.
type Store interface {
	// Put stores r under key, computing its SHA-256 while streaming.
	// size is the length of r, or -1 when unknown.
	// Writing a key that exists replaces it atomically.
	Put(ctx context.Context, key string, r io.Reader, size int64) (Info, error)
	// Get opens the object. The returned reader yields ErrCorrupt at EOF
	// (instead of io.EOF) when the bytes do not match the recorded SHA-256.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat returns the object's Info without reading it.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}
