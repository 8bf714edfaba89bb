package ocr

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// fonts-liberation (1.07) lacks the precomposed Vietnamese letters; 2.x has them.
const fontPath = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

var testLines = []string{
	"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
	"Độc lập - Tự do - Hạnh phúc",
	"Số: 123/QĐ-UBND",
	"Quyết định về việc cấp giấy chứng nhận quyền sử dụng đất",
}

// renderPage draws lines in Liberation Serif at size pt on a white page
// w×h pixels at dpi, one line per paragraph.
func renderPage(t testing.TB, lines []string, w, h int, dpi, size float64) *image.Gray {
	t.Helper()
	data, err := os.ReadFile(fontPath)
	if err != nil {
		t.Fatalf("read font (apt-get install fonts-liberation2): %v", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: dpi, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	margin := int(dpi) // 1 inch
	lineH := face.Metrics().Height.Ceil() * 2
	for i, l := range lines {
		d.Dot = fixed.P(margin, margin+lineH*(i+1))
		d.DrawString(l)
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var (
	poolOnce sync.Once
	pool     *Pool
	poolErr  error
)

// testPool is shared by the tests: creating clients is expensive.
func testPool(t testing.TB) *Pool {
	t.Helper()
	poolOnce.Do(func() { pool, poolErr = NewPool(Config{Workers: 2}) })
	if poolErr != nil {
		t.Fatalf("NewPool (install tesseract-ocr and tesseract-ocr-vie): %v", poolErr)
	}
	return pool
}

func TestRecognizeVietnamese(t *testing.T) {
	p := testPool(t)
	img := renderPage(t, testLines, 2480, 1200, 300, 12)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"png", encodePNG(t, img)},
		{"jpeg", func() []byte {
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := p.Recognize(context.Background(), tc.data)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Join(testLines, "\n")
			if cer := CER(want, page.Text); cer >= 0.05 {
				t.Errorf("CER = %.3f ≥ 0.05\nwant:\n%s\ngot:\n%s", cer, want, page.Text)
			}
			if page.Width != 2480 || page.Height != 1200 {
				t.Errorf("size = %dx%d, want 2480x1200", page.Width, page.Height)
			}
			if got := strings.Count(page.Text, "\n") + 1; got < len(testLines) {
				t.Errorf("text has %d lines, want ≥ %d:\n%s", got, len(testLines), page.Text)
			}
			if len(page.Words) < 25 {
				t.Fatalf("only %d words", len(page.Words))
			}
			bounds := image.Rect(0, 0, page.Width, page.Height)
			var sum float64
			for _, w := range page.Words {
				if w.Box.Empty() || !w.Box.In(bounds) {
					t.Errorf("word %q box %v not inside %v", w.Text, w.Box, bounds)
				}
				if w.Conf < 0 || w.Conf > 100 {
					t.Errorf("word %q conf %v", w.Text, w.Conf)
				}
				if w.Block < 1 || w.Par < 1 || w.Line < 1 {
					t.Errorf("word %q numbering %d/%d/%d", w.Text, w.Block, w.Par, w.Line)
				}
				sum += w.Conf
			}
			if math.Abs(sum/float64(len(page.Words))-page.MeanConf) > 1e-9 || page.MeanConf < 70 {
				t.Errorf("MeanConf = %v", page.MeanConf)
			}
			// The first line's words are on the first text row (y ≈ 300+).
			first := page.Words[0]
			if first.Text != "CỘNG" || first.Box.Min.X < 290 || first.Box.Min.X > 320 {
				t.Errorf("first word = %q at %v, want CỘNG at x≈300", first.Text, first.Box)
			}
		})
	}
}

func TestRecognizeConcurrent(t *testing.T) {
	p := testPool(t)
	lines := []string{"Độc lập - Tự do - Hạnh phúc", "Số: 45/GCN-UBND"}
	data := encodePNG(t, renderPage(t, lines, 1654, 500, 200, 12))
	const n = 5 // more goroutines than workers
	var wg sync.WaitGroup
	errs := make([]error, n)
	texts := make([]string, n)
	for i := range n {
		wg.Go(func() {
			page, err := p.Recognize(context.Background(), data)
			errs[i] = err
			if err == nil {
				texts[i] = page.Text
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if cer := CER(strings.Join(lines, "\n"), texts[i]); cer >= 0.05 {
			t.Errorf("goroutine %d: CER %.3f, text %q", i, cer, texts[i])
		}
	}
}

func TestRecognizeBadInput(t *testing.T) {
	p := testPool(t)
	good := encodePNG(t, renderPage(t, []string{"Hà Nội"}, 400, 200, 200, 12))
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"nil", nil},
		{"garbage", []byte("this is not an image at all \x00\x01\x02\xff")},
		{"png header only", good[:40]},
		{"truncated png", good[:len(good)/2]},
		{"jpeg magic then garbage", append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{7}, 100)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := p.Recognize(context.Background(), tc.data)
			if err == nil {
				t.Fatalf("no error, page %+v", page)
			}
		})
	}
	// The pool still works afterwards.
	if _, err := p.Recognize(context.Background(), good); err != nil {
		t.Fatal(err)
	}
}

func TestRecognizeContext(t *testing.T) {
	p, err := NewPool(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	data := encodePNG(t, renderPage(t, testLines, 2480, 1200, 300, 12))
	// Hold the only worker, then a second caller must give up on its
	// context.
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		close(started)
		_, err := p.Recognize(context.Background(), data)
		done <- err
	}()
	<-started
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Recognize(ctx, data); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := p.Recognize(context.Background(), data); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: err = %v, want ErrClosed", err)
	}
}

func TestNewPoolMissingLanguage(t *testing.T) {
	_, err := NewPool(Config{Languages: []string{"vie", "xyz"}, Workers: 1})
	if err == nil || !strings.Contains(err.Error(), "tesseract-ocr-xyz is not installed") {
		t.Fatalf("err = %v", err)
	}
	_, err = NewPool(Config{Workers: 1, TessdataPrefix: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "tesseract-ocr-vie is not installed") {
		t.Fatalf("err = %v", err)
	}
}

func TestBuildPage(t *testing.T) {
	box := func(word string, x, block, par, line int, conf float64) Word {
		return Word{Box: image.Rect(x, 10*line, x+20, 10*line+8), Text: word,
			Conf: conf, Block: block, Par: par, Line: line}
	}
	for _, tc := range []struct {
		name     string
		boxes    []Word
		text     string
		words    int
		meanConf float64
	}{
		{"empty", nil, "", 0, 0},
		{"one line", []Word{box("Hà", 0, 1, 1, 1, 90), box("Nội", 30, 1, 1, 1, 80)}, "Hà Nội", 2, 85},
		{"lines, paragraphs, blocks", []Word{
			box("ỦY", 0, 1, 1, 1, 90), box("BAN", 30, 1, 1, 1, 90),
			box("TỈNH", 0, 1, 1, 2, 90),
			box("Số:", 0, 1, 2, 1, 90), box("12", 30, 1, 2, 1, 90),
			box("CỘNG", 300, 2, 1, 1, 60), box("HÒA", 330, 2, 1, 1, 60),
		}, "ỦY BAN\nTỈNH\n\nSố: 12\n\nCỘNG HÒA", 7, 90*5.0/7 + 60*2.0/7},
		{"blank words dropped", []Word{box(" ", 0, 1, 1, 1, 0), box("đất\n", 30, 1, 1, 1, 50)}, "đất", 1, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page := &Page{Width: 100, Height: 100}
			page.fill(tc.boxes)
			if page.Text != tc.text || len(page.Words) != tc.words || math.Abs(page.MeanConf-tc.meanConf) > 1e-9 {
				t.Errorf("got %q, %d words, mean %v; want %q, %d, %v", page.Text, len(page.Words), page.MeanConf, tc.text, tc.words, tc.meanConf)
			}
		})
	}
	// Boxes are clipped to the page.
	page := &Page{Width: 100, Height: 50}
	page.fill([]Word{{Box: image.Rect(90, 40, 120, 60), Text: "x"}})
	if got := page.Words[0].Box; got != image.Rect(90, 40, 100, 50) {
		t.Errorf("clipped box = %v", got)
	}
}

func TestCER(t *testing.T) {
	for _, tc := range []struct {
		ref, hyp string
		want     float64
	}{
		{"", "", 0},
		{"", "a", 1},
		{"abc", "abc", 0},
		{"abc", "", 1},
		{"abcd", "abxd", 0.25},
		{"abcd", "abd", 0.25},
		{"abcd", "abcde", 0.25},
		{"kitten", "sitting", 3.0 / 6},
		{"Việt Nam", "Viet Nam", 1.0 / 8},    // one diacritic lost
		{"Vi\u1ec7t", "Vie\u0323\u0302t", 0}, // NFD vs NFC
		{"Độc  lập\n\n- Tự do", " Độc lập - Tự\tdo ", 0}, // whitespace collapsed
		{"đất", "dat", 2.0 / 3},                          // code points, not bytes
		{"Số: 123/QĐ-UBND", "S6: 123/QD-UBND", 2.0 / 15},
	} {
		if got := CER(tc.ref, tc.hyp); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("CER(%q, %q) = %v, want %v", tc.ref, tc.hyp, got, tc.want)
		}
	}
}

// BenchmarkRecognize reports pages/s for an A4 300 dpi page with the
// pool's default workers, callers in parallel.
func BenchmarkRecognize(b *testing.B) {
	p, err := NewPool(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	lines := make([]string, 0, 24)
	for range 6 {
		lines = append(lines, testLines...)
	}
	data := encodePNG(b, renderPage(b, lines, 2480, 3508, 300, 12))
	b.SetParallelism(1)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.Recognize(context.Background(), data); err != nil {
				b.Error(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
}

// TestMain runs the tests with OMP_THREAD_LIMIT=1 from process start, as
// production binaries must be run.
func TestMain(m *testing.M) {
	if err := EnsureThreadLimit(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func TestThreadLimitSet(t *testing.T) {
	if got := os.Getenv("OMP_THREAD_LIMIT"); got == "" {
		t.Fatal("OMP_THREAD_LIMIT not set after EnsureThreadLimit")
	}
}
