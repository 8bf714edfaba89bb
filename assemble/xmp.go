package assemble

import (
	"bytes"
	"encoding/xml"
	"time"
)

// producer is the Producer of the Info dictionary and pdf:Producer.
const producer = "sohoa"

// xmp returns the document's XMP packet: the Info dictionary's entries in
// their XMP properties (ISO 19005-2 6.6.2.3.1 requires them to agree), the
// date of issue and number from the document's metadata in Dublin Core,
// and the PDF/A-2b identification. Only predefined schemas are used, so
// no extension schema is needed. Hand-written: no Go library writes XMP.
func xmp(info Info, created time.Time) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	date := created.Format(time.RFC3339)
	b.WriteString("<?xpacket begin=\"\ufeff\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" +
		"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n" +
		"<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n" +
		"<rdf:Description rdf:about=\"\"\n" +
		" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n" +
		" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n" +
		" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n" +
		" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n")
	b.WriteString("<dc:format>application/pdf</dc:format>\n")
	b.WriteString("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + esc(info.Title) + "</rdf:li></rdf:Alt></dc:title>\n")
	if info.Issuer != "" {
		b.WriteString("<dc:creator><rdf:Seq><rdf:li>" + esc(info.Issuer) + "</rdf:li></rdf:Seq></dc:creator>\n")
	}
	if info.Subject != "" {
		b.WriteString("<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" + esc(info.Subject) + "</rdf:li></rdf:Alt></dc:description>\n")
	}
	if info.Date != "" {
		b.WriteString("<dc:date><rdf:Seq><rdf:li>" + esc(info.Date) + "</rdf:li></rdf:Seq></dc:date>\n")
	}
	if info.Identifier != "" {
		b.WriteString("<dc:identifier>" + esc(info.Identifier) + "</dc:identifier>\n")
	}
	b.WriteString("<dc:language><rdf:Bag><rdf:li>vi-VN</rdf:li></rdf:Bag></dc:language>\n")
	b.WriteString("<xmp:CreateDate>" + date + "</xmp:CreateDate>\n" +
		"<xmp:ModifyDate>" + date + "</xmp:ModifyDate>\n" +
		"<xmp:MetadataDate>" + date + "</xmp:MetadataDate>\n" +
		"<pdf:Producer>" + producer + "</pdf:Producer>\n" +
		"<pdfaid:part>2</pdfaid:part>\n" +
		"<pdfaid:conformance>B</pdfaid:conformance>\n" +
		"</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n")
	// Padding lets an editor update the packet in place.
	b.Write(bytes.Repeat([]byte(" "), 512))
	b.WriteString("\n<?xpacket end=\"w\"?>")
	return b.Bytes()
}
