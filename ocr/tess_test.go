package ocr

import (
	"image"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestResolveTessdata(t *testing.T) {
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	own := filepath.Join(data, "sohoa", "tessdata")
	if got := ProjectTessdata(); got != own {
		t.Fatalf("ProjectTessdata() = %q, want %q", got, own)
	}
	t.Setenv(TessdataEnv, "")
	if got := resolveTessdata("", []string{"vie"}); got != "" {
		t.Errorf("nothing installed: %q, want Tesseract's own (\"\")", got)
	}
	if err := os.MkdirAll(own, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(own, "vie.traineddata"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, given, env string
		langs            []string
		want             string
	}{
		{"installed", "", "", []string{"vie"}, own},
		{"a language it lacks", "", "", []string{"vie", "fra"}, ""},
		{"environment", "", "/srv/tessdata", []string{"vie"}, "/srv/tessdata"},
		{"flag over environment", "/opt/td", "/srv/tessdata", []string{"vie"}, "/opt/td"},
	} {
		t.Setenv(TessdataEnv, tc.env)
		if got := resolveTessdata(tc.given, tc.langs); got != tc.want {
			t.Errorf("%s: resolveTessdata(%q, %v) = %q, want %q", tc.name, tc.given, tc.langs, got, tc.want)
		}
	}
}

// The default pool loads its models from the folder scripts/tessdata.sh
// sets up (scripts/deps.sh runs it for tests too): Debian's vie and osd
// linked, and the npm tessdata_best model as vie_best, which loads.
func TestDefaultModelInstalled(t *testing.T) {
	p, err := NewPool(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if os.Getenv(TessdataEnv) != "" {
		t.Fatalf("unset %s to test the default", TessdataEnv)
	}
	if p.cfg.TessdataPrefix != ProjectTessdata() {
		t.Fatalf("default tessdata = %q, want %q: run scripts/tessdata.sh", p.cfg.TessdataPrefix, ProjectTessdata())
	}
	for _, f := range []string{"vie.traineddata", "vie_best.traineddata", "osd.traineddata", "VERSION"} {
		if _, err := os.Stat(filepath.Join(ProjectTessdata(), f)); err != nil {
			t.Errorf("%s: %v (run scripts/tessdata.sh)", f, err)
		}
	}
	best, err := NewPool(Config{Workers: 1, Languages: []string{"vie_best"}})
	if err != nil {
		t.Fatalf("vie_best: %v", err)
	}
	best.Close()
}

// lineRecorder is a LineCorrector that upper-cases words and records the
// lines it was given.
type lineRecorder struct{ lines [][]string }

func (r *lineRecorder) CorrectWord(w string) string { return "word:" + w }
func (r *lineRecorder) CorrectLine(ws []string) []string {
	r.lines = append(r.lines, slices.Clone(ws))
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = strings.ToUpper(w)
	}
	return out
}

type wordOnly struct{}

func (wordOnly) CorrectWord(w string) string { return "word:" + w }

func TestCorrectByLine(t *testing.T) {
	mk := func() []Word {
		return []Word{
			{Text: "a", Block: 1, Par: 1, Line: 1}, {Text: "b", Block: 1, Par: 1, Line: 1},
			{Text: "c", Block: 1, Par: 1, Line: 2},
			{Text: "d", Block: 1, Par: 2, Line: 1}, {Text: "e", Block: 2, Par: 1, Line: 1},
		}
	}
	r := &lineRecorder{}
	ws := mk()
	correct(r, ws)
	want := [][]string{{"a", "b"}, {"c"}, {"d"}, {"e"}}
	if !reflect.DeepEqual(r.lines, want) {
		t.Errorf("lines = %q, want %q", r.lines, want)
	}
	if ws[0].Text != "A" || ws[4].Text != "E" {
		t.Errorf("corrections not applied: %+v", ws)
	}
	ws = mk()
	correct(wordOnly{}, ws)
	if ws[2].Text != "word:c" {
		t.Errorf("word corrector: %q", ws[2].Text)
	}
	ws = mk()
	correct(nil, ws)
	if ws[1].Text != "b" {
		t.Errorf("nil corrector changed %q", ws[1].Text)
	}
}

func TestSplitColumns(t *testing.T) {
	w := func(x0, x1, line, par int) Word {
		return Word{Box: image.Rect(x0, 100, x1, 130), Block: 1, Par: par, Line: line}
	}
	words := []Word{
		w(100, 200, 1, 1), w(220, 300, 1, 1), // left column
		w(900, 1000, 1, 1), w(1020, 1100, 1, 1), // right column, joined to the same line
		w(100, 200, 2, 1), w(250, 300, 2, 1), // next line: a wide space, not a column gap
		w(100, 200, 1, 2), w(700, 800, 1, 2), // next paragraph
	}
	splitColumns(words)
	var got []int
	for _, x := range words {
		got = append(got, x.Line)
	}
	if want := []int{1, 1, 2, 2, 3, 3, 1, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines = %v, want %v", got, want)
	}
}
