package aip

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
)

// finish writes the metadata files (EAD and PREMIS, then METS, which
// holds their checksums) and, for a bag, its tag files.
func (r *run) finish() error {
	title := r.sel.Title
	level := "file" // a dossier (hồ sơ)
	if r.sel.BatchID != "" {
		level = "series"
		if title == "" {
			b, err := r.e.Catalog.Batch(r.ctx, r.sel.BatchID)
			if err != nil {
				return err
			}
			title = "Lô số hóa / digitization batch " + b.Name
		}
	}
	if title == "" {
		title = "Hồ sơ / dossier " + r.id
	}
	agency := r.e.Agency
	if agency == "" {
		agency = "sohoa"
	}
	ead, err := r.xmlFile("metadata/descriptive/EAD.xml", func(x *xmlw) {
		x.start("ead", "xmlns", nsEAD, "xmlns:xlink", nsXLink)
		x.start("eadheader")
		x.text("eadid", r.id)
		x.start("filedesc")
		x.start("titlestmt")
		x.text("titleproper", title)
		x.end("titlestmt")
		x.end("filedesc")
		x.start("profiledesc")
		x.start("creation")
		x.text("date", iso(r.created), "normal", r.created.In(Vietnam).Format("2006-01-02"))
		x.end("creation")
		x.start("langusage")
		x.text("language", "Tiếng Việt", "langcode", "vie")
		x.end("langusage")
		x.end("profiledesc")
		x.end("eadheader")
		x.start("archdesc", "level", level)
		x.start("did")
		x.text("unitid", r.id, "type", "archive-file-code")
		x.text("unittitle", title)
		x.start("repository")
		x.text("corpname", agency)
		x.end("repository")
		x.end("did")
		x.start("dsc")
		x.raw(r.eadCs)
		x.end("dsc")
		x.end("archdesc")
		x.end("ead")
	})
	if err != nil {
		return err
	}
	premis, err := r.xmlFile("metadata/preservation/PREMIS.xml", func(x *xmlw) {
		x.start("premis", "xmlns", nsPREMIS, "xmlns:xsi", nsXSI, "version", "3.0")
		x.raw(r.objects)
		x.raw(r.events)
		var a premisAgent
		a.Identifier.Type, a.Identifier.Value = "local", "agent-sohoa"
		a.Name, a.Type, a.Version = "sohoa", "software", r.e.Version
		x.put(a)
		x.end("premis")
	})
	if err != nil {
		return err
	}
	ref := func(f file, mdType string) metsMdRef {
		return metsMdRef{LocType: "URL", Type: "simple", Href: f.Path, MDType: mdType, MimeType: "text/xml",
			Size: f.Size, Created: iso(r.created), Checksum: f.SHA256, ChecksumType: "SHA-256"}
	}
	_, err = r.xmlFile("METS.xml", func(x *xmlw) {
		x.start("mets", "xmlns", nsMETS, "xmlns:xlink", nsXLink, "xmlns:csip", nsCSIP, "xmlns:xsi", nsXSI,
			"OBJID", r.id, "LABEL", title, "TYPE", "OTHER", "csip:OTHERTYPE", "Digitized administrative records",
			"csip:CONTENTINFORMATIONTYPE", "MIXED", "PROFILE", profile)
		x.start("metsHdr", "CREATEDATE", iso(r.created), "RECORDSTATUS", "NEW", "csip:OAISPACKAGETYPE", "AIP")
		x.start("agent", "ROLE", "CREATOR", "TYPE", "OTHER", "OTHERTYPE", "SOFTWARE")
		x.text("name", "sohoa")
		if r.e.Version != "" {
			x.text("note", r.e.Version, "csip:NOTETYPE", "SOFTWARE VERSION")
		}
		x.end("agent")
		x.start("agent", "ROLE", "ARCHIVIST", "TYPE", "ORGANIZATION")
		x.text("name", agency)
		x.end("agent")
		x.end("metsHdr")
		x.start("dmdSec", "ID", "dmd-ead", "CREATED", iso(r.created), "STATUS", "CURRENT")
		x.put(ref(ead, "EAD"))
		x.end("dmdSec")
		x.start("amdSec", "ID", "amd")
		x.start("digiprovMD", "ID", "digiprov-premis", "STATUS", "CURRENT")
		x.put(ref(premis, "PREMIS"))
		x.end("digiprovMD")
		x.end("amdSec")
		x.start("fileSec", "ID", "filesec")
		x.start("fileGrp", "ID", "grp-rep1", "USE", "Representations/rep1")
		x.raw(r.files)
		x.end("fileGrp")
		x.end("fileSec")
		x.start("structMap", "ID", "structmap", "TYPE", "PHYSICAL", "LABEL", "CSIP")
		x.start("div", "ID", "div-root", "LABEL", r.id)
		x.start("div", "ID", "div-metadata", "LABEL", "Metadata", "DMDID", "dmd-ead", "ADMID", "digiprov-premis")
		x.end("div")
		x.start("div", "ID", "div-rep1", "LABEL", "Representations/rep1")
		x.raw(r.divs)
		x.end("div")
		x.end("div")
		x.end("structMap")
		x.end("mets")
	})
	if err != nil {
		return err
	}
	if r.sel.Bag {
		return r.bagTags(agency)
	}
	return nil
}

// bagTags writes a BagIt 1.0 bag's tag files (RFC 8493). Hand-written:
// the Go BagIt libraries found (APTrust/bagins, steffenfritz/bagit) are
// unmaintained or command-line tools that bag a directory, not a stream.
func (r *run) bagTags(agency string) error {
	var tags []file
	add := func(name string, body []byte) error {
		f, err := r.put(name, int64(len(body)), r.created, bytes.NewReader(body), false)
		tags = append(tags, f)
		return err
	}
	if err := add("bagit.txt", []byte("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")); err != nil {
		return err
	}
	info := fmt.Sprintf("Source-Organization: %s\nBagging-Date: %s\nExternal-Identifier: %s\nPayload-Oxum: %d.%d\nBag-Software-Agent: sohoa %s\n",
		oneLine(agency), r.created.In(Vietnam).Format("2006-01-02"), r.id, r.payloadBytes, r.payloadFiles, r.e.Version)
	if err := add("bag-info.txt", []byte(info)); err != nil {
		return err
	}
	m := r.manifest.f
	size, err := m.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := m.Seek(0, io.SeekStart); err != nil {
		return err
	}
	f, err := r.put("manifest-sha256.txt", size, r.created, m, false)
	if err != nil {
		return err
	}
	tags = append(tags, f)
	var tm strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&tm, "%s  %s\n", t.SHA256, t.Path)
	}
	_, err = r.put("tagmanifest-sha256.txt", int64(tm.Len()), r.created, strings.NewReader(tm.String()), false)
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// xmlw writes one XML file around spooled parts; the first error sticks.
type xmlw struct {
	f   *os.File
	enc *xml.Encoder
	err error
}

func (x *xmlw) start(name string, attrs ...string) {
	if x.err != nil {
		return
	}
	se := xml.StartElement{Name: xml.Name{Local: name}}
	for i := 0; i+1 < len(attrs); i += 2 {
		se.Attr = append(se.Attr, xml.Attr{Name: xml.Name{Local: attrs[i]}, Value: attrs[i+1]})
	}
	x.err = x.enc.EncodeToken(se)
}

func (x *xmlw) end(name string) {
	if x.err == nil {
		x.err = x.enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: name}})
	}
}

func (x *xmlw) text(name, value string, attrs ...string) {
	x.start(name, attrs...)
	if x.err == nil {
		x.err = x.enc.EncodeToken(xml.CharData(value))
	}
	x.end(name)
}

func (x *xmlw) put(v any) {
	if x.err == nil {
		x.err = x.enc.Encode(v)
	}
}

// raw copies a spooled fragment in place.
func (x *xmlw) raw(s *spool) {
	if x.err == nil {
		x.err = x.enc.Flush()
	}
	if x.err == nil {
		x.err = s.copyTo(x.f)
	}
}

// xmlFile builds an XML file in a temporary file, then streams it into
// the package.
func (r *run) xmlFile(rel string, build func(*xmlw)) (file, error) {
	f, err := os.CreateTemp(r.e.TempDir, "aip-*.xml")
	if err != nil {
		return file{}, err
	}
	os.Remove(f.Name())
	defer f.Close()
	x := &xmlw{f: f, enc: xml.NewEncoder(f)}
	x.enc.Indent("", "  ")
	_, x.err = io.WriteString(f, xml.Header)
	build(x)
	if x.err == nil {
		x.err = x.enc.Close()
	}
	if x.err != nil {
		return file{}, fmt.Errorf("%s: %w", rel, x.err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return file{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return file{}, err
	}
	return r.put(rel, size, r.created, f, true)
}
