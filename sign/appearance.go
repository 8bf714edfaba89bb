package sign

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/tdewolff/font"
	"golang.org/x/text/unicode/norm"
)

// DefaultFontFile is the TrueType font of visible signatures: Liberation Sans from Debian's
// fonts-liberation2, which has every Vietnamese letter as a precomposed glyph.
const DefaultFontFile = "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"

// VietnamTime is the time zone of the stamp's "Thời gian ký" (UTC+07:00, no daylight saving).
var VietnamTime = time.FixedZone("ICT", 7*3600)

// Appearance makes a signature visible: a stamp on a page reading "Người ký" (Options.Name,
// else the certificate's common name), "Cơ quan" (Organisation, else the certificate's
// organisation), "Thời gian ký" (Options.Time in UTC+07:00) and "Lý do" (Options.Reason), in a
// subset of a TrueType font embedded as a Type0/CIDFontType2 font with a ToUnicode map.
type Appearance struct {
	Page int // 1-based page number; 0 = the last page

	// Rect is the stamp's [llx lly urx ury] in the page's default user space (points). Zero:
	// 200×70 pt in the bottom-right corner of the crop box, 28 pt from its edges, moved up
	// above any earlier signature stamp there.
	Rect [4]float64

	Organisation string // "Cơ quan"
	FontFile     string // TrueType font with the Vietnamese glyphs; "" = DefaultFontFile
}

const (
	stampWidth, stampHeight, stampMargin = 200.0, 70.0, 28.0
)

// stampFont is a parsed TrueType font; Subset is not documented as safe for concurrent use.
type stampFont struct {
	mu       sync.Mutex
	sfnt     *font.SFNT
	psName   string
	unitsPer float64
}

var (
	fontsMu sync.Mutex
	fonts   = map[string]*stampFont{}
)

// loadStampFont parses a TrueType font file once per process.
func loadStampFont(path string) (*stampFont, error) {
	fontsMu.Lock()
	defer fontsMu.Unlock()
	if f, ok := fonts[path]; ok {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("phông chữ cho chữ ký hiển thị / font for the visible signature (Debian: fonts-liberation2): %w", err)
	}
	sf, err := font.ParseSFNT(b, 0)
	if err != nil {
		return nil, fmt.Errorf("phông chữ / font %s: %w", path, err)
	}
	if !sf.IsTrueType || sf.Head == nil || sf.Head.UnitsPerEm == 0 {
		return nil, fmt.Errorf("phông chữ không phải TrueType / %s is not a TrueType (glyf) font", path)
	}
	f := &stampFont{sfnt: sf, unitsPer: float64(sf.Head.UnitsPerEm)}
	if sf.Name != nil {
		if recs := sf.Name.Get(font.NamePostScript); len(recs) > 0 {
			f.psName = pdfNameSafe(recs[0].String())
		}
	}
	if f.psName == "" {
		f.psName = pdfNameSafe(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	}
	fonts[path] = f
	return f, nil
}

// pdfNameSafe keeps the characters a PostScript font name may use in a PDF name.
func pdfNameSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f && !strings.ContainsRune("()<>[]{}/%#", r) {
			return r
		}
		return -1
	}, s)
}

// stampText is the text of the stamp, set in one font: glyphs are numbered in the subset
// (CID = new glyph ID), runes remembered for ToUnicode.
type stampText struct {
	f      *stampFont
	gids   []uint16       // original glyph IDs in subset order; gids[0] = .notdef
	index  map[uint16]int // original glyph ID -> CID
	runes  []rune         // runes[cid]
	widths []float64      // widths[cid] in 1/1000 em
}

func newStampText(f *stampFont) *stampText {
	return &stampText{f: f, gids: []uint16{0}, index: map[uint16]int{0: 0}, runes: []rune{0}, widths: []float64{f.advance(0)}}
}

func (f *stampFont) advance(gid uint16) float64 {
	return float64(f.sfnt.GlyphAdvance(gid)) * 1000 / f.unitsPer
}

// encode returns the CIDs of s (NFC; characters the font lacks become '?') and its width in
// 1/1000 em.
func (t *stampText) encode(s string) ([]int, float64) {
	var cids []int
	w := 0.0
	for _, r := range norm.NFC.String(s) {
		if !unicode.IsPrint(r) {
			r = ' '
		}
		gid := t.f.sfnt.GlyphIndex(r)
		if gid == 0 {
			r, gid = '?', t.f.sfnt.GlyphIndex('?')
		}
		cid, ok := t.index[gid]
		if !ok {
			cid = len(t.gids)
			t.index[gid] = cid
			t.gids = append(t.gids, gid)
			t.runes = append(t.runes, r)
			t.widths = append(t.widths, t.f.advance(gid))
		}
		cids = append(cids, cid)
		w += t.widths[cid]
	}
	return cids, w
}

// subset returns the font program holding the used glyphs, renumbered as CIDs.
func (t *stampText) subset() ([]byte, error) {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	// Subset writes the subset's glyph count, loca format and metrics count into the parsed
	// font's maxp, head and hhea structs (it copies pointers, not structs): put them back.
	sf := t.f.sfnt
	numGlyphs, locFormat, numHMetrics := sf.Maxp.NumGlyphs, sf.Head.IndexToLocFormat, sf.Hhea.NumberOfHMetrics
	defer func() {
		sf.Maxp.NumGlyphs, sf.Head.IndexToLocFormat, sf.Hhea.NumberOfHMetrics = numGlyphs, locFormat, numHMetrics
	}()
	sub, err := sf.Subset(append([]uint16(nil), t.gids...), font.SubsetOptions{Tables: font.KeepPDFTables})
	if err != nil {
		return nil, fmt.Errorf("tách phông chữ / subset font: %w", err)
	}
	return sub.Write(), nil
}

// stampLines is the stamp's text, in Vietnamese.
func stampLines(name, org, reason string, t time.Time) []string {
	lines := []string{"Người ký: " + name}
	if org != "" {
		lines = append(lines, "Cơ quan: "+org)
	}
	lines = append(lines, "Thời gian ký: "+t.In(VietnamTime).Format("02/01/2006 15:04:05 -07:00"))
	if reason != "" {
		lines = append(lines, "Lý do: "+reason)
	}
	return lines
}

// stamp is a laid-out appearance, ready to be written into an update.
type stamp struct {
	rect [4]float64
	text *stampText
	ops  []byte // content stream of the form XObject, /F1 being the font
}

// layoutStamp sets the lines in the largest font size (at most 10 pt) at which they fit w×h.
func layoutStamp(f *stampFont, lines []string, rect [4]float64) *stamp {
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	t := newStampText(f)
	const pad, lead = 4.0, 1.25
	cids := make([][]int, len(lines))
	widest := 0.0
	for i, l := range lines {
		var lw float64
		cids[i], lw = t.encode(l)
		widest = max(widest, lw)
	}
	size := min(10, (h-2*pad)/(float64(len(lines))*lead))
	if widest > 0 {
		size = min(size, (w-2*pad)*1000/widest)
	}
	size = max(size, 1)

	var b bytes.Buffer
	fmt.Fprintf(&b, "q 0.97 0.97 1 rg 0.1 0.2 0.6 RG 1 w 0.5 0.5 %s %s re B Q\n", num(w-1), num(h-1))
	// First baseline: the block (ascent 0.9, descent 0.21 em) centred vertically.
	y0 := h/2 - (0.69*size-float64(len(lines)-1)*size*lead)/2
	fmt.Fprintf(&b, "BT 0 0 0.35 rg /F1 %s Tf %s TL %s %s Td\n", num(size), num(size*lead), num(pad+1), num(y0))
	for i, c := range cids {
		if i > 0 {
			b.WriteString("T* ")
		}
		b.WriteByte('<')
		for _, cid := range c {
			fmt.Fprintf(&b, "%04X", cid)
		}
		b.WriteString("> Tj\n")
	}
	b.WriteString("ET\n")
	return &stamp{rect: rect, text: t, ops: b.Bytes()}
}

// num formats a coordinate for a content stream.
func num(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// defaultStampRect places a stamp in the bottom-right corner of box, above the taken rects it
// would overlap.
func defaultStampRect(box [4]float64, taken [][4]float64) [4]float64 {
	r := [4]float64{box[2] - stampMargin - stampWidth, box[1] + stampMargin, box[2] - stampMargin, box[1] + stampMargin + stampHeight}
	for range 32 {
		moved := false
		for _, o := range taken {
			if r[0] < o[2] && o[0] < r[2] && r[1] < o[3] && o[1] < r[3] {
				dy := o[3] + 6 - r[1]
				r[1], r[3] = r[1]+dy, r[3]+dy
				moved = true
			}
		}
		if !moved || r[3] > box[3] {
			break
		}
	}
	return r
}

// writeStamp writes the appearance's form XObject and its font into w; it returns the
// XObject's object number.
func (w *updateWriter) writeStamp(s *stamp) (int, error) {
	prog, err := s.text.subset()
	if err != nil {
		return 0, err
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(prog)
	if err := zw.Close(); err != nil {
		return 0, err
	}
	// The subset's tag: six capital letters from its glyphs (ISO 32000-1 9.6.4).
	sum := sha256.Sum256([]byte(string(s.text.runes)))
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base := string(tag) + "+" + s.text.f.psName

	ff := w.stream(fmt.Sprintf("/Filter /FlateDecode /Length1 %d ", len(prog)), z.Bytes())
	sf, scale := s.text.f.sfnt, 1000/s.text.f.unitsPer
	sc := func(v int16) string { return num(math.Round(float64(v) * scale)) }
	ascent, descent, capH := sf.Hhea.Ascender, sf.Hhea.Descender, int16(0)
	if sf.OS2 != nil {
		capH = sf.OS2.SCapHeight
	}
	if capH == 0 {
		capH = ascent * 7 / 10
	}
	fd := w.alloc()
	w.object(fd, 0, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%s %s %s %s] /ItalicAngle 0 /Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>",
		base, sc(sf.Head.XMin), sc(sf.Head.YMin), sc(sf.Head.XMax), sc(sf.Head.YMax), sc(ascent), sc(descent), sc(capH), ff))

	var widths strings.Builder
	for _, wd := range s.text.widths {
		widths.WriteString(" " + num(math.Round(wd)))
	}
	cid := w.alloc()
	w.object(cid, 0, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 /W [0 [%s ]] /CIDToGIDMap /Identity >>",
		base, fd, widths.String()))
	tu := w.stream("", toUnicodeCMap(s.text.runes))
	t0 := w.alloc()
	w.object(t0, 0, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", base, cid, tu))

	bw, bh := s.rect[2]-s.rect[0], s.rect[3]-s.rect[1]
	xo := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R >> /ProcSet [/PDF /Text] >> ", num(bw), num(bh), t0), s.ops)
	return xo, nil
}

// toUnicodeCMap maps each CID (runes' index, from 1) to its character.
func toUnicodeCMap(runes []rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 1; i < len(runes); i += 100 {
		j := min(i+100, len(runes))
		fmt.Fprintf(&b, "%d beginbfchar\n", j-i)
		for cid := i; cid < j; cid++ {
			fmt.Fprintf(&b, "<%04X> <", cid)
			for _, u := range utf16.Encode([]rune{runes[cid]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// checkRect validates a caller's stamp rectangle.
func checkRect(r [4]float64) error {
	for _, v := range r {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("khung chữ ký không hợp lệ / invalid appearance rectangle")
		}
	}
	if r[2]-r[0] < 20 || r[3]-r[1] < 10 {
		return fmt.Errorf("khung chữ ký quá nhỏ / appearance rectangle %v too small (at least 20×10 pt, [llx lly urx ury])", r)
	}
	return nil
}
