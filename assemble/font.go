package assemble

import (
	"encoding/binary"
	"sort"
	"sync"
	"unicode/utf16"
)

// glyphWidth is the advance of every glyph in the glyphless font, in
// 1/1000 of the font size.
const glyphWidth = 500

// glyphlessFont returns a minimal TrueType program with two empty glyphs
// (.notdef and glyph 1), each glyphWidth wide on a 1000-unit em. Every
// character code is mapped to glyph 1 through CIDToGIDMap, so the text is
// invisible anyway and its width uniform. Hand-made: no Go library writes
// TrueType fonts, and embedding a third-party font file brings a licence.
var glyphlessFont = sync.OnceValue(func() []byte {
	be := binary.BigEndian
	u16 := func(b []byte, v ...int) []byte {
		for _, x := range v {
			b = be.AppendUint16(b, uint16(x))
		}
		return b
	}
	u32 := func(b []byte, v ...uint32) []byte {
		for _, x := range v {
			b = be.AppendUint32(b, x)
		}
		return b
	}

	tables := map[string][]byte{}
	// head
	var head []byte
	head = u32(head, 0x00010000, 0x00010000, 0 /* checkSumAdjustment */, 0x5F0F3CF5)
	head = u16(head, 0x000B, 1000)
	head = u32(head, 0, 0, 0, 0) // created, modified
	head = u16(head, 0, 0, glyphWidth, 1000, 0, 3, 2, 0 /* short loca */, 0)
	tables["head"] = head
	// hhea
	var hhea []byte
	hhea = u32(hhea, 0x00010000)
	hhea = u16(hhea, 1000, 0, 0, glyphWidth, 0, 0, glyphWidth, 1, 0, 0, 0, 0, 0, 0, 0, 2)
	tables["hhea"] = hhea
	// maxp 1.0: two glyphs, no outlines, no instructions.
	var maxp []byte
	maxp = u32(maxp, 0x00010000)
	maxp = u16(maxp, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)
	tables["maxp"] = maxp
	tables["hmtx"] = u16(nil, glyphWidth, 0, glyphWidth, 0)
	tables["loca"] = u16(nil, 0, 0, 0) // both glyphs empty
	tables["glyf"] = []byte{0, 0, 0, 0}
	// cmap: one empty format 4 subtable (platform 3, encoding 1).
	var cmap []byte
	cmap = u16(cmap, 0, 1, 3, 1)
	cmap = u32(cmap, 12)
	cmap = u16(cmap, 4, 24, 0, 2, 2, 0, 0, 0xFFFF, 0, 0xFFFF, 1, 0)
	tables["cmap"] = cmap
	// name: family, subfamily, full name, PostScript name.
	names := []struct {
		id int
		s  string
	}{{1, "GlyphLessFont"}, {2, "Regular"}, {4, "GlyphLessFont"}, {6, "GlyphLessFont"}}
	var strs []byte
	var name []byte
	name = u16(name, 0, len(names), 6+12*len(names))
	for _, n := range names {
		enc := utf16.Encode([]rune(n.s))
		name = u16(name, 3, 1, 0x409, n.id, 2*len(enc), len(strs))
		strs = u16(strs, func() []int {
			v := make([]int, len(enc))
			for i, c := range enc {
				v[i] = int(c)
			}
			return v
		}()...)
	}
	tables["name"] = append(name, strs...)
	// post 3.0: no glyph names; fixed pitch.
	var post []byte
	post = u32(post, 0x00030000, 0)
	post = u16(post, 0xFFFF&-100, 50)
	post = u32(post, 1, 0, 0, 0, 0)
	tables["post"] = post

	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	var out []byte
	out = u32(out, 0x00010000)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	out = u16(out, n, 16<<es, es, 16*n-16<<es)
	offset := 12 + 16*n
	var body []byte
	headAt := 0
	for _, t := range tags {
		data := tables[t]
		if t == "head" {
			headAt = offset + len(body)
		}
		out = append(out, t...)
		out = u32(out, checksum(data), uint32(offset+len(body)), uint32(len(data)))
		body = append(body, data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	out = append(out, body...)
	be.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
})

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
