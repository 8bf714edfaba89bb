// Package alto writes OCR results as ALTO v4 XML (Analyzed Layout and
// Text Object, Library of Congress), the per-page text-and-layout record
// archives keep beside the page images: every word with its box in image
// pixels and its confidence, grouped in lines and blocks.
package alto

import (
	"encoding/xml"
	"fmt"
	"image"
	"io"
	"math"

	"github.com/sohoa-vn/sohoa/ocr"
)

// Namespace and schema of ALTO 4.4.
const (
	Namespace      = "http://www.loc.gov/standards/alto/ns-v4#"
	SchemaLocation = Namespace + " http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"
)

// Source describes where a page came from.
type Source struct {
	FileName string // image file name or storage key
	PageNr   int    // physical page number, from 1; default 1
	Software string // default "sohoa"
	Version  string // software version, optional
	Lang     string // language of the text; default "vi"
}

type document struct {
	XMLName        xml.Name    `xml:"alto"`
	Xmlns          string      `xml:"xmlns,attr"`
	XSI            string      `xml:"xmlns:xsi,attr"`
	SchemaLocation string      `xml:"xsi:schemaLocation,attr"`
	Description    description `xml:"Description"`
	Page           page        `xml:"Layout>Page"`
}

type description struct {
	MeasurementUnit string `xml:"MeasurementUnit"`
	FileName        string `xml:"sourceImageInformation>fileName"`
	Processing      struct {
		ID      string `xml:"ID,attr"`
		Name    string `xml:"processingSoftware>softwareName"`
		Version string `xml:"processingSoftware>softwareVersion,omitempty"`
	} `xml:"Processing"`
}

type box struct {
	HPOS   int `xml:"HPOS,attr"`
	VPOS   int `xml:"VPOS,attr"`
	WIDTH  int `xml:"WIDTH,attr"`
	HEIGHT int `xml:"HEIGHT,attr"`
}

func boxOf(r image.Rectangle) box { return box{r.Min.X, r.Min.Y, r.Dx(), r.Dy()} }

type page struct {
	ID            string     `xml:"ID,attr"`
	PhysicalImgNr int        `xml:"PHYSICAL_IMG_NR,attr"`
	Width         int        `xml:"WIDTH,attr"`
	Height        int        `xml:"HEIGHT,attr"`
	PC            string     `xml:"PC,attr,omitempty"`
	PrintSpace    printSpace `xml:"PrintSpace"`
}

type printSpace struct {
	box
	Blocks []textBlock `xml:"TextBlock"`
}

type textBlock struct {
	ID string `xml:"ID,attr"`
	box
	Lang  string     `xml:"LANG,attr,omitempty"`
	Lines []textLine `xml:"TextLine"`
}

type textLine struct {
	ID string `xml:"ID,attr"`
	box
	Items []any
}

type str struct {
	XMLName xml.Name `xml:"String"`
	ID      string   `xml:"ID,attr"`
	Content string   `xml:"CONTENT,attr"`
	box
	WC string `xml:"WC,attr"`
}

type sp struct {
	XMLName xml.Name `xml:"SP"`
	Width   int      `xml:"WIDTH,attr"`
	HPOS    int      `xml:"HPOS,attr"`
	VPOS    int      `xml:"VPOS,attr"`
}

// Write writes p as an ALTO v4 document: one TextBlock per OCR paragraph,
// one TextLine per line, a String per word (WC: its confidence, 0–1) and
// an SP between words. Positions are in the pixels of the OCR'd image.
func Write(w io.Writer, p *ocr.Page, src Source) error {
	if p == nil {
		return fmt.Errorf("alto: no page")
	}
	b, err := Marshal(p, src)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("alto: write: %w", err)
	}
	return nil
}

// Marshal returns the ALTO v4 document of p (see Write).
func Marshal(p *ocr.Page, src Source) ([]byte, error) {
	if src.PageNr <= 0 {
		src.PageNr = 1
	}
	if src.Software == "" {
		src.Software = "sohoa"
	}
	if src.Lang == "" {
		src.Lang = "vi"
	}
	d := document{Xmlns: Namespace, XSI: "http://www.w3.org/2001/XMLSchema-instance", SchemaLocation: SchemaLocation}
	d.Description.MeasurementUnit = "pixel"
	d.Description.FileName = src.FileName
	d.Description.Processing.ID = "OCR_1"
	d.Description.Processing.Name = src.Software
	d.Description.Processing.Version = src.Version
	pg := page{ID: fmt.Sprintf("P%d", src.PageNr), PhysicalImgNr: src.PageNr, Width: p.Width, Height: p.Height}
	if len(p.Words) > 0 {
		pg.PC = conf(p.MeanConf)
	}
	var all image.Rectangle
	type key struct{ b, p int }
	var bk key
	var blk *textBlock
	var ln *textLine
	var lineNo int
	var blkBox, lnBox image.Rectangle
	flushLine := func() {
		if ln != nil {
			ln.box = boxOf(lnBox)
			blk.Lines = append(blk.Lines, *ln)
			ln = nil
		}
	}
	flushBlock := func() {
		flushLine()
		if blk != nil {
			blk.box = boxOf(blkBox)
			pg.PrintSpace.Blocks = append(pg.PrintSpace.Blocks, *blk)
			blk = nil
		}
	}
	var prev ocr.Word
	for i, w := range p.Words {
		k := key{w.Block, w.Par}
		if blk == nil || k != bk {
			flushBlock()
			bk = k
			blk = &textBlock{ID: fmt.Sprintf("B%d_%d", w.Block, w.Par), Lang: src.Lang}
			blkBox = w.Box
		}
		if ln == nil || w.Line != lineNo {
			flushLine()
			lineNo = w.Line
			ln = &textLine{ID: fmt.Sprintf("L%d_%d_%d", w.Block, w.Par, w.Line)}
			lnBox = w.Box
		} else {
			// A space between this word and the previous one of the line.
			ln.Items = append(ln.Items, sp{Width: max(0, w.Box.Min.X-prev.Box.Max.X), HPOS: prev.Box.Max.X, VPOS: prev.Box.Min.Y})
		}
		ln.Items = append(ln.Items, str{ID: fmt.Sprintf("W%d", i+1), Content: w.Text, box: boxOf(w.Box), WC: conf(w.Conf)})
		lnBox, blkBox = lnBox.Union(w.Box), blkBox.Union(w.Box)
		all = all.Union(w.Box)
		prev = w
	}
	flushBlock()
	pg.PrintSpace.box = boxOf(all)
	d.Page = pg
	out, err := xml.MarshalIndent(d, "", " ")
	if err != nil {
		return nil, fmt.Errorf("alto: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// conf formats a 0–100 confidence as ALTO's 0–1 with two decimals.
func conf(c float64) string {
	return fmt.Sprintf("%.2f", math.Max(0, math.Min(1, c/100)))
}
