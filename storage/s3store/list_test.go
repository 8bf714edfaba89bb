package s3store

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/storage"
)

func TestList(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	keys := []string{"pages/ab/ab1.png", "pages/cd/cd1.jpeg", "ocr/p1.json", "pagesx/z"}
	for _, k := range keys {
		if _, err := s.Put(ctx, k, strings.NewReader("v:"+k), -1); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"ocr/p1.json", "pages/ab/ab1.png", "pages/cd/cd1.jpeg", "pagesx/z"}},
		{"pages/", []string{"pages/ab/ab1.png", "pages/cd/cd1.jpeg"}},
		{"nothing/", nil},
	} {
		var got []string
		err := s.List(ctx, tc.prefix, func(i storage.Info) error {
			if want := int64(len("v:" + i.Key)); i.Size != want {
				t.Errorf("List %q: %s has size %d, want %d", tc.prefix, i.Key, i.Size, want)
			}
			got = append(got, i.Key)
			return nil
		})
		if err != nil {
			t.Fatalf("List %q: %v", tc.prefix, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("List %q = %q, want %q", tc.prefix, got, tc.want)
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := s.List(ctx, "", func(storage.Info) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("List stopped by fn: n=%d err=%v, want 1 and %v", n, err, stop)
	}
}
