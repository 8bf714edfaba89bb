package stamp

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf16"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// DefaultFontFile is Liberation Serif (Debian: fonts-liberation2), metric
// compatible with Times New Roman and carrying the Vietnamese glyphs.
const DefaultFontFile = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

// ttFont is a TrueType font embedded whole as a Type0 font with
// Identity-H encoding: the codes in content streams are glyph ids.
type ttFont struct {
	data  []byte
	f     *sfnt.Font
	upem  int
	buf   sfnt.Buffer
	used  map[sfnt.GlyphIndex]rune // glyphs shown, with the character each stands for
	width map[sfnt.GlyphIndex]int  // advance in 1/1000 em
}

func loadFont(path string) (*ttFont, error) {
	if path == "" {
		path = DefaultFontFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("phông chữ / font (Debian: fonts-liberation2): %w", err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	return &ttFont{data: data, f: f, upem: int(f.UnitsPerEm()), used: map[sfnt.GlyphIndex]rune{}, width: map[sfnt.GlyphIndex]int{}}, nil
}

// encode returns the hex string of s's glyph ids and its width in 1/1000
// em, recording the glyphs used; a character the font lacks is an error.
func (t *ttFont) encode(s string) (string, int, error) {
	var hex strings.Builder
	total := 0
	for _, r := range s {
		gid, err := t.f.GlyphIndex(&t.buf, r)
		if err != nil || gid == 0 {
			return "", 0, fmt.Errorf("phông chữ thiếu ký tự %q / the font has no glyph for %q", r, r)
		}
		w, ok := t.width[gid]
		if !ok {
			adv, err := t.f.GlyphAdvance(&t.buf, gid, fixed.I(t.upem), font.HintingNone)
			if err != nil {
				return "", 0, err
			}
			w = adv.Round() * 1000 / t.upem
			t.width[gid] = w
		}
		if _, ok := t.used[gid]; !ok {
			t.used[gid] = r
		}
		total += w
		fmt.Fprintf(&hex, "%04X", uint16(gid))
	}
	return "<" + hex.String() + ">", total, nil
}

// objects returns the font's objects: the Type0 dictionary (first), the
// CIDFontType2, its descriptor, the font program and the ToUnicode map,
// numbered from first.
func (t *ttFont) objects(first int) ([]pdfObject, error) {
	type0, cid, desc, file, toUni := first, first+1, first+2, first+3, first+4
	var prog bytes.Buffer
	zw := zlib.NewWriter(&prog)
	zw.Write(t.data)
	zw.Close()

	gids := make([]sfnt.GlyphIndex, 0, len(t.used))
	for g := range t.used {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	var w strings.Builder
	for _, g := range gids {
		fmt.Fprintf(&w, "%d [%d] ", g, t.width[g])
	}
	// ToUnicode: hand-written CMap (no Go library writes one).
	var cm strings.Builder
	cm.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for chunk := range slices.Chunk(gids, 100) {
		fmt.Fprintf(&cm, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&cm, "<%04X> <", uint16(g))
			for _, u := range utf16.Encode([]rune{t.used[g]}) {
				fmt.Fprintf(&cm, "%04X", u)
			}
			cm.WriteString(">\n")
		}
		cm.WriteString("endbfchar\n")
	}
	cm.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")

	name := "LiberationSerif"
	if n, err := t.f.Name(&t.buf, sfnt.NameIDPostScript); err == nil && n != "" {
		name = n
	}
	var m font.Metrics
	m, err := t.f.Metrics(&t.buf, fixed.I(t.upem), font.HintingNone)
	if err != nil {
		return nil, err
	}
	bounds, err := t.f.Bounds(&t.buf, fixed.I(t.upem), font.HintingNone)
	if err != nil {
		return nil, err
	}
	k := func(v fixed.Int26_6) int { return v.Round() * 1000 / t.upem }
	return []pdfObject{
		{num: type0, body: fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", name, cid, toUni)},
		{num: cid, body: fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /CIDToGIDMap /Identity /DW 1000 /W [%s] >>", name, desc, w.String())},
		{num: desc, body: fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 34 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>",
			name, k(bounds.Min.X), -k(bounds.Max.Y), k(bounds.Max.X), -k(bounds.Min.Y), k(m.Ascent), -k(m.Descent), k(m.CapHeight), file)},
		{num: file, dict: fmt.Sprintf("/Filter /FlateDecode /Length1 %d", len(t.data)), stream: prog.Bytes()},
		{num: toUni, stream: []byte(cm.String())},
	}, nil
}
