package storage

import (
	"errors"
	"testing"
)

func TestValidKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"pages/ab/abcdef0123.png", true},
		{"a", true},
		{"hồ-sơ/Quyết định số 12.pdf", true},
		{"a.b/c..d/e.", true},
		{"", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{".", false},
		{"..", false},
		{"a/../b", false},
		{"a/./b", false},
		{`a\b`, false},
		{".git/config", false},
		{"a/.tmp-1", false},
		{"a\x00b", false},
		{"a\tb", false},
	}
	for _, tt := range tests {
		err := ValidKey(tt.key)
		if tt.ok && err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", tt.key, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", tt.key, err)
		}
	}
}
