// Package aip exports batches and dossiers of signed documents as
// archival information packages: the E-ARK CSIP layout that Vietnamese
// archives take (Circular 05/2025/TT-BNV),
//
//	<id>/METS.xml
//	<id>/metadata/descriptive/EAD.xml           EAD 2002, one <c> per document
//	<id>/metadata/preservation/PREMIS.xml       PREMIS 3: files, ingest/OCR/signing events
//	<id>/representations/rep1/data/<doc>.pdf    the signed, searchable PDFs
//	<id>/representations/rep1/metadata/other/alto/<page>.xml   ALTO of each page, when kept
//
// optionally wrapped in a BagIt bag (RFC 8493: the package under data/,
// bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt).
// Every file carries its SHA-256; every time is ISO 8601 in +07:00.
//
// Files are streamed from storage into the Writer (a directory, a tar or
// a zip stream) one at a time; the XML is spooled to temporary files as
// documents pass, so neither the package nor its metadata sits in memory.
package aip

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/metadata"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Catalog is what an export reads of the catalog.
type Catalog interface {
	Batch(ctx context.Context, id string) (catalog.Batch, error)
	BatchDocuments(ctx context.Context, batchID string) iter.Seq2[catalog.Document, error]
	Document(ctx context.Context, id string) (catalog.Document, error)
	Pages(ctx context.Context, documentID string) ([]catalog.Page, error)
	PageVersions(ctx context.Context, documentID, pageID string) ([]catalog.PageVersion, error)
}

// Vietnam is the zone of every time written into a package (+07:00).
var Vietnam = time.FixedZone("ICT", 7*60*60)

// Exporter writes packages.
type Exporter struct {
	Catalog Catalog
	Store   storage.Store
	TempDir string // for the spooled XML; "" = os.TempDir()
	// Agency names the archive or office creating packages (METS agent).
	Agency  string
	Version string           // sohoa's version, for the software agent
	Now     func() time.Time // nil: time.Now
}

// Selection says what goes into a package: a whole batch, or a dossier
// (a set of documents, possibly from several batches).
type Selection struct {
	BatchID     string
	DocumentIDs []string
	// ID names the package (its root directory, METS OBJID and the
	// archive file code in EAD); "" derives one from the selection.
	ID    string
	Title string
	// Bag wraps the package in a BagIt bag.
	Bag bool
}

// Skipped is a document left out of a package, and why.
type Skipped struct {
	DocumentID string `json:"document_id"`
	Reason     string `json:"reason"`
}

// Summary says what a package holds.
type Summary struct {
	ID        string    `json:"id"`
	Documents int       `json:"documents"`
	Files     int       `json:"files"` // every file, metadata and bag tag files included
	Bytes     int64     `json:"bytes"`
	Skipped   []Skipped `json:"skipped,omitempty"`
}

// ErrBadSelection is returned for a selection that names no batch and no
// documents, or both, or a package ID that cannot name a directory.
var ErrBadSelection = errors.New("aip: lựa chọn không hợp lệ / bad selection")

// ErrEmpty is returned when a selection holds no signed document.
var ErrEmpty = errors.New("aip: không có tài liệu đã ký để xuất / no signed document to export")

// PackageID is the ID a selection's package gets when it names none.
func PackageID(sel Selection) string {
	if sel.ID != "" {
		return sel.ID
	}
	if sel.BatchID != "" {
		return "sohoa-" + sel.BatchID
	}
	ids := slices.Clone(sel.DocumentIDs)
	slices.Sort(ids)
	h := sha256.Sum256([]byte(strings.Join(ids, "\n")))
	return "sohoa-dossier-" + hex.EncodeToString(h[:8])
}

// validID reports whether id can name a package's directory and XML IDs.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' ||
			i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '.')
		if !ok {
			return false
		}
	}
	return true
}

// Export writes the package of sel to w and closes w. Documents that are
// not signed are left out and listed in the Summary; a selection with no
// signed document returns ErrEmpty (after writing an empty package, since
// a stream may be half sent: callers check first, see Check).
func (e *Exporter) Export(ctx context.Context, sel Selection, w Writer) (sum Summary, err error) {
	id := PackageID(sel)
	defer func() {
		if err != nil {
			err = fmt.Errorf("aip: export %s: %w", id, err)
		}
	}()
	if err := checkSelection(sel); err != nil {
		return Summary{}, err
	}
	r, err := e.newRun(ctx, id, sel, w)
	if err != nil {
		return Summary{}, err
	}
	defer r.cleanup()
	for d, err := range e.documents(ctx, sel) {
		if err != nil {
			return Summary{}, err
		}
		if err := r.document(d); err != nil {
			return Summary{}, fmt.Errorf("document %s: %w", d.ID, err)
		}
	}
	if err := r.finish(); err != nil {
		return Summary{}, err
	}
	if err := w.Close(); err != nil {
		return Summary{}, err
	}
	if r.sum.Documents == 0 {
		return r.sum, ErrEmpty
	}
	return r.sum, nil
}

// Check returns ErrBadSelection, ErrEmpty, or the catalog's error (such
// as catalog.ErrNotFound) when sel would give no package or one without a
// signed document, before anything is written.
func (e *Exporter) Check(ctx context.Context, sel Selection) error {
	if err := checkSelection(sel); err != nil {
		return err
	}
	for d, err := range e.documents(ctx, sel) {
		if err != nil {
			return err
		}
		if d.Status == catalog.DocSigned {
			return nil
		}
	}
	return ErrEmpty
}

func checkSelection(sel Selection) error {
	if id := PackageID(sel); !validID(id) {
		return fmt.Errorf("%w: mã gói %q không hợp lệ (chữ, số, - _ .; bắt đầu bằng chữ) / invalid package id", ErrBadSelection, id)
	}
	if (sel.BatchID == "") == (len(sel.DocumentIDs) == 0) {
		return fmt.Errorf("%w: chọn một lô hoặc một danh sách tài liệu / select a batch or a list of documents", ErrBadSelection)
	}
	return nil
}

func (e *Exporter) documents(ctx context.Context, sel Selection) iter.Seq2[catalog.Document, error] {
	if sel.BatchID != "" {
		return e.Catalog.BatchDocuments(ctx, sel.BatchID)
	}
	return func(yield func(catalog.Document, error) bool) {
		seen := map[string]bool{}
		for _, id := range sel.DocumentIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			d, err := e.Catalog.Document(ctx, id)
			if !yield(d, err) || err != nil {
				return
			}
		}
	}
}

func (e *Exporter) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// iso formats t in ISO 8601 with +07:00.
func iso(t time.Time) string { return t.In(Vietnam).Format(time.RFC3339) }

// spool is a temporary file that one part of the package's XML is
// written to while documents pass.
type spool struct {
	f   *os.File
	enc *xml.Encoder
}

func (e *Exporter) spool() (*spool, error) {
	f, err := os.CreateTemp(e.TempDir, "aip-*.xml")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: gone when closed, even after a crash
	enc := xml.NewEncoder(f)
	enc.Indent("  ", "  ")
	return &spool{f: f, enc: enc}, nil
}

func (s *spool) put(v any) error { return s.enc.Encode(v) }

// copyTo flushes the spool and copies everything written so far to w.
func (s *spool) copyTo(w io.Writer) error {
	if err := s.enc.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, s.f)
	return err
}

// run is one export in progress.
type run struct {
	e       *Exporter
	ctx     context.Context
	sel     Selection
	w       Writer
	id      string
	root    string // where the package's files go: "<id>/" or "<id>/data/" in a bag
	created time.Time
	sum     Summary
	// spooled parts, and the bag's payload manifest
	files, divs, eadCs, objects, events, manifest *spool
	payloadBytes                                  int64
	payloadFiles                                  int
}

func (e *Exporter) newRun(ctx context.Context, id string, sel Selection, w Writer) (*run, error) {
	r := &run{e: e, ctx: ctx, sel: sel, w: w, id: id, root: id + "/", created: e.now().Truncate(time.Second)}
	r.sum.ID = id
	if sel.Bag {
		r.root = id + "/data/"
	}
	for _, s := range []**spool{&r.files, &r.divs, &r.eadCs, &r.objects, &r.events, &r.manifest} {
		var err error
		if *s, err = e.spool(); err != nil {
			r.cleanup()
			return nil, err
		}
	}
	return r, nil
}

func (r *run) cleanup() {
	for _, s := range []*spool{r.files, r.divs, r.eadCs, r.objects, r.events, r.manifest} {
		if s != nil {
			s.f.Close()
		}
	}
}

// file is one file written into the package.
type file struct {
	Path   string // relative to the package root (CSIP paths)
	Size   int64
	SHA256 string
}

// countingHash hashes and counts what passes through it.
type countingHash struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (c *countingHash) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// put streams one file into the package at root+rel, hashing it on the
// way; a payload file is listed in the bag's manifest.
func (r *run) put(rel string, size int64, mod time.Time, src io.Reader, payload bool) (file, error) {
	if err := r.ctx.Err(); err != nil {
		return file{}, err
	}
	c := &countingHash{r: io.LimitReader(src, size), h: sha256.New()}
	prefix := r.root
	if !payload {
		prefix = r.id + "/"
	}
	if err := r.w.Add(prefix+rel, size, mod, c); err != nil {
		return file{}, err
	}
	// A source shorter than it said leaves tar short; one longer is cut.
	if c.n != size {
		return file{}, fmt.Errorf("%s: %d bytes, expected %d", rel, c.n, size)
	}
	f := file{Path: rel, Size: size, SHA256: hex.EncodeToString(c.h.Sum(nil))}
	r.sum.Files++
	r.sum.Bytes += size
	if payload && r.sel.Bag {
		r.payloadBytes += size
		r.payloadFiles++
		if _, err := fmt.Fprintf(r.manifest.f, "%s  data/%s\n", f.SHA256, f.Path); err != nil {
			return file{}, err
		}
	}
	return f, nil
}

// putBlob streams a stored object into the package; the store's reader
// reports storage.ErrCorrupt at the end if the bytes are not those stored.
func (r *run) putBlob(rel, key string, mod time.Time) (file, error) {
	rc, info, err := r.e.Store.Get(r.ctx, key)
	if err != nil {
		return file{}, err
	}
	defer rc.Close()
	f, err := r.put(rel, info.Size, mod, rc, true)
	if err != nil {
		return file{}, err
	}
	// Drain to EOF so a corrupt object surfaces (LimitReader stopped at size).
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return file{}, fmt.Errorf("read %s: %w", key, err)
	}
	return f, nil
}

func altoKey(pageID string) string { return "alto/" + pageID + ".xml" }

// document writes one document's files and spools its metadata.
func (r *run) document(d catalog.Document) error {
	if d.Status != catalog.DocSigned || d.SignedKey == "" {
		r.sum.Skipped = append(r.sum.Skipped, Skipped{DocumentID: d.ID,
			Reason: fmt.Sprintf("chưa ký số (trạng thái %s) / not signed (status %s)", d.Status, d.Status)})
		return nil
	}
	r.sum.Documents++
	ordinal := r.sum.Documents
	pdf, err := r.putBlob("representations/rep1/data/"+d.ID+".pdf", d.SignedKey, d.UpdatedAt)
	if err != nil {
		return err
	}
	if d.SignedSHA256 != "" && pdf.SHA256 != d.SignedSHA256 {
		return fmt.Errorf("signed PDF SHA-256 %s, catalog says %s: %w", pdf.SHA256, d.SignedSHA256, storage.ErrCorrupt)
	}
	pages, err := r.e.Catalog.Pages(r.ctx, d.ID)
	if err != nil {
		return err
	}
	var altos []file
	var ocrTime time.Time
	var conf float64
	for _, p := range pages {
		conf += p.Confidence
		ocrTime = later(ocrTime, p.UpdatedAt)
		f, err := r.putBlob("representations/rep1/metadata/other/alto/"+p.ID+".xml", altoKey(p.ID), p.UpdatedAt)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		altos = append(altos, f)
	}
	if len(pages) > 0 {
		conf /= float64(len(pages))
	}
	var m metadata.Metadata
	if len(d.Metadata) > 0 {
		if err := json.Unmarshal(d.Metadata, &m); err != nil {
			return fmt.Errorf("metadata: %w", err)
		}
	}

	// METS: files and the document's division.
	div := metsDiv{ID: "div-" + d.ID, Label: d.ID, Order: ordinal}
	for i, f := range append([]file{pdf}, altos...) {
		mime, fid := "application/pdf", "file-"+d.ID
		if i > 0 {
			mime, fid = "application/xml", "file-alto-"+pages0(altos[i-1].Path)
		}
		if err := r.files.put(metsFile{ID: fid, MimeType: mime, Size: f.Size, Created: iso(d.UpdatedAt),
			Checksum: f.SHA256, ChecksumType: "SHA-256",
			FLocat: flocat{LocType: "URL", Type: "simple", Href: f.Path}}); err != nil {
			return err
		}
		div.Fptrs = append(div.Fptrs, metsFptr{FileID: fid})
	}
	if err := r.divs.put(div); err != nil {
		return err
	}
	if err := r.eadCs.put(r.eadC(d, m, pdf, ordinal, conf)); err != nil {
		return err
	}
	versions, err := r.e.Catalog.PageVersions(r.ctx, d.ID, "")
	if err != nil {
		return err
	}
	return r.premis(d, pdf, altos, ocrTime, conf, pages, versions)
}

// pages0 is the page ID in an ALTO file's path.
func pages0(p string) string {
	p = p[strings.LastIndexByte(p, '/')+1:]
	return strings.TrimSuffix(p, ".xml")
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func conf(f *metadata.Field) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(f.Confidence, 'f', 2, 64)
}

// eadC is a document as an EAD component holding the archived document
// fields: archive file code, document code, ordinal, type name, number
// (codeNumber), notation (codeNotation), issued date, organ name,
// subject/summary, signer, number of pages, language, format, confidence
// level, description.
func (r *run) eadC(d catalog.Document, m metadata.Metadata, pdf file, ordinal int, meanConf float64) eadC {
	c := eadC{ID: "c-" + d.ID, Level: "item"}
	number, notation, _ := strings.Cut(m.NumberSymbol.String(), "/")
	c.Did.UnitIDs = []eadValue{
		{Type: "archive-file-code", Value: r.id},
		{Type: "document-code", Value: d.ID},
		{Type: "ordinal", Value: strconv.Itoa(ordinal)},
	}
	if number != "" {
		c.Did.UnitIDs = append(c.Did.UnitIDs, eadValue{Type: "code-number", Value: strings.TrimSpace(number)})
	}
	if notation != "" {
		c.Did.UnitIDs = append(c.Did.UnitIDs, eadValue{Type: "code-notation", Value: strings.TrimSpace(notation)})
	}
	if m.NumberSymbol != nil {
		c.Did.UnitIDs = append(c.Did.UnitIDs, eadValue{Type: "number-symbol", Value: m.NumberSymbol.Value})
	}
	c.Did.UnitTitle = m.Summary.String()
	if c.Did.UnitTitle == "" {
		c.Did.UnitTitle = d.SourceName
	}
	if m.Date != nil {
		c.Did.UnitDate = &eadDate{Normal: m.Date.Value, Certainty: conf(m.Date), Value: m.Date.Value}
	}
	if m.Issuer != nil {
		c.Did.Originations = append(c.Did.Originations, eadOrigination{Label: "organ-name", Corpname: &eadName{Value: m.Issuer.Value}})
	}
	if m.Signer != nil {
		role := "signer"
		if m.SignerTitle != nil {
			role = "signer: " + m.SignerTitle.Value
		}
		c.Did.Originations = append(c.Did.Originations, eadOrigination{Label: "signer", Persname: &eadName{Role: role, Value: m.Signer.Value}})
	}
	c.Did.Physdesc.Genreform = m.Type.String()
	c.Did.Physdesc.Extent = eadExtent{Unit: "pages", Value: d.PageCount}
	c.Did.Physdesc.Physfacet = []eadValue{{Type: "format", Value: "application/pdf (PDF/A-2b, PAdES)"}}
	c.Did.Language = eadLanguage{LangCode: "vie", Value: "Tiếng Việt"}
	c.Did.Dao = eadDao{Type: "simple", Href: "../../" + pdf.Path, Role: "application/pdf", Title: d.SourceName}
	c.ScopeContent = fmt.Sprintf("Số hóa từ tệp %s, %d trang; độ tin cậy OCR trung bình %.2f / Digitized from %s, %d pages; mean OCR confidence %.2f",
		d.SourceName, d.PageCount, meanConf, d.SourceName, d.PageCount, meanConf)
	c.Odds = []eadOdd{{Type: "confidence-level", P: "Số hóa / digitized"}}
	var items []string
	for _, f := range []struct {
		name string
		f    *metadata.Field
	}{{"issuer", m.Issuer}, {"number_symbol", m.NumberSymbol}, {"date", m.Date}, {"type", m.Type}, {"summary", m.Summary}, {"signer", m.Signer}} {
		if f.f != nil {
			items = append(items, f.name+": "+conf(f.f))
		}
	}
	if len(items) > 0 {
		c.Odds = append(c.Odds, eadOdd{Type: "metadata-confidence", List: &eadList{Items: items}})
	}
	return c
}

// premis spools a document's PREMIS objects and its ingest, OCR and
// signing events, and the quality-control decisions on its pages: each
// rescan that replaced a page image and each flagged page a person accepted.
func (r *run) premis(d catalog.Document, pdf file, altos []file, ocrTime time.Time, meanConf float64,
	pageList []catalog.Page, versions []catalog.PageVersion) error {
	pages := len(pageList)
	evIngest, evOCR, evSign := "ev-ingest-"+d.ID, "ev-ocr-"+d.ID, "ev-sign-"+d.ID
	obj := func(f file, name string, format string, events ...string) premisObject {
		var o premisObject
		o.XSIType = "file"
		o.Identifier = premisIdent{Type: "local", Value: f.Path}
		o.Characteristics.Fixity.Algorithm = "SHA-256"
		o.Characteristics.Fixity.Digest = f.SHA256
		o.Characteristics.Fixity.Originator = "sohoa"
		o.Characteristics.Size = f.Size
		o.Characteristics.FormatName = format
		o.OriginalName = name
		for _, e := range events {
			o.Events = append(o.Events, premisLinkedEvent{Type: "local", Value: e})
		}
		return o
	}
	if err := r.objects.put(obj(pdf, d.SourceName, "Acrobat PDF/A - Portable Document Format 2b", evIngest, evOCR, evSign)); err != nil {
		return err
	}
	for _, a := range altos {
		if err := r.objects.put(obj(a, "", "ALTO XML 4", evOCR)); err != nil {
			return err
		}
	}
	ev := func(id, typ string, at time.Time, detail, note string, objs ...file) premisEvent {
		var e premisEvent
		e.Identifier.Type, e.Identifier.Value = "local", id
		e.Type, e.DateTime, e.Detail = typ, iso(at), detail
		e.Outcome.Outcome, e.Outcome.Note = "success", note
		e.Agent.Type, e.Agent.Value, e.Agent.Role = "local", "agent-sohoa", "executing program"
		for _, f := range objs {
			e.Objects = append(e.Objects, premisLinkedObject{Type: "local", Value: f.Path})
		}
		return e
	}
	events := []premisEvent{
		ev(evIngest, "ingestion", d.CreatedAt,
			fmt.Sprintf("Tiếp nhận tệp quét %s / scanned file received", d.SourceName),
			fmt.Sprintf("source SHA-256 %s; %d pages", d.SourceSHA256, pages), pdf),
		ev(evOCR, "optical character recognition", later(d.CreatedAt, ocrTime),
			"Nhận dạng ký tự tiếng Việt (Tesseract) / Vietnamese OCR",
			fmt.Sprintf("%d pages; mean confidence %.2f; %d characters", pages, meanConf, d.TextLen), append([]file{pdf}, altos...)...),
		ev(evSign, "digital signature generation", d.UpdatedAt,
			"Ký số PAdES / PAdES digital signature",
			fmt.Sprintf("signed PDF SHA-256 %s, %d bytes", d.SignedSHA256, d.SignedSize), pdf),
	}
	seq := map[string]int{}
	for _, p := range pageList {
		seq[p.ID] = p.Seq
		if p.QCState == catalog.QCAccepted {
			events = append(events, ev("ev-qc-"+p.ID, "validation", p.UpdatedAt,
				fmt.Sprintf("Kiểm tra chất lượng: trang %d được chấp nhận / quality review: page %d accepted by %s", p.Seq, p.Seq, p.QCBy),
				fmt.Sprintf("flags %s; %s", strings.Join(p.QC, ","), p.QCNote), pdf))
		}
	}
	for _, v := range versions {
		events = append(events, ev(fmt.Sprintf("ev-rescan-%s-%d", v.PageID, v.Version), "modification", v.ReplacedAt,
			fmt.Sprintf("Quét lại trang %d / page %d rescanned by %s: %s", seq[v.PageID], seq[v.PageID], v.ReplacedBy, v.Reason),
			fmt.Sprintf("replaced image SHA-256 %s (flags %s), kept in storage", v.SHA256, strings.Join(v.QC, ",")), pdf))
	}
	for _, e := range events {
		if err := r.events.put(e); err != nil {
			return err
		}
	}
	return nil
}
