// Package ocr recognises text on scanned page images with Tesseract
// (through its C API) and returns words with their pixel boxes.
//
// Each page is decoded once (by Leptonica, as the tesseract command
// does), optionally preprocessed in memory (see Preprocess), and
// recognised once; the plain text, the word boxes and the confidences all
// come from that single result. Word boxes are in the original image's
// pixels whatever preprocessing did.
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
//
// # Segmentation and model
//
// Whole pages are segmented automatically (PSM_AUTO, as the tesseract
// command does; the C API's default PSM_SINGLE_BLOCK lost lines and tone
// marks on real decrees), and a line Tesseract joins across a column gap
// is split in two. Regions keep the mode they ask for.
//
// The default model is Debian's vie (tesseract-ocr-vie, the fast model),
// read from ProjectTessdata(), the folder scripts/tessdata.sh sets up with
// links to Debian's vie and osd (one prefix for recognition and
// orientation) and the npm package @tesseract.js-data/vie's
// 4.0.0_best_int model as vie_best. Measured, 200 dpi bilevel, one core:
//
//	model               10 real decrees   12 LibreOffice pages, sohoa text layer
//	                    (issue 15), CLI   edits / ref. words missed / CPU
//	Debian vie (fast)   397               977 / 43 /  9.0 s
//	vie+Vietnamese      331               1019 / 51 / 12.7–15.1 s (before the column split)
//	vie_best (best_int) 284               918 / 59 / 12.4 s
//	npm 4.0.0 (float)   283               CLI only: 1453 edits, the slowest
//
// against the plain command with Debian's vie: 1434 edits, 49 words
// missed, 10.1–10.7 s of CPU (pages d09–d12 held out from all tuning:
// CLI 384 edits, sohoa 329). vie_best reads real decrees best and lowers
// CER 6% on the LibreOffice pages, but costs about 1.5× the CPU of vie,
// under the 0.9× of the plain command's pages/min the project holds to;
// vie+Vietnamese is as slow. So vie is the default and vie_best a choice
// (--lang vie_best, SOHOA_OCR_LANGUAGES=vie_best) for those who can spend
// the time. Tone marks vie loses are restored from context by ocr/vncorrect
// (vncorrect.Marks): text layer on the held-out pages 334 -> 329 edits,
// 27 -> 22 reference words missed (all 12: 985 -> 977, 51 -> 43).
package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for DecodeConfig
	_ "image/png"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	_ "golang.org/x/image/tiff" // register TIFF for DecodeConfig
)

// Word is one recognised word.
type Word struct {
	Text string          `json:"text"`
	Box  image.Rectangle `json:"box"` // pixels of the original image, origin top-left
	// Upright is the box on the page as it reads (see Page.Upright), set
	// when preprocessing turned or straightened the page.
	Upright image.Rectangle `json:"upright,omitzero"`
	Conf    float64         `json:"conf"` // 0..100
	// Block, Par and Line number the word's block, paragraph (within its
	// block) and line (within its paragraph), all from 1.
	Block int `json:"block"`
	Par   int `json:"par"`
	Line  int `json:"line"`
}

// Page is the recognition result of one page image.
type Page struct {
	Width  int    `json:"width"`  // of the original image, in pixels
	Height int    `json:"height"` // of the original image, in pixels
	Words  []Word `json:"words"`
	// Text is the page text: words of a line joined by spaces, lines by
	// "\n", and a blank line between paragraphs and blocks.
	Text     string  `json:"text"`
	MeanConf float64 `json:"mean_conf"` // mean word confidence, 0..100
	// Blank is true for a page preprocessing found empty; it was not
	// recognised.
	Blank bool `json:"blank,omitempty"`
	// NeedsReview is true when the page is not blank and its mean word
	// confidence is under Config.ReviewThreshold (or it has no words).
	NeedsReview bool `json:"needs_review,omitempty"`
	// Preprocess says what was done to the image before recognition.
	Preprocess Applied `json:"preprocess"`
}

// WordCorrector corrects one recognised word (e.g. vncorrect.Corrector),
// returning it unchanged when it is fine.
type WordCorrector interface {
	CorrectWord(word string) string
}

// Config configures a Pool.
type Config struct {
	Languages      []string // Tesseract language codes; default {"vie"}
	Workers        int      // number of Tesseract instances; default runtime.NumCPU()
	TessdataPrefix string   // directory holding *.traineddata; default $SOHOA_TESSDATA, else ProjectTessdata() (see resolveTessdata)
	// Preprocess selects image corrections before recognition; the zero
	// value does none (see DefaultPreprocess).
	Preprocess Preprocess
	// ReviewThreshold is the mean word confidence (0..100) under which a
	// page is flagged NeedsReview; 0 means DefaultReviewThreshold, a
	// negative value never flags.
	ReviewThreshold float64
	// Corrector, when set, corrects every recognised word.
	Corrector WordCorrector
}

// DefaultReviewThreshold is the mean confidence under which pages are
// flagged for review when Config.ReviewThreshold is 0.
const DefaultReviewThreshold = 70

// ErrClosed is returned by Recognize after Close.
var ErrClosed = errors.New("ocr: bộ nhận dạng đã đóng / pool is closed")

// maxPixels bounds the images handed to Tesseract (600 dpi A3 is ~70 Mpx).
const maxPixels = 100_000_000

// Pool holds one Tesseract engine per worker. Recognize blocks until an
// engine is free; a Pool is safe for concurrent use.
type Pool struct {
	engines chan *engine
	osd     osdPool // orientation detection, when Preprocess.Orientation
	n       int
	cfg     Config

	mu     sync.RWMutex // held for reading while an engine is out
	closed bool
}

// NewPool creates cfg.Workers initialised Tesseract engines.
func NewPool(cfg Config) (*Pool, error) {
	if len(cfg.Languages) == 0 {
		cfg.Languages = []string{"vie"}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.ReviewThreshold == 0 {
		cfg.ReviewThreshold = DefaultReviewThreshold
	}
	if os.Getenv("OMP_THREAD_LIMIT") == "" {
		slog.Warn("ocr: OMP_THREAD_LIMIT is not set; start the process with OMP_THREAD_LIMIT=1 " +
			"(setting it now does not reach libgomp), or OCR will be several times slower")
		// Too late for libgomp in this process, but inherited by children.
		os.Setenv("OMP_THREAD_LIMIT", "1")
	}
	cfg.TessdataPrefix = resolveTessdata(cfg.TessdataPrefix, cfg.Languages)
	if err := checkLanguages(cfg); err != nil {
		return nil, err
	}
	p := &Pool{engines: make(chan *engine, cfg.Workers), n: cfg.Workers, cfg: cfg}
	if cfg.Preprocess.Orientation {
		var err error
		if p.osd, err = newOSDPool(cfg.Workers, cfg.TessdataPrefix); err != nil {
			return nil, err
		}
	}
	for i := 0; i < cfg.Workers; i++ {
		e, err := newEngine(cfg.Languages, cfg.TessdataPrefix)
		if err != nil {
			for len(p.engines) > 0 {
				(<-p.engines).close()
			}
			p.osd.close()
			return nil, err
		}
		p.engines <- e
	}
	return p, nil
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
		dir = defaultTessdata()
		m, _ := filepath.Glob(filepath.Join(dir, "*.traineddata"))
		for _, f := range m {
			have = append(have, strings.TrimSuffix(filepath.Base(f), ".traineddata"))
		}
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

// imageSize reads an image's size from its header alone, which bounds it
// before any pixel is allocated.
func imageSize(img []byte) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return cfg, fmt.Errorf("ocr: ảnh không đọc được / cannot decode image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return cfg, fmt.Errorf("ocr: kích thước ảnh không hợp lệ / bad image size %dx%d", cfg.Width, cfg.Height)
	}
	return cfg, nil
}

// acquire waits for a free engine (honouring ctx) and holds the pool open
// until release is called.
func (p *Pool) acquire(ctx context.Context) (e *engine, release func(), err error) {
	p.mu.RLock()
	if p.closed {
		p.mu.RUnlock()
		return nil, nil, ErrClosed
	}
	select {
	case e = <-p.engines:
	case <-ctx.Done():
		p.mu.RUnlock()
		return nil, nil, fmt.Errorf("ocr: wait for worker: %w", ctx.Err())
	}
	return e, func() { p.engines <- e; p.mu.RUnlock() }, nil
}

// Recognize runs OCR on one PNG, JPEG or TIFF image. The image is decoded
// once, by Leptonica, and preprocessed and recognised from memory. The
// context is honoured while waiting for a free worker; a recognition
// already started runs to its end (Tesseract cannot be interrupted).
func (p *Pool) Recognize(ctx context.Context, img []byte) (*Page, error) {
	if _, err := imageSize(img); err != nil {
		return nil, err
	}
	e, release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	pix, err := readPix(img)
	if err != nil {
		return nil, err
	}
	var osd *osdEngine
	if p.osd != nil {
		osd = <-p.osd // one per engine: free while an engine is
		defer func() { p.osd <- osd }()
	}
	prep := preprocess(pix, p.cfg.Preprocess, osd)
	defer destroy(prep.pix)
	page := &Page{Width: prep.tr.w, Height: prep.tr.h, Preprocess: prep.applied, Blank: prep.blank}
	page.Preprocess.DPI = prep.dpi
	if prep.blank {
		return page, nil
	}
	words, err := e.recognize(prep.pix, prep.dpi)
	if err != nil {
		return nil, err
	}
	turned := prep.applied.Rotation != 0 || prep.applied.Skew != 0
	for i := range words {
		if turned {
			words[i].Upright = prep.tr.toUpright(words[i].Box)
		}
		words[i].Box = prep.tr.toOriginal(words[i].Box)
	}
	correct(p.cfg.Corrector, words)
	page.fill(words)
	page.NeedsReview = p.cfg.ReviewThreshold > 0 && (len(page.Words) == 0 || page.MeanConf < p.cfg.ReviewThreshold)
	return page, nil
}

// fill sets the page's words, text and mean confidence.
func (page *Page) fill(words []Word) {
	page.Words = make([]Word, 0, len(words))
	var sb strings.Builder
	var sum float64
	var prev *Word
	for _, w := range words {
		w.Text = strings.TrimSpace(w.Text)
		if w.Text == "" {
			continue
		}
		w.Box = w.Box.Intersect(image.Rect(0, 0, page.Width, page.Height))
		page.Words = append(page.Words, w)
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
		sb.WriteString(w.Text)
		prev = cur
	}
	page.Text = sb.String()
	if len(page.Words) > 0 {
		page.MeanConf = sum / float64(len(page.Words))
	}
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
		(<-p.engines).close()
	}
	p.osd.close()
	return nil
}
