package alto

import (
	"bytes"
	"encoding/xml"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/ocr"
)

// parsed is ALTO read back generically: element names with attributes.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) walk(f func(path string, n node)) { n.walkFrom("", f) }

func (n node) walkFrom(parent string, f func(string, node)) {
	p := parent + "/" + n.XMLName.Local
	f(p, n)
	for _, c := range n.Children {
		c.walkFrom(p, f)
	}
}

func testPage() *ocr.Page {
	w := func(text string, x0, y0, x1, y1 int, conf float64, b, p, l int) ocr.Word {
		return ocr.Word{Text: text, Box: image.Rect(x0, y0, x1, y1), Conf: conf, Block: b, Par: p, Line: l}
	}
	return &ocr.Page{Width: 1654, Height: 2339, MeanConf: 90, Words: []ocr.Word{
		w("ỦY", 300, 180, 360, 210, 96, 1, 1, 1), w("BAN", 370, 180, 440, 210, 95, 1, 1, 1),
		w("Số:", 300, 260, 350, 290, 93, 1, 1, 2), w("123/QĐ-UBND", 360, 260, 560, 290, 91, 1, 1, 2),
		w("Hà", 820, 260, 860, 290, 97, 2, 1, 1), w("Nội,", 870, 260, 930, 295, 96, 2, 1, 1),
		w(`"A&B"<x>`, 240, 600, 400, 630, 40.5, 3, 2, 1),
	}}
}

func TestMarshal(t *testing.T) {
	p := testPage()
	b, err := Marshal(p, Source{FileName: "pages/abc.png", PageNr: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Well-formed for a tool the project did not write.
	f := filepath.Join(t.TempDir(), "p.xml")
	os.WriteFile(f, b, 0o644)
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Fatal("xmllint not found: apt-get install libxml2-utils")
	}
	if out, err := exec.Command("xmllint", "--noout", f).CombinedOutput(); err != nil {
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
	var root node
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatal(err)
	}
	if root.XMLName.Space != Namespace || root.XMLName.Local != "alto" {
		t.Fatalf("root %v", root.XMLName)
	}
	// The ALTO structure: element paths in document order, ids unique,
	// required attributes present, words back in order with their boxes.
	ids := map[string]bool{}
	var words []string
	var strs []node
	counts := map[string]int{}
	root.walk(func(path string, n node) {
		counts[path]++
		if id := n.attr("ID"); id != "" {
			if ids[id] {
				t.Errorf("duplicate ID %s", id)
			}
			ids[id] = true
		}
		switch path {
		case "/alto/Layout/Page/PrintSpace/TextBlock/TextLine/String":
			words = append(words, n.attr("CONTENT"))
			strs = append(strs, n)
		case "/alto/Layout/Page":
			if n.attr("ID") != "P3" || n.attr("PHYSICAL_IMG_NR") != "3" || n.attr("WIDTH") != "1654" || n.attr("HEIGHT") != "2339" || n.attr("PC") != "0.90" {
				t.Errorf("Page attributes %v", n.Attrs)
			}
		}
		if strings.HasSuffix(path, "/TextBlock") || strings.HasSuffix(path, "/TextLine") || strings.HasSuffix(path, "/String") {
			for _, a := range []string{"ID", "HPOS", "VPOS", "WIDTH", "HEIGHT"} {
				if n.attr(a) == "" {
					t.Errorf("%s lacks %s", path, a)
				}
			}
		}
	})
	for path, want := range map[string]int{
		"/alto/Description/MeasurementUnit":                            1,
		"/alto/Description/sourceImageInformation/fileName":            1,
		"/alto/Description/Processing/processingSoftware/softwareName": 1,
		"/alto/Layout/Page/PrintSpace":                                 1,
		"/alto/Layout/Page/PrintSpace/TextBlock":                       3,
		"/alto/Layout/Page/PrintSpace/TextBlock/TextLine":              4,
		"/alto/Layout/Page/PrintSpace/TextBlock/TextLine/String":       7,
		"/alto/Layout/Page/PrintSpace/TextBlock/TextLine/SP":           3,
	} {
		if counts[path] != want {
			t.Errorf("%d × %s, want %d", counts[path], path, want)
		}
	}
	var want []string
	for _, w := range p.Words {
		want = append(want, w.Text)
	}
	if strings.Join(words, "|") != strings.Join(want, "|") {
		t.Errorf("words %q, want %q", words, want)
	}
	if s := strs[3]; s.attr("HPOS") != "360" || s.attr("VPOS") != "260" || s.attr("WIDTH") != "200" || s.attr("HEIGHT") != "30" || s.attr("WC") != "0.91" {
		t.Errorf("String %v", s.Attrs)
	}
	if strs[6].attr("WC") != "0.41" {
		t.Errorf("WC of conf 40.5 = %s", strs[6].attr("WC"))
	}
	if !bytes.Contains(b, []byte("<MeasurementUnit>pixel</MeasurementUnit>")) || !bytes.Contains(b, []byte("pages/abc.png")) {
		t.Errorf("description:\n%s", b)
	}
}

func TestEmptyAndNil(t *testing.T) {
	b, err := Marshal(&ocr.Page{Width: 10, Height: 20}, Source{})
	if err != nil {
		t.Fatal(err)
	}
	var root node
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !bytes.Contains(b, []byte(`PHYSICAL_IMG_NR="1"`)) || bytes.Contains(b, []byte("TextBlock")) {
		t.Errorf("empty page:\n%s", b)
	}
	if err := Write(&bytes.Buffer{}, nil, Source{}); err == nil {
		t.Error("nil page accepted")
	}
}
