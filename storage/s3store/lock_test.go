package s3store

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/sohoa-vn/sohoa/internal/servicetest"
)

func newLocked(t *testing.T, r Retention) *LockedStore {
	t.Helper()
	srv := servicetest.MinIO(t)
	s, err := NewLocked(t.Context(), Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: fmt.Sprintf("sohoa-lock-%d", buckets.Add(1))}, r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// versions lists the version IDs of key, newest first.
func versions(t *testing.T, s *LockedStore, key string) []string {
	t.Helper()
	var ids []string
	for oi := range s.client.ListObjects(t.Context(), s.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		if oi.Key == key {
			ids = append(ids, oi.VersionID)
		}
	}
	return ids
}

func TestLockedStore(t *testing.T) {
	for _, mode := range []minio.RetentionMode{minio.Governance, minio.Compliance} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := t.Context()
			s := newLocked(t, Retention{Mode: mode, Period: time.Hour})
			const key = "signed/d1.pdf"
			before := time.Now()
			if _, err := s.Put(ctx, key, strings.NewReader("v1"), 2); err != nil {
				t.Fatal(err)
			}
			gotMode, until, err := s.client.GetObjectRetention(ctx, s.bucket, key, "")
			if err != nil {
				t.Fatal(err)
			}
			if *gotMode != mode || until.Before(before.Add(time.Hour-time.Second)) || until.After(time.Now().Add(time.Hour+time.Second)) {
				t.Errorf("retention %s until %s, want %s until about an hour from now", *gotMode, until, mode)
			}
			// The same bytes again: no new version.
			if _, err := s.Put(ctx, key, strings.NewReader("v1"), 2); err != nil {
				t.Fatal(err)
			}
			v := versions(t, s, key)
			if len(v) != 1 {
				t.Fatalf("after rewriting the same bytes: %d versions, want 1", len(v))
			}
			v1 := v[0]
			// Other bytes: a new version on top; the locked one stays.
			if _, err := s.Put(ctx, key, strings.NewReader("v2"), 2); err != nil {
				t.Fatal(err)
			}
			if v = versions(t, s, key); len(v) != 2 {
				t.Fatalf("after overwrite: %d versions, want 2", len(v))
			}
			obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{VersionID: v1})
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(obj)
			obj.Close()
			if err != nil || string(b) != "v1" {
				t.Errorf("locked version after overwrite: %q, %v; want v1", b, err)
			}
			// Destroying the locked version is refused by the server, also
			// to the root account that owns the bucket.
			err = s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: v1})
			if err == nil {
				t.Fatalf("%s: deleting a retained version succeeded", mode)
			}
			t.Logf("delete of retained version refused: %v", err)
			// So is shortening its retention.
			past := time.Now().Add(time.Minute)
			err = s.client.PutObjectRetention(ctx, s.bucket, key, minio.PutObjectRetentionOptions{
				VersionID: v1, Mode: &mode, RetainUntilDate: &past})
			if err == nil {
				t.Errorf("%s: shortening retention succeeded", mode)
			}
			// A plain delete through the store is refused too.
			if err := s.Delete(ctx, key); !errors.Is(err, ErrLocked) {
				t.Errorf("Delete(%s) = %v, want ErrLocked", key, err)
			}
			if _, err := s.Stat(ctx, key); err != nil {
				t.Errorf("after refused delete: %v", err)
			}
			// Keys outside the retained prefixes are ordinary.
			if _, err := s.Put(ctx, "ocr/p1.json", strings.NewReader("{}"), 2); err != nil {
				t.Fatal(err)
			}
			if m, _, err := s.client.GetObjectRetention(ctx, s.bucket, "ocr/p1.json", ""); err == nil && m != nil && *m != "" {
				t.Errorf("ocr/p1.json has retention %s", *m)
			}
			if err := s.Delete(ctx, "ocr/p1.json"); err != nil {
				t.Errorf("Delete(ocr/p1.json): %v", err)
			}
		})
	}
}

func TestLockedStoreExpires(t *testing.T) {
	ctx := t.Context()
	s := newLocked(t, Retention{Mode: minio.Governance, Period: 2 * time.Second, Prefixes: []string{"pages/"}})
	const key = "pages/ab/ab.png"
	if _, err := s.Put(ctx, key, strings.NewReader("img"), 3); err != nil {
		t.Fatal(err)
	}
	v := versions(t, s, key)
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: v[0]}); err == nil {
		t.Fatal("delete before retention ended succeeded")
	}
	time.Sleep(3500 * time.Millisecond) // the retain-until date has second precision
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: v[0]}); err != nil {
		t.Fatalf("delete after retention ended: %v", err)
	}
}

func TestLockedStoreNeedsLockedBucket(t *testing.T) {
	plain := newStore(t) // a bucket without object lock
	srv := servicetest.MinIO(t)
	_, err := NewLocked(t.Context(), Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: plain.Bucket()}, Retention{Mode: minio.Governance, Period: time.Hour})
	if err == nil || !strings.Contains(err.Error(), "object lock") {
		t.Errorf("NewLocked on a bucket without object lock: %v", err)
	}
}

func TestParseRetention(t *testing.T) {
	for _, tc := range []struct {
		mode, period string
		want         Retention
		ok           bool
	}{
		{"governance", "3650d", Retention{Mode: minio.Governance, Period: 3650 * 24 * time.Hour}, true},
		{"COMPLIANCE", "8760h", Retention{Mode: minio.Compliance, Period: 8760 * time.Hour}, true},
		{"legal", "1d", Retention{}, false},
		{"GOVERNANCE", "0d", Retention{}, false},
		{"GOVERNANCE", "-1h", Retention{}, false},
		{"GOVERNANCE", "soon", Retention{}, false},
	} {
		got, err := ParseRetention(tc.mode, tc.period)
		if (err == nil) != tc.ok || got.Mode != tc.want.Mode || got.Period != tc.want.Period {
			t.Errorf("ParseRetention(%q, %q) = %+v, %v", tc.mode, tc.period, got, err)
		}
	}
}
