package s3store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/sohoa-vn/sohoa/storage"
)

// ErrLocked is returned when a write or delete would remove an object
// version that is under retention (WORM).
var ErrLocked = errors.New("s3store: object under retention (WORM) / đối tượng đang được khóa lưu giữ")

// Retention makes objects write-once (WORM) with S3 Object Lock: every
// version written under one of Prefixes carries a retention of Period in
// Mode, and until then no one can delete or change that version; in
// COMPLIANCE mode not even the root account, in GOVERNANCE mode only a
// caller with s3:BypassGovernanceRetention who asks to bypass.
//
// What "overwrite" means on such a bucket: Object Lock needs versioning,
// so writing an existing key never replaces bytes, it adds a new version
// on top; the locked version stays, readable by its version ID, until its
// retention ends. A plain DELETE likewise only adds a delete marker. Only a
// DELETE naming the version destroys data, and S3 refuses it while the
// version is retained. LockedStore therefore also refuses plain deletes of
// retained keys (the pipeline never deletes originals or signed outputs),
// and does not write a new version when the current one already has the
// same SHA-256 (retried tasks rewrite content-addressed keys with the same
// bytes), so retries do not pile up locked versions.
type Retention struct {
	Mode     minio.RetentionMode // minio.Governance or minio.Compliance
	Period   time.Duration       // from the time of the write
	Prefixes []string            // nil: DefaultRetainedPrefixes
}

// DefaultRetainedPrefixes are the keys of archived originals (page
// images), signed outputs and certified copies.
var DefaultRetainedPrefixes = []string{"pages/", "signed/", "copies/"}

// ParseRetention reads a retention setting: mode "GOVERNANCE" or
// "COMPLIANCE" (any case) and a period such as "87600h" or "3650d".
func ParseRetention(mode, period string) (Retention, error) {
	m := minio.RetentionMode(strings.ToUpper(strings.TrimSpace(mode)))
	if !m.IsValid() {
		return Retention{}, fmt.Errorf("retention mode %q: want GOVERNANCE or COMPLIANCE / chế độ khóa phải là GOVERNANCE hoặc COMPLIANCE", mode)
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(strings.TrimSpace(period), "d"); ok {
		var n int
		if _, err = fmt.Sscanf(days, "%d", &n); err == nil {
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(period)
	}
	if err != nil || d <= 0 {
		return Retention{}, fmt.Errorf("retention period %q: want a positive duration such as 3650d or 8760h / thời hạn khóa không hợp lệ", period)
	}
	return Retention{Mode: m, Period: d}, nil
}

func (r Retention) retained(key string) bool {
	prefixes := r.Prefixes
	if prefixes == nil {
		prefixes = DefaultRetainedPrefixes
	}
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// LockedStore is a Store on a bucket with Object Lock that writes keys
// under the retained prefixes with a retention. Other keys behave as in
// Store. See Retention for what overwrite and delete do.
type LockedStore struct {
	*Store
	retention Retention
}

var _ storage.Store = (*LockedStore)(nil)

// NewLocked connects like New, creating the bucket with Object Lock (and
// so versioning) if it does not exist. An existing bucket must have
// Object Lock enabled: S3 cannot add it afterwards, and the error says so.
func NewLocked(ctx context.Context, cfg Config, r Retention) (*LockedStore, error) {
	if !r.Mode.IsValid() || r.Period <= 0 {
		return nil, fmt.Errorf("s3store: retention needs a mode (GOVERNANCE or COMPLIANCE) and a positive period / cần chế độ và thời hạn khóa")
	}
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
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: true})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" {
			return nil, fmt.Errorf("s3store: create bucket %s with object lock at %s: %w", cfg.Bucket, cfg.Endpoint, err)
		}
	}
	enabled, _, _, _, err := client.GetObjectLockConfig(ctx, cfg.Bucket)
	if err != nil || enabled != "Enabled" {
		return nil, fmt.Errorf("s3store: bucket %s has no object lock (create a new bucket; S3 cannot enable it on an existing one) / bucket %s chưa bật khóa đối tượng: %v",
			cfg.Bucket, cfg.Bucket, err)
	}
	return &LockedStore{Store: &Store{client: client, bucket: cfg.Bucket}, retention: r}, nil
}

// Retention returns the store's retention setting.
func (s *LockedStore) Retention() Retention { return s.retention }

// Put implements storage.Store. Under a retained prefix the version is
// written with its retention in the same request, so no version is ever
// visible unlocked; when the current version already has the SHA-256 of
// r, nothing is written and its Info is returned.
func (s *LockedStore) Put(ctx context.Context, key string, r io.Reader, size int64) (storage.Info, error) {
	if !s.retention.retained(key) {
		return s.Store.Put(ctx, key, r, size)
	}
	if err := checkKey(key); err != nil {
		return storage.Info{}, err
	}
	// The spill-and-hash of Store.Put, repeated here because the lock
	// headers must go with the request that creates the version.
	spill, err := os.CreateTemp("", "sohoa-s3put-*")
	if err != nil {
		return storage.Info{}, fmt.Errorf("s3store: put %s/%s: %w", s.bucket, key, err)
	}
	defer func() {
		spill.Close()
		os.Remove(spill.Name())
	}()
	h := sha256.New()
	src := io.Reader(&ctxReader{ctx, r})
	if size >= 0 {
		src = io.LimitReader(src, size+1)
	}
	n, err := io.Copy(io.MultiWriter(spill, h), src)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("read %d bytes, expected %d / đọc được %d byte, cần %d", n, size, n, size)
	}
	if err == nil {
		_, err = spill.Seek(0, io.SeekStart)
	}
	if err != nil {
		return storage.Info{}, fmt.Errorf("s3store: put %s/%s: %w", s.bucket, key, err)
	}
	info := storage.Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if cur, err := s.Stat(ctx, key); err == nil && cur == info {
		return cur, nil
	}
	_, err = s.client.PutObject(ctx, s.bucket, key, spill, n, minio.PutObjectOptions{
		UserMetadata:    map[string]string{metaSHA256: info.SHA256},
		ContentType:     "application/octet-stream",
		Mode:            s.retention.Mode,
		RetainUntilDate: time.Now().Add(s.retention.Period),
	})
	if err != nil {
		return storage.Info{}, fmt.Errorf("s3store: put %s/%s with retention: %w", s.bucket, key, err)
	}
	return info, nil
}

// Delete implements storage.Store. Keys under a retained prefix are
// refused with ErrLocked whatever their retention date: on a versioned
// bucket the delete would only hide them behind a delete marker.
func (s *LockedStore) Delete(ctx context.Context, key string) error {
	if s.retention.retained(key) {
		return fmt.Errorf("%w: %s/%s", ErrLocked, s.bucket, key)
	}
	return s.Store.Delete(ctx, key)
}
