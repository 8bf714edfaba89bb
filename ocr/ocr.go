// Package ocr recognises text on scanned page images with Tesseract
// (through gosseract) and returns words with their pixel boxes.
//
// Each page is recognised exactly once: gosseract re-runs recognition on
// every Text/HOCRText/GetBoundingBoxes* call, so Recognize calls
// GetBoundingBoxesVerbose once and derives the plain text, the word boxes
// and the confidences from that single result.
//
// Tesseract must run single-threaded; parallelism comes from the Pool's
// workers. Debian's Tesseract 5.3 is built with OpenMP, and libgomp reads
// OMP_THREAD_LIMIT once, when it is loaded at process start, before any Go
// code runs: setting it with os.Setenv later has no effect on this process
// (measured: 9 threads and ~3.5× slower per page on 2 cores, against 6
// threads when the process starts with it). So start the binary with
// OMP_THREAD_LIMIT=1, or call EnsureThreadLimit first thing in main, which
// re-executes the binary with it set. NewPool logs a warning when the
// variable was missing at start, and sets it for child processes.
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for validation
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/otiai10/gosseract/v2"
)

// Word is one recognised word.
type Word struct {
	Text string          `json:"text"`
	Box  image.Rectangle `json:"box"`  // pixels, origin top-left
	Conf float64         `json:"conf"` // 0..100
	// Block, Par and Line number the word's block, paragraph (within its
	// block) and line (within its paragraph), all from 1.
	Block int `json:"block"`
	Par   int `json:"par"`
	Line  int `json:"line"`
}

// Page is the recognition result of one page image.
type Page struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Words  []Word `json:"words"`
	// Text is the page text: words of a line joined by spaces, lines by
	// "\n", and a blank line between paragraphs and blocks.
	Text     string  `json:"text"`
	MeanConf float64 `json:"mean_conf"` // mean word confidence, 0..100
}

// Config configures a Pool.
type Config struct {
	Languages      []string // Tesseract language codes; default {"vie"}
	Workers        int      // number of Tesseract instances; default runtime.NumCPU()
	TessdataPrefix string   // directory holding *.traineddata; default Tesseract's own
}

// ErrClosed is returned by Recognize after Close.
var ErrClosed = errors.New("ocr: bộ nhận dạng đã đóng / pool is closed")

// maxPixels bounds the images handed to Tesseract (600 dpi A3 is ~70 Mpx).
const maxPixels = 100_000_000

// Pool holds one gosseract client per worker. Recognize blocks until a
// client is free; a Pool is safe for concurrent use.
type Pool struct {
	clients chan *gosseract.Client
	n       int

	mu     sync.RWMutex // held for reading while a client is out
	closed bool
}

// NewPool creates cfg.Workers initialised Tesseract clients.
func NewPool(cfg Config) (*Pool, error) {
	if len(cfg.Languages) == 0 {
		cfg.Languages = []string{"vie"}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if os.Getenv("OMP_THREAD_LIMIT") == "" {
		slog.Warn("ocr: OMP_THREAD_LIMIT is not set; start the process with OMP_THREAD_LIMIT=1 " +
			"(setting it now does not reach libgomp), or OCR will be several times slower")
		// Too late for libgomp in this process, but inherited by children.
		os.Setenv("OMP_THREAD_LIMIT", "1")
	}
	if err := checkLanguages(cfg); err != nil {
		return nil, err
	}
	blank, err := blankPNG()
	if err != nil {
		return nil, err
	}
	p := &Pool{clients: make(chan *gosseract.Client, cfg.Workers), n: cfg.Workers}
	for i := 0; i < cfg.Workers; i++ {
		c, err := newClient(cfg, blank)
		if err != nil {
			for len(p.clients) > 0 {
				(<-p.clients).Close()
			}
			return nil, err
		}
		p.clients <- c
	}
	return p, nil
}

func newClient(cfg Config, warmup []byte) (*gosseract.Client, error) {
	c := gosseract.NewClient()
	c.Trim = false
	if err := c.SetLanguage(cfg.Languages...); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if cfg.TessdataPrefix != "" {
		if err := c.SetTessdataPrefix(cfg.TessdataPrefix); err != nil {
			c.Close()
			return nil, fmt.Errorf("ocr: %w", err)
		}
	}
	// Tesseract's informational messages ("Estimating resolution…") would
	// otherwise go to stderr for every page.
	c.DisableOutput()
	// Initialise now (Init is expensive and may fail) by recognising a
	// tiny blank image.
	if err := c.SetImageFromBytes(warmup); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: %w", err)
	}
	if _, err := c.GetBoundingBoxesVerbose(); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: khởi tạo Tesseract thất bại / Tesseract init failed (%s): %w",
			strings.Join(cfg.Languages, "+"), err)
	}
	return c, nil
}

// checkLanguages fails with an actionable message when a language's
// traineddata file is missing.
func checkLanguages(cfg Config) error {
	dir := cfg.TessdataPrefix
	var have []string
	if dir == "" {
		if env := os.Getenv("TESSDATA_PREFIX"); env != "" {
			dir = env
		}
	}
	if dir != "" {
		m, _ := filepath.Glob(filepath.Join(dir, "*.traineddata"))
		for _, f := range m {
			have = append(have, strings.TrimSuffix(filepath.Base(f), ".traineddata"))
		}
	} else {
		var err error
		if have, err = gosseract.GetAvailableLanguages(); err != nil {
			return fmt.Errorf("ocr: list Tesseract languages: %w", err)
		}
		dir = "Tesseract's tessdata"
	}
	for _, l := range cfg.Languages {
		found := false
		for _, h := range have {
			if h == l {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("ocr: thiếu dữ liệu ngôn ngữ %q, hãy cài tesseract-ocr-%s / "+
				"language data %q not found in %s: tesseract-ocr-%s is not installed", l, l, l, dir, l)
		}
	}
	return nil
}

// EnsureThreadLimit re-executes the running binary with
// OMP_THREAD_LIMIT=1 added to its environment when the variable is unset
// (see the package documentation for why it must be set at start). Call it
// first thing in main; it returns only if nothing had to be done or the
// exec failed.
func EnsureThreadLimit() error {
	if os.Getenv("OMP_THREAD_LIMIT") != "" {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("ocr: re-exec with OMP_THREAD_LIMIT=1: %w", err)
	}
	env := append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if err := syscall.Exec(exe, os.Args, env); err != nil {
		return fmt.Errorf("ocr: re-exec %s with OMP_THREAD_LIMIT=1: %w", exe, err)
	}
	return nil
}

// Recognize runs OCR on one PNG or JPEG image. The context is honoured
// while waiting for a free worker; a recognition already started runs to
// its end (Tesseract cannot be interrupted through gosseract).
func (p *Pool) Recognize(ctx context.Context, img []byte) (*Page, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return nil, fmt.Errorf("ocr: ảnh không đọc được / cannot decode image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("ocr: kích thước ảnh không hợp lệ / bad image size %dx%d", cfg.Width, cfg.Height)
	}
	// Leptonica returns a NULL Pix for undecodable data and gosseract
	// passes it on to Tesseract unchecked, which crashes the process; a
	// full decode in Go first guarantees the data is a valid image.
	if _, _, err := image.Decode(bytes.NewReader(img)); err != nil {
		return nil, fmt.Errorf("ocr: ảnh %s hỏng / corrupt %s image: %w", format, format, err)
	}

	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, ErrClosed
	}
	var c *gosseract.Client
	select {
	case c = <-p.clients:
	case <-ctx.Done():
		return nil, fmt.Errorf("ocr: wait for worker: %w", ctx.Err())
	}
	defer func() { p.clients <- c }()

	if err := c.SetImageFromBytes(img); err != nil {
		return nil, fmt.Errorf("ocr: set image: %w", err)
	}
	boxes, err := c.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, fmt.Errorf("ocr: recognise: %w", err)
	}
	return buildPage(cfg.Width, cfg.Height, boxes), nil
}

// buildPage turns gosseract's word boxes into a Page.
func buildPage(w, h int, boxes []gosseract.BoundingBox) *Page {
	page := &Page{Width: w, Height: h, Words: make([]Word, 0, len(boxes))}
	var sb strings.Builder
	var sum float64
	var prev *Word
	for _, b := range boxes {
		text := strings.TrimSpace(b.Word)
		if text == "" {
			continue
		}
		page.Words = append(page.Words, Word{
			Text: text, Box: b.Box.Intersect(image.Rect(0, 0, w, h)), Conf: b.Confidence,
			Block: b.BlockNum, Par: b.ParNum, Line: b.LineNum,
		})
		cur := &page.Words[len(page.Words)-1]
		sum += cur.Conf
		switch {
		case prev == nil:
		case prev.Block != cur.Block || prev.Par != cur.Par:
			sb.WriteString("\n\n")
		case prev.Line != cur.Line:
			sb.WriteByte('\n')
		default:
			sb.WriteByte(' ')
		}
		sb.WriteString(text)
		prev = cur
	}
	page.Text = sb.String()
	if len(page.Words) > 0 {
		page.MeanConf = sum / float64(len(page.Words))
	}
	return page
}

// Close frees the Tesseract clients, waiting for running recognitions.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for i := 0; i < p.n; i++ {
		(<-p.clients).Close()
	}
	return nil
}

// blankPNG is the small white image used to initialise a client.
func blankPNG() ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, 64, 32))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("ocr: warm-up image: %w", err)
	}
	return buf.Bytes(), nil
}
