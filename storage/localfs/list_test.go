package localfs

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/storage"
)

func TestList(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	keys := []string{"pages/ab/ab1.png", "pages/ab/ab2.png", "pages/cd/cd1.jpeg", "ocr/p1.json", "signed/d1.pdf", "pagesx/z"}
	for _, k := range keys {
		if _, err := s.Put(ctx, k, strings.NewReader("v:"+k), -1); err != nil {
			t.Fatal(err)
		}
	}
	// A leftover temporary file of an interrupted Put is not an object.
	if err := os.WriteFile(s.Dir()+"/pages/ab/.ab3.png.tmp-1", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"ocr/p1.json", "pages/ab/ab1.png", "pages/ab/ab2.png", "pages/cd/cd1.jpeg", "pagesx/z", "signed/d1.pdf"}},
		{"pages/", []string{"pages/ab/ab1.png", "pages/ab/ab2.png", "pages/cd/cd1.jpeg"}},
		{"pages", []string{"pages/ab/ab1.png", "pages/ab/ab2.png", "pages/cd/cd1.jpeg", "pagesx/z"}},
		{"pages/ab/ab1", []string{"pages/ab/ab1.png"}},
		{"nothing/", nil},
	} {
		var got []string
		err := s.List(ctx, tc.prefix, func(i storage.Info) error {
			want, err := s.Stat(ctx, i.Key)
			if err != nil {
				return err
			}
			if i != want {
				t.Errorf("List %q: %+v, Stat says %+v", tc.prefix, i, want)
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
	err := s.List(ctx, "", func(storage.Info) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("List stopped by fn: n=%d err=%v, want 1 and %v", n, err, stop)
	}
}
