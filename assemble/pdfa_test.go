package assemble

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// xmpDoc is the part of the XMP packet the test reads.
type xmpDoc struct {
	Desc struct {
		Title       altLi  `xml:"http://purl.org/dc/elements/1.1/ title"`
		Creator     seqLi  `xml:"http://purl.org/dc/elements/1.1/ creator"`
		Description altLi  `xml:"http://purl.org/dc/elements/1.1/ description"`
		Date        seqLi  `xml:"http://purl.org/dc/elements/1.1/ date"`
		Identifier  string `xml:"http://purl.org/dc/elements/1.1/ identifier"`
		CreateDate  string `xml:"http://ns.adobe.com/xap/1.0/ CreateDate"`
		ModifyDate  string `xml:"http://ns.adobe.com/xap/1.0/ ModifyDate"`
		Producer    string `xml:"http://ns.adobe.com/pdf/1.3/ Producer"`
		Part        string `xml:"http://www.aiim.org/pdfa/ns/id/ part"`
		Conformance string `xml:"http://www.aiim.org/pdfa/ns/id/ conformance"`
	} `xml:"RDF>Description"`
}

type altLi struct {
	Li string `xml:"Alt>li"`
}

type seqLi struct {
	Li string `xml:"Seq>li"`
}

// TestPDFA checks the structures ISO 19005-2 (PDF/A-2b) requires, reading
// the file with pdfcpu and poppler: XMP metadata with the PDF/A
// identification, agreeing with the Info dictionary; an output intent
// with an embedded RGB ICC profile; a document ID; no encryption; no
// transparency; an embedded font whose widths agree with its program.
func TestPDFA(t *testing.T) {
	path, _ := writeTestPDF(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := api.ReadContextFile(path)
	if err != nil {
		t.Fatalf("pdfcpu read: %v", err)
	}
	xt := ctx.XRefTable
	if xt.Encrypt != nil {
		t.Error("file is encrypted")
	}
	if len(xt.ID) != 2 {
		t.Errorf("trailer ID = %v, want two strings", xt.ID)
	}
	if !bytes.HasPrefix(data, []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")) {
		t.Errorf("header %q: want %%PDF-1.7 and a binary comment", data[:20])
	}
	// No transparency groups, soft masks or constant alpha; no JavaScript.
	for _, bad := range []string{"/SMask", "/Group", "/CA ", "/ca ", "/JavaScript", "/Encrypt", "/Interpolate true"} {
		if bytes.Contains(data, []byte(bad)) {
			t.Errorf("file contains %s", bad)
		}
	}
	cat, err := xt.Catalog()
	if err != nil {
		t.Fatal(err)
	}

	// Output intent with an embedded ICC profile.
	ois, ok := cat["OutputIntents"].(types.Array)
	if !ok || len(ois) != 1 {
		t.Fatalf("OutputIntents = %v", cat["OutputIntents"])
	}
	oi, err := xt.DereferenceDict(ois[0])
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := oi["S"].(types.Name); s != "GTS_PDFA1" {
		t.Errorf("output intent /S = %v, want GTS_PDFA1", oi["S"])
	}
	icc, _, err := xt.DereferenceStreamDict(oi["DestOutputProfile"])
	if err != nil || icc == nil {
		t.Fatalf("DestOutputProfile: %v", err)
	}
	if err := icc.Decode(); err != nil {
		t.Fatal(err)
	}
	prof := icc.Content
	if len(prof) < 128 || string(prof[36:40]) != "acsp" || string(prof[16:20]) != "RGB " || prof[8] > 4 {
		t.Errorf("DestOutputProfile is not an ICC v2–v4 RGB profile")
	}
	if n := icc.IntEntry("N"); n == nil || *n != 3 {
		t.Errorf("ICC stream /N = %v, want 3", n)
	}

	// XMP: unfiltered, well-formed, PDF/A-2B, agreeing with Info.
	md, _, err := xt.DereferenceStreamDict(cat["Metadata"])
	if err != nil || md == nil {
		t.Fatalf("catalog /Metadata: %v", err)
	}
	if _, ok := md.Dict["Filter"]; ok {
		t.Error("metadata stream is filtered")
	}
	if err := md.Decode(); err != nil {
		t.Fatal(err)
	}
	packet := md.Content
	xmlFile := filepath.Join(t.TempDir(), "xmp.xml")
	os.WriteFile(xmlFile, packet, 0o644)
	if out, err := exec.Command("xmllint", "--noout", xmlFile).CombinedOutput(); err != nil {
		t.Errorf("xmllint (apt-get install libxml2-utils): %v\n%s", err, out)
	}
	var x xmpDoc
	if err := xml.Unmarshal(packet, &x); err != nil {
		t.Fatalf("XMP: %v\n%s", err, packet)
	}
	d := x.Desc
	want := xmpDoc{}.Desc
	want.Title.Li, want.Creator.Li = "Quyết định 123/QĐ-UBND", "ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ"
	want.Description.Li, want.Date.Li, want.Identifier = "Về việc cấp giấy chứng nhận <đất> & nhà", "2026-06-04", "123/QĐ-UBND"
	want.CreateDate, want.ModifyDate, want.Producer = "2026-06-05T10:30:00+07:00", "2026-06-05T10:30:00+07:00", "sohoa"
	want.Part, want.Conformance = "2", "B"
	if d != want {
		t.Errorf("XMP =\n%+v\nwant\n%+v", d, want)
	}

	// The Info dictionary says the same, as poppler reads it.
	out := run(t, "pdfinfo", "-isodates", path)
	for _, w := range []string{"Title:           " + want.Title.Li, "Author:          " + want.Creator.Li,
		"Subject:         " + want.Description.Li, "Producer:        sohoa", "CreationDate:    2026-06-05T10:30:00+07",
		"ModDate:         2026-06-05T10:30:00+07", "Encrypted:       no"} {
		if !strings.Contains(out, w) {
			t.Errorf("pdfinfo lacks %q:\n%s", w, out)
		}
	}
	// pdfinfo reads the XMP too.
	if out := run(t, "pdfinfo", "-meta", path); !strings.Contains(out, "<pdfaid:part>2</pdfaid:part>") {
		t.Errorf("pdfinfo -meta:\n%s", out)
	}

	// The glyphless font: its /DW and the advance of every glyph of the
	// program agree (6.2.11.5), and every CID maps to glyph 1, not .notdef.
	if !regexp.MustCompile(`/DW 500/CIDToGIDMap \d+ 0 R`).Match(data) {
		t.Error("CIDFont lacks /DW 500 and a CIDToGIDMap stream")
	}
	font := glyphlessFont()
	if hmtx := tableOf(t, font, "hmtx"); !bytes.Equal(hmtx, []byte{0x01, 0xF4, 0, 0, 0x01, 0xF4, 0, 0}) {
		t.Errorf("hmtx = %x, want both advances 500", hmtx)
	}
	m := inflate(t, cidToGIDMapData(t, data))
	for i := 0; i < len(m); i += 2 {
		if m[i] != 0 || m[i+1] != 1 {
			t.Fatalf("CID %d maps to glyph %d", i/2, int(m[i])<<8|int(m[i+1]))
		}
	}

	// The same input gives the same file, ID included.
	path2, _ := writeTestPDF(t)
	data2, _ := os.ReadFile(path2)
	if !bytes.Equal(data, data2) {
		t.Error("two writes of the same document differ")
	}
}

// tableOf returns a TrueType table's data.
func tableOf(t *testing.T, font []byte, tag string) []byte {
	t.Helper()
	n := int(font[4])<<8 | int(font[5])
	for i := 0; i < n; i++ {
		e := font[12+16*i:]
		if string(e[:4]) == tag {
			off := int(e[8])<<24 | int(e[9])<<16 | int(e[10])<<8 | int(e[11])
			l := int(e[12])<<24 | int(e[13])<<16 | int(e[14])<<8 | int(e[15])
			return font[off : off+l]
		}
	}
	t.Fatalf("no %s table", tag)
	return nil
}

// cidToGIDMapData returns the raw data of the CIDToGIDMap stream.
func cidToGIDMapData(t *testing.T, pdf []byte) []byte {
	t.Helper()
	m := regexp.MustCompile(`/CIDToGIDMap (\d+) 0 R`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no CIDToGIDMap")
	}
	re := regexp.MustCompile(`(?s)\n` + string(m[1]) + ` 0 obj\n<<[^>]*/Length (\d+)>>\nstream\n`)
	loc := re.FindSubmatchIndex(pdf)
	if loc == nil {
		t.Fatal("CIDToGIDMap object not found")
	}
	var n int
	for _, c := range pdf[loc[2]:loc[3]] {
		n = 10*n + int(c-'0')
	}
	return pdf[loc[1] : loc[1]+n]
}

func TestBadDate(t *testing.T) {
	img, _ := renderPage(t, []string{"Hà Nội"}, 200, 100, 72)
	pg := Page{Image: encode(t, img, "png"), Format: "png"}
	err := WritePages(&bytes.Buffer{}, Info{Date: "05/06/2026", Created: time.Now()}, []Page{pg})
	if err == nil || !strings.Contains(err.Error(), "bad date of issue") {
		t.Errorf("err = %v", err)
	}
}
