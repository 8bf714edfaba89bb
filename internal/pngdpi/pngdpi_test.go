package pngdpi

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInsert: the PNG still decodes, and ImageMagick reads the resolution.
func TestInsert(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	b := Insert(buf.Bytes(), 300)
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("decode: %v", err)
	}
	p := filepath.Join(t.TempDir(), "x.png")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("identify", "-units", "PixelsPerInch", "-format", "%x", p).Output()
	if err != nil {
		t.Fatalf("identify (apt-get install imagemagick): %v", err)
	}
	if !strings.HasPrefix(strings.TrimSpace(string(out)), "300") {
		t.Errorf("resolution %q, want 300 dpi", out)
	}
	if got := Insert([]byte("short"), 300); string(got) != "short" {
		t.Errorf("a too short PNG came back as %q", got)
	}
}
