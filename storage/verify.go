package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// NewVerifyingReader returns a reader over rc that hashes what it yields and,
// instead of io.EOF, returns an error wrapping ErrCorrupt when the bytes read
// do not have want.Size and want.SHA256. Backends use it to implement Get.
// Close closes rc.
func NewVerifyingReader(rc io.ReadCloser, want Info) io.ReadCloser {
	return &verifyingReader{rc: rc, want: want, h: sha256.New()}
}

type verifyingReader struct {
	rc   io.ReadCloser
	want Info
	h    hash.Hash
	n    int64
	err  error // sticky result once EOF was seen
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n > v.want.Size {
		v.err = fmt.Errorf("%w: %s: more than the recorded %d bytes", ErrCorrupt, v.want.Key, v.want.Size)
		return n, v.err
	}
	if err == io.EOF {
		v.err = io.EOF
		if v.n != v.want.Size {
			v.err = fmt.Errorf("%w: %s: %d bytes, recorded %d", ErrCorrupt, v.want.Key, v.n, v.want.Size)
		} else if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want.SHA256 {
			v.err = fmt.Errorf("%w: %s: sha256 %s, recorded %s", ErrCorrupt, v.want.Key, got, v.want.SHA256)
		}
		return n, v.err
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
