package stamp_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/assemble"
	"github.com/sohoa-vn/sohoa/certify/stamp"
)

// twoPages is a 2-page image-only PDF written by package assemble.
func twoPages(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 1654, 2339)) // A4 at 200 dpi
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 200; x < 1400; x++ { // a rule, as on a real page
		img.SetGray(x, 300, color.Gray{})
	}
	var pngBytes bytes.Buffer
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}
	p := assemble.Page{Image: pngBytes.Bytes(), Format: "png", DPI: 200}
	var out bytes.Buffer
	if err := assemble.WritePages(&out, assemble.Info{Title: "gốc", Created: time.Now()}, []assemble.Page{p, p}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: apt-get install -y %s", name, map[string]string{"zbarimg": "zbar-tools", "qpdf": "qpdf"}[name]+map[bool]string{true: "poppler-utils"}[strings.HasPrefix(name, "pdf")])
	}
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.Bytes())
	}
	return string(out)
}

func TestStamp(t *testing.T) {
	src := twoPages(t)
	lines := []string{
		"Chứng thực bản sao đúng với bản chính.",
		"Số chứng thực: 99, Quyển số: 02-SCTĐT/BS",
		"Ngày 05 tháng 06 năm 2026",
		"Mã xác minh: 7K3M-9QXR-2D",
	}
	const url = "https://sohoa.example.gov.vn/verify/7K3M9QXR2D"
	var out bytes.Buffer
	if err := stamp.Stamp(context.Background(), &out, bytes.NewReader(src), int64(len(src)),
		stamp.Statement{Lines: lines, QR: url}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), src) {
		t.Fatal("the original bytes were changed: not an incremental update")
	}
	dir := t.TempDir()
	if d := os.Getenv("STAMP_KEEP"); d != "" {
		dir = d
	}
	path := filepath.Join(dir, "copy.pdf")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "qpdf", "--check", path)
	last := run(t, "pdftotext", "-f", "2", "-l", "2", "-layout", path, "-")
	for _, l := range lines {
		if !strings.Contains(last, l) {
			t.Errorf("last page text lacks %q:\n%s", l, last)
		}
	}
	if first := run(t, "pdftotext", "-f", "1", "-l", "1", path, "-"); strings.Contains(first, "Chứng thực") {
		t.Errorf("the statement is on page 1 too:\n%s", first)
	}
	run(t, "pdftoppm", "-f", "2", "-l", "2", "-r", "300", "-png", "-singlefile", path, filepath.Join(dir, "last"))
	got := run(t, "zbarimg", "--quiet", "--raw", filepath.Join(dir, "last.png"))
	if strings.TrimSpace(got) != url {
		t.Errorf("QR decodes to %q, want %q", got, url)
	}
}

func TestStampErrors(t *testing.T) {
	src := twoPages(t)
	ctx := context.Background()
	for name, s := range map[string]stamp.Statement{
		"missing glyph": {Lines: []string{"日本"}},
		"too wide":      {Lines: []string{strings.Repeat("Chứng thực ", 40)}},
		"no font":       {Lines: []string{"x"}, FontFile: "/nonexistent.ttf"},
	} {
		if err := stamp.Stamp(ctx, &bytes.Buffer{}, bytes.NewReader(src), int64(len(src)), s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	bad := []byte("%PDF-1.7\nnot a pdf\n")
	if err := stamp.Stamp(ctx, &bytes.Buffer{}, bytes.NewReader(bad), int64(len(bad)), stamp.Statement{Lines: []string{"x"}}); err == nil {
		t.Error("malformed PDF: no error")
	}
}
