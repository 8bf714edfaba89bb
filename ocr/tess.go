package ocr

// The engine talks to Tesseract through its own C API (tesseract/capi.h)
// rather than gosseract: gosseract cannot take a Leptonica image or raw
// pixels (so a preprocessed page would have to be re-encoded and decoded
// again), leaks every word's C string and the result iterator on each
// page, and redirects the process-wide stderr while initialising.

/*
#cgo LDFLAGS: -ltesseract -llept
#include <stdlib.h>
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

typedef struct {
	char *text;
	float conf;
	int x1, y1, x2, y2;
	int block, par, line;
} sohoa_word;

// sohoa_words recognises the image set on api and returns its words in
// reading order with their block, paragraph and line numbers (from 1).
// The caller frees the result with sohoa_free_words. Returns -1 when
// recognition fails.
static int sohoa_words(TessBaseAPI *api, sohoa_word **out) {
	*out = NULL;
	if (TessBaseAPIRecognize(api, NULL) != 0) return -1;
	TessResultIterator *ri = TessBaseAPIGetIterator(api);
	if (ri == NULL) return 0;
	TessPageIterator *pi = TessResultIteratorGetPageIterator(ri);
	int cap = 512, n = 0, block = 0, par = 0, line = 0;
	sohoa_word *w = malloc(cap * sizeof(sohoa_word));
	do {
		if (TessPageIteratorIsAtBeginningOf(pi, RIL_BLOCK)) { block++; par = 0; line = 0; }
		if (TessPageIteratorIsAtBeginningOf(pi, RIL_PARA)) { par++; line = 0; }
		if (TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE)) { line++; }
		char *text = TessResultIteratorGetUTF8Text(ri, RIL_WORD);
		if (text == NULL) continue;
		if (n == cap) { cap *= 2; w = realloc(w, cap * sizeof(sohoa_word)); }
		w[n].text = text;
		w[n].conf = TessResultIteratorConfidence(ri, RIL_WORD);
		TessPageIteratorBoundingBox(pi, RIL_WORD, &w[n].x1, &w[n].y1, &w[n].x2, &w[n].y2);
		w[n].block = block; w[n].par = par; w[n].line = line;
		n++;
	} while (TessResultIteratorNext(ri, RIL_WORD));
	TessResultIteratorDelete(ri);
	*out = w;
	return n;
}

static void sohoa_free_words(sohoa_word *w, int n) {
	for (int i = 0; i < n; i++) TessDeleteText(w[i].text);
	free(w);
}

static sohoa_word *sohoa_word_at(sohoa_word *w, int i) { return &w[i]; }
*/
import "C"

import (
	"fmt"
	"image"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// TessdataEnv names the environment variable pointing sohoa at a tessdata
// folder other than its own (the --tessdata flag sets Config.TessdataPrefix).
const TessdataEnv = "SOHOA_TESSDATA"

// ProjectTessdata is the tessdata folder scripts/tessdata.sh installs the
// default model into: ${XDG_DATA_HOME:-$HOME/.local/share}/sohoa/tessdata.
func ProjectTessdata() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "sohoa", "tessdata")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".local", "share", "sohoa", "tessdata")
}

// resolveTessdata is the tessdata folder a Pool loads langs from: the
// one given, else $SOHOA_TESSDATA, else the project's own folder when it
// holds every language, else "" (Tesseract's own, with a warning: the
// model measured best is not installed).
func resolveTessdata(given string, langs []string) string {
	if given != "" {
		return given
	}
	if env := os.Getenv(TessdataEnv); env != "" {
		return env
	}
	dir := ProjectTessdata()
	for _, l := range langs {
		if _, err := os.Stat(filepath.Join(dir, l+".traineddata")); err != nil {
			slog.Warn("ocr: sohoa's OCR model is not installed; using Tesseract's own (run scripts/tessdata.sh)",
				"missing", filepath.Join(dir, l+".traineddata"))
			return ""
		}
	}
	return dir
}

// engine is one initialised Tesseract instance; not safe for concurrent use.
type engine struct {
	api *C.TessBaseAPI
}

func newEngine(langs []string, tessdata string) (*engine, error) {
	api := C.TessBaseAPICreate()
	e := &engine{api: api}
	// Tesseract's informational messages ("Estimating resolution…")
	// would otherwise go to stderr for every page.
	e.setVariable("debug_file", "/dev/null")
	var prefix *C.char
	if tessdata != "" {
		prefix = C.CString(tessdata)
		defer C.free(unsafe.Pointer(prefix))
	}
	lang := C.CString(strings.Join(langs, "+"))
	defer C.free(unsafe.Pointer(lang))
	if C.TessBaseAPIInit3(api, prefix, lang) != 0 {
		e.close()
		return nil, fmt.Errorf("ocr: khởi tạo Tesseract thất bại / Tesseract init failed (%s)", strings.Join(langs, "+"))
	}
	e.setVariable("debug_file", "/dev/null")
	// The C API starts in PSM_SINGLE_BLOCK, the tesseract command in
	// PSM_AUTO. A decree's two-column header and its justified body read
	// as one block lose lines and tone marks (PSM 6 reproduced sohoa's
	// extra errors exactly, issue 15), so whole pages get automatic
	// segmentation as the command does; regions set their own mode.
	C.TessBaseAPISetPageSegMode(api, C.PSM_AUTO)
	return e, nil
}

func (e *engine) setVariable(name, value string) {
	n, v := C.CString(name), C.CString(value)
	C.TessBaseAPISetVariable(e.api, n, v)
	C.free(unsafe.Pointer(n))
	C.free(unsafe.Pointer(v))
}

// recognize runs Tesseract once on pix at dpi (0: let Tesseract
// estimate) and returns the words in pix's coordinates, blank words
// dropped.
func (e *engine) recognize(pix *C.PIX, dpi int) ([]Word, error) {
	C.TessBaseAPISetImage2(e.api, pix)
	if dpi >= 70 {
		C.TessBaseAPISetSourceResolution(e.api, C.int(dpi))
	} else if C.pixGetXRes(pix) < 70 {
		C.TessBaseAPISetSourceResolution(e.api, 70)
	}
	defer C.TessBaseAPIClear(e.api)
	var cw *C.sohoa_word
	n := int(C.sohoa_words(e.api, &cw))
	if n < 0 {
		return nil, fmt.Errorf("ocr: nhận dạng thất bại / recognition failed")
	}
	defer C.sohoa_free_words(cw, C.int(n))
	words := make([]Word, 0, n)
	for i := range n {
		w := C.sohoa_word_at(cw, C.int(i))
		text := strings.TrimSpace(C.GoString(w.text))
		if text == "" {
			continue
		}
		words = append(words, Word{
			Text: text, Conf: float64(w.conf),
			Box:   image.Rect(int(w.x1), int(w.y1), int(w.x2), int(w.y2)),
			Block: int(w.block), Par: int(w.par), Line: int(w.line),
		})
	}
	splitColumns(words)
	return words, nil
}

// splitColumns makes two lines of a text line whose words are a column
// gap apart. In automatic segmentation Tesseract can join the rows of a
// decree's two header columns into one line ("ỦY BAN NHÂN DÂN Độc lập -
// Tự do - Hạnh phúc", the right one a row lower); a line spanning both
// would put one baseline and height under words of two rows (the text
// layer's words then interleave with the next row's when extracted). A
// gap wider than three times the taller word's height is not a space
// between words, even in justified text. Later lines of the paragraph are
// renumbered.
func splitColumns(words []Word) {
	shift := 0
	for i := 1; i < len(words); i++ {
		prev, w := words[i-1], &words[i]
		if w.Block != prev.Block || w.Par != prev.Par {
			shift = 0
			continue
		}
		sameLine := w.Line+shift == prev.Line
		w.Line += shift
		h := max(prev.Box.Dy(), w.Box.Dy())
		if sameLine && w.Box.Min.X-prev.Box.Max.X > 3*h {
			shift++
			w.Line++
		}
	}
}

// LineCorrector is a WordCorrector that can also correct the words of a
// line together, each from its neighbours (vncorrect.Corrector with a
// Lexicon).
type LineCorrector interface {
	WordCorrector
	CorrectLine(words []string) []string
}

// correct applies c to words: line by line when c is a LineCorrector,
// else word by word.
func correct(c WordCorrector, words []Word) {
	if c == nil {
		return
	}
	lc, ok := c.(LineCorrector)
	if !ok {
		for i := range words {
			words[i].Text = c.CorrectWord(words[i].Text)
		}
		return
	}
	for start := 0; start < len(words); {
		end := start + 1
		for end < len(words) && words[end].Block == words[start].Block &&
			words[end].Par == words[start].Par && words[end].Line == words[start].Line {
			end++
		}
		texts := make([]string, end-start)
		for i := range texts {
			texts[i] = words[start+i].Text
		}
		for i, t := range lc.CorrectLine(texts) {
			words[start+i].Text = t
		}
		start = end
	}
}

// pageSegMode is the engine's current page segmentation mode.
func (e *engine) pageSegMode() int { return int(C.TessBaseAPIGetPageSegMode(e.api)) }

func (e *engine) close() {
	if e.api != nil {
		C.TessBaseAPIEnd(e.api)
		C.TessBaseAPIDelete(e.api)
		e.api = nil
	}
}

// defaultTessdata is the directory Tesseract loads *.traineddata from
// when no prefix is given, found by initialising an engine with its
// default language ("" when Tesseract cannot even be initialised).
func defaultTessdata() string {
	api := C.TessBaseAPICreate()
	defer C.TessBaseAPIDelete(api)
	dbg, dev := C.CString("debug_file"), C.CString("/dev/null")
	defer C.free(unsafe.Pointer(dbg))
	defer C.free(unsafe.Pointer(dev))
	C.TessBaseAPISetVariable(api, dbg, dev)
	osd := C.CString("osd")
	defer C.free(unsafe.Pointer(osd))
	C.TessBaseAPIInit3(api, nil, osd)
	defer C.TessBaseAPIEnd(api)
	return C.GoString(C.TessBaseAPIGetDatapath(api))
}
