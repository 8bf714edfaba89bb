package aip_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/aip"
	"github.com/sohoa-vn/sohoa/storage"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// fixture is a catalog and a store holding batch "b1": two signed
// documents (one with ALTO for its pages) and one failed document.
type fixture struct {
	db    *catalog.DB
	store *localfs.Store
	dir   string
	meta  map[string]map[string]string // document -> field -> value
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := catalog.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: store, dir: dir, meta: map[string]map[string]string{}}
	if _, err := db.EnsureBatch(ctx, "b1", "Hộp 12 — UBND phường Bến Nghé"); err != nil {
		t.Fatal(err)
	}
	f.signed(t, "da1", 2, true, map[string]string{
		"issuer": "ỦY BAN NHÂN DÂN PHƯỜNG BẾN NGHÉ", "number_symbol": "123/QĐ-UBND", "date": "2026-06-05",
		"type": "QUYẾT ĐỊNH", "summary": "Về việc cấp giấy phép xây dựng", "signer": "Nguyễn Văn An"})
	f.signed(t, "db2", 1, false, map[string]string{
		"issuer": "SỞ NỘI VỤ", "number_symbol": "45/TB-SNV", "date": "2025-12-31",
		"type": "THÔNG BÁO", "summary": "Lịch tiếp công dân & <tháng> 1", "signer": "Trần Thị Bình"})
	pages := []catalog.Page{{ID: "dc3-p0001", Seq: 1, Status: catalog.PageFailed, Error: "ảnh hỏng / corrupt"}}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "dc3", BatchID: "b1", SourceName: "hong.tif"}, pages); err != nil {
		t.Fatal(err)
	}
	return f
}

// signed records a document that went through the whole pipeline.
func (f *fixture) signed(t testing.TB, id string, n int, withALTO bool, meta map[string]string) {
	t.Helper()
	ctx := context.Background()
	var pages []catalog.Page
	for i := 1; i <= n; i++ {
		pages = append(pages, catalog.Page{ID: fmt.Sprintf("%s-p%04d", id, i), Seq: i, BlobKey: "pages/x.png", Format: "png", DPI: 300})
	}
	if _, err := f.db.CreateDocument(ctx, catalog.Document{ID: id, BatchID: "b1", SourceName: id + ".tif", SourceSHA256: strings.Repeat("ab", 32)}, pages); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if _, err := f.db.MarkPageOCRed(ctx, p.ID, 500, 0.91, "ocr/"+p.ID+".json"); err != nil {
			t.Fatal(err)
		}
		if withALTO {
			alto := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page ID="%s" PHYSICAL_IMG_NR="%d"/></Layout></alto>`, p.ID, p.Seq)
			if _, err := f.store.Put(ctx, "alto/"+p.ID+".xml", strings.NewReader(alto), int64(len(alto))); err != nil {
				t.Fatal(err)
			}
		}
	}
	fields := map[string]any{}
	for k, v := range meta {
		fields[k] = map[string]any{"value": v, "confidence": 0.9}
	}
	mj, _ := json.Marshal(fields)
	f.meta[id] = meta
	if err := f.db.SetAssembled(ctx, id, "pdf/"+id+".pdf", "00", 1000, mj); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n% signed document " + id + "\n" + strings.Repeat("x", 5000) + "\n%%EOF\n")
	info, err := f.store.Put(ctx, "signed/"+id+".pdf", bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetSigned(ctx, id, info.Key, info.SHA256, info.Size); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) exporter() *aip.Exporter {
	return &aip.Exporter{Catalog: f.db, Store: f.store, TempDir: f.dir, Agency: "Lưu trữ lịch sử tỉnh",
		Version: "test", Now: func() time.Time { return time.Date(2026, 6, 5, 3, 4, 5, 0, time.UTC) }}
}

func TestExportFormats(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		bag  bool
		out  string // dir, tar or zip
	}{
		{"dir", false, "dir"},
		{"dir-bag", true, "dir"},
		{"tar", false, "tar"},
		{"tar-bag", true, "tar"},
		{"zip-bag", true, "zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			sel := aip.Selection{BatchID: "b1", Bag: tc.bag}
			var sum aip.Summary
			var err error
			switch tc.out {
			case "dir":
				w, werr := aip.NewDir(out)
				if werr != nil {
					t.Fatal(werr)
				}
				sum, err = f.exporter().Export(ctx, sel, w)
			case "tar":
				var buf bytes.Buffer
				sum, err = f.exporter().Export(ctx, sel, aip.NewTar(&buf))
				if err == nil {
					// Unpacked by GNU tar, not by our code.
					cmd := exec.Command("tar", "-x", "-C", out)
					cmd.Stdin = &buf
					if b, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("tar -x: %v\n%s", err, b)
					}
				}
			case "zip":
				var buf bytes.Buffer
				sum, err = f.exporter().Export(ctx, sel, aip.NewZip(&buf))
				if err == nil {
					unzip(t, buf.Bytes(), out)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.ID != "sohoa-b1" || sum.Documents != 2 || len(sum.Skipped) != 1 || sum.Skipped[0].DocumentID != "dc3" {
				t.Fatalf("summary = %+v", sum)
			}
			root := filepath.Join(out, sum.ID)
			files := validatePackage(t, root, tc.bag)
			if files != sum.Files {
				t.Errorf("%d files on disk, summary says %d", files, sum.Files)
			}
			pkg := root
			if tc.bag {
				pkg = filepath.Join(root, "data")
			}
			checkContent(t, f, pkg, []string{"da1", "db2"})
		})
	}
}

func TestExportDossier(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out := t.TempDir()
	w, err := aip.NewDir(out)
	if err != nil {
		t.Fatal(err)
	}
	sel := aip.Selection{DocumentIDs: []string{"db2", "db2"}, ID: "HS-2026-001", Title: "Hồ sơ cấp phép", Bag: true}
	sum, err := f.exporter().Export(ctx, sel, w)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Documents != 1 || sum.ID != "HS-2026-001" {
		t.Fatalf("summary = %+v", sum)
	}
	root := filepath.Join(out, "HS-2026-001")
	validatePackage(t, root, true)
	checkContent(t, f, filepath.Join(root, "data"), []string{"db2"})

	// Nothing signed: ErrEmpty, both from Check (before writing) and Export.
	if err := f.exporter().Check(ctx, aip.Selection{DocumentIDs: []string{"dc3"}}); !errors.Is(err, aip.ErrEmpty) {
		t.Errorf("Check(unsigned) = %v, want ErrEmpty", err)
	}
	if _, err := f.exporter().Export(ctx, aip.Selection{DocumentIDs: []string{"dc3"}}, aip.NewTar(io.Discard)); !errors.Is(err, aip.ErrEmpty) {
		t.Errorf("Export(unsigned) = %v, want ErrEmpty", err)
	}
	if err := f.exporter().Check(ctx, aip.Selection{DocumentIDs: []string{"nope"}}); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Check(missing) = %v, want ErrNotFound", err)
	}
	if err := f.exporter().Check(ctx, aip.Selection{BatchID: "nope"}); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Check(missing batch) = %v, want ErrNotFound", err)
	}
	for _, sel := range []aip.Selection{{BatchID: "b1", ID: "../x"}, {}, {BatchID: "b1", DocumentIDs: []string{"db2"}}} {
		if _, err := f.exporter().Export(ctx, sel, aip.NewTar(io.Discard)); !errors.Is(err, aip.ErrBadSelection) {
			t.Errorf("Export(%+v) = %v, want ErrBadSelection", sel, err)
		}
	}
}

// A signed PDF altered in storage stops the export: nothing bad is archived.
func TestExportCorrupt(t *testing.T) {
	f := newFixture(t)
	p := filepath.Join(f.dir, "blobs", "signed", "db2.pdf")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[20] ^= 1
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = f.exporter().Export(context.Background(), aip.Selection{BatchID: "b1"}, aip.NewTar(io.Discard))
	if !errors.Is(err, storage.ErrCorrupt) {
		t.Fatalf("Export of a corrupt PDF = %v, want ErrCorrupt", err)
	}
}

func unzip(t *testing.T, b []byte, dir string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(zf.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("unzip %s: %v", zf.Name, err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func sha256File(t *testing.T, p string) (string, int64) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), int64(len(b))
}

// listFiles returns every regular file under root, slash-separated, relative.
func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// readManifest parses a BagIt manifest: "<sha256>  <path>" lines.
func readManifest(t *testing.T, p string) map[string]string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("%s: bad line %q", p, sc.Text())
		}
		m[name] = sum
	}
	return m
}

var (
	reTime  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$`)
	reHex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// The subset of METS the validation reads; namespaces as the decoder resolves them.
type metsDoc struct {
	XMLName xml.Name `xml:"http://www.loc.gov/METS/ mets"`
	OBJID   string   `xml:"OBJID,attr"`
	Hdr     struct {
		Created string `xml:"CREATEDATE,attr"`
		Type    string `xml:"https://DILCIS.eu/XML/METS/CSIPExtensionMETS OAISPACKAGETYPE,attr"`
	} `xml:"metsHdr"`
	AmdRef []metsRef  `xml:"amdSec>digiprovMD>mdRef"`
	Files  []metsFile `xml:"fileSec>fileGrp>file"`
	Root   metsDiv    `xml:"structMap>div"`
	DmdSec struct {
		ID     string    `xml:"ID,attr"`
		MdRefs []metsRef `xml:"mdRef"`
	} `xml:"dmdSec"`
}

type metsDiv struct {
	ID    string `xml:"ID,attr"`
	Label string `xml:"LABEL,attr"`
	DMDID string `xml:"DMDID,attr"`
	ADMID string `xml:"ADMID,attr"`
	Fptrs []struct {
		FileID string `xml:"FILEID,attr"`
	} `xml:"fptr"`
	Divs []metsDiv `xml:"div"`
}

type metsRef struct {
	Href     string `xml:"http://www.w3.org/1999/xlink href,attr"`
	Size     int64  `xml:"SIZE,attr"`
	Created  string `xml:"CREATED,attr"`
	Checksum string `xml:"CHECKSUM,attr"`
	Type     string `xml:"CHECKSUMTYPE,attr"`
}

type metsFile struct {
	ID string `xml:"ID,attr"`
	metsRef
	FLocat struct {
		Href string `xml:"http://www.w3.org/1999/xlink href,attr"`
	} `xml:"FLocat"`
}

// validatePackage checks a package (and its bag) the way an archive's
// ingest would, and returns how many files it holds.
func validatePackage(t *testing.T, root string, bag bool) int {
	t.Helper()
	all := listFiles(t, root)
	pkg := root
	if bag {
		pkg = filepath.Join(root, "data")
		if b, _ := os.ReadFile(filepath.Join(root, "bagit.txt")); string(b) != "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n" {
			t.Errorf("bagit.txt = %q", b)
		}
		manifest := readManifest(t, filepath.Join(root, "manifest-sha256.txt"))
		var payload []string
		var bytes int64
		for _, name := range all {
			if strings.HasPrefix(name, "data/") {
				payload = append(payload, name)
				sum, size := sha256File(t, filepath.Join(root, name))
				bytes += size
				if manifest[name] != sum {
					t.Errorf("manifest-sha256.txt: %s is %q, file hashes to %s", name, manifest[name], sum)
				}
				delete(manifest, name)
			}
		}
		for name := range manifest {
			t.Errorf("manifest-sha256.txt lists %s, which is not in the bag", name)
		}
		tags := readManifest(t, filepath.Join(root, "tagmanifest-sha256.txt"))
		for _, name := range []string{"bagit.txt", "bag-info.txt", "manifest-sha256.txt"} {
			if sum, _ := sha256File(t, filepath.Join(root, name)); tags[name] != sum {
				t.Errorf("tagmanifest-sha256.txt: %s is %q, file hashes to %s", name, tags[name], sum)
			}
		}
		info, _ := os.ReadFile(filepath.Join(root, "bag-info.txt"))
		if want := fmt.Sprintf("Payload-Oxum: %d.%d\n", bytes, len(payload)); !strings.Contains(string(info), want) {
			t.Errorf("bag-info.txt lacks %q:\n%s", want, info)
		}
		// And by a tool we did not write: the manifests are sha256sum(1) format.
		for _, m := range []string{"manifest-sha256.txt", "tagmanifest-sha256.txt"} {
			cmd := exec.Command("sha256sum", "--check", "--strict", "--quiet", m)
			cmd.Dir = root
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("sha256sum --check %s: %v\n%s", m, err, b)
			}
		}
	}

	// Every XML file is well-formed, by libxml2.
	var xmls []string
	for _, name := range all {
		if strings.HasSuffix(name, ".xml") {
			xmls = append(xmls, filepath.Join(root, name))
		}
	}
	if b, err := exec.Command("xmllint", append([]string{"--noout"}, xmls...)...).CombinedOutput(); err != nil {
		t.Fatalf("xmllint --noout (Debian package libxml2-utils): %v\n%s", err, b)
	}

	// METS: every reference resolves to a file of that size and SHA-256,
	// every file of the package is referenced, and the structMap points at
	// declared files.
	raw, err := os.ReadFile(filepath.Join(pkg, "METS.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var m metsDoc
	if err := xml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Hdr.Type != "AIP" || !reTime.MatchString(m.Hdr.Created) {
		t.Errorf("metsHdr: package type %q, created %q", m.Hdr.Type, m.Hdr.Created)
	}
	referenced := map[string]bool{"METS.xml": true}
	check := func(href string, r metsRef) {
		if r.Type != "SHA-256" || !reHex64.MatchString(r.Checksum) || !reTime.MatchString(r.Created) {
			t.Errorf("METS %s: checksum %s %q, created %q", href, r.Type, r.Checksum, r.Created)
		}
		p := filepath.Join(pkg, filepath.FromSlash(href))
		if _, err := os.Stat(p); err != nil || path.IsAbs(href) || strings.Contains(href, "..") {
			t.Errorf("METS references %s, which does not resolve: %v", href, err)
			return
		}
		sum, size := sha256File(t, p)
		if sum != r.Checksum || size != r.Size {
			t.Errorf("METS %s: SHA-256 %s size %d, file has %s size %d", href, r.Checksum, r.Size, sum, size)
		}
		referenced[href] = true
	}
	if len(m.DmdSec.MdRefs) != 1 || m.DmdSec.MdRefs[0].Href != "metadata/descriptive/EAD.xml" || len(m.AmdRef) != 1 || m.AmdRef[0].Href != "metadata/preservation/PREMIS.xml" {
		t.Errorf("METS metadata references: %+v %+v", m.DmdSec.MdRefs, m.AmdRef)
	}
	for _, r := range append(m.DmdSec.MdRefs, m.AmdRef...) {
		check(r.Href, r)
	}
	ids := map[string]bool{}
	for _, f := range m.Files {
		ids[f.ID] = true
		check(f.FLocat.Href, f.metsRef)
	}
	var walk func(d metsDiv)
	walk = func(d metsDiv) {
		for _, p := range d.Fptrs {
			if !ids[p.FileID] {
				t.Errorf("structMap div %s points at undeclared file %s", d.Label, p.FileID)
			}
			delete(ids, p.FileID)
		}
		if d.DMDID != "" && d.DMDID != "dmd-ead" || d.ADMID != "" && d.ADMID != "digiprov-premis" {
			t.Errorf("structMap div %s: DMDID %q ADMID %q", d.Label, d.DMDID, d.ADMID)
		}
		for _, c := range d.Divs {
			walk(c)
		}
	}
	walk(m.Root)
	if m.DmdSec.ID != "dmd-ead" || len(m.Root.Divs) != 2 || m.Root.Divs[0].DMDID != "dmd-ead" || m.Root.Divs[0].ADMID != "digiprov-premis" {
		t.Errorf("structMap: metadata division not linked to EAD and PREMIS: %+v", m.Root)
	}
	for id := range ids {
		t.Errorf("file %s is in no structMap division", id)
	}
	for _, name := range listFiles(t, pkg) {
		if !referenced[name] {
			t.Errorf("%s is in the package but not in METS.xml", name)
		}
	}
	return len(all)
}

type eadDoc struct {
	Cs []struct {
		ID  string `xml:"id,attr"`
		Did struct {
			UnitIDs []struct {
				Type  string `xml:"type,attr"`
				Value string `xml:",chardata"`
			} `xml:"unitid"`
			Title string `xml:"unittitle"`
			Date  struct {
				Normal string `xml:"normal,attr"`
			} `xml:"unitdate"`
			Orig []struct {
				Label    string `xml:"label,attr"`
				Corpname string `xml:"corpname"`
				Persname string `xml:"persname"`
			} `xml:"origination"`
			Genre    string `xml:"physdesc>genreform"`
			Extent   int    `xml:"physdesc>extent"`
			Language struct {
				Code string `xml:"langcode,attr"`
			} `xml:"langmaterial>language"`
			Dao struct {
				Href string `xml:"http://www.w3.org/1999/xlink href,attr"`
			} `xml:"dao"`
		} `xml:"did"`
	} `xml:"archdesc>dsc>c"`
}

type premisDoc struct {
	Objects []struct {
		ID     string `xml:"objectIdentifier>objectIdentifierValue"`
		Digest string `xml:"objectCharacteristics>fixity>messageDigest"`
		Size   int64  `xml:"objectCharacteristics>size"`
	} `xml:"object"`
	Events []struct {
		ID      string   `xml:"eventIdentifier>eventIdentifierValue"`
		Type    string   `xml:"eventType"`
		Time    string   `xml:"eventDateTime"`
		Objects []string `xml:"linkingObjectIdentifier>linkingObjectIdentifierValue"`
	} `xml:"event"`
	Agents []string `xml:"agent>agentName"`
}

// checkContent checks the EAD fields and PREMIS events of docs against the catalog.
func checkContent(t *testing.T, f *fixture, pkg string, docs []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(pkg, "metadata/descriptive/EAD.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var ead eadDoc
	if err := xml.Unmarshal(raw, &ead); err != nil {
		t.Fatal(err)
	}
	if len(ead.Cs) != len(docs) {
		t.Fatalf("EAD has %d components, want %d", len(ead.Cs), len(docs))
	}
	for i, c := range ead.Cs {
		id := docs[i]
		meta := f.meta[id]
		number, notation, _ := strings.Cut(meta["number_symbol"], "/")
		got := map[string]string{}
		for _, u := range c.Did.UnitIDs {
			got[u.Type] = u.Value
		}
		for _, o := range c.Did.Orig {
			got[o.Label] = o.Corpname + o.Persname
		}
		d, err := f.db.Document(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"document-code": id, "ordinal": fmt.Sprint(i + 1), "code-number": number, "code-notation": notation,
			"number-symbol": meta["number_symbol"], "organ-name": meta["issuer"], "signer": meta["signer"],
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("EAD %s %s = %q, want %q", id, k, got[k], v)
			}
		}
		if c.Did.Title != meta["summary"] || c.Did.Date.Normal != meta["date"] || c.Did.Genre != meta["type"] ||
			c.Did.Extent != d.PageCount || c.Did.Language.Code != "vie" {
			t.Errorf("EAD %s: title %q date %q type %q pages %d lang %q", id, c.Did.Title, c.Did.Date.Normal, c.Did.Genre, c.Did.Extent, c.Did.Language.Code)
		}
		if p := filepath.Join(pkg, "metadata/descriptive", filepath.FromSlash(c.Did.Dao.Href)); !fileExists(p) {
			t.Errorf("EAD %s: dao %s does not resolve", id, c.Did.Dao.Href)
		}
	}

	raw, err = os.ReadFile(filepath.Join(pkg, "metadata/preservation/PREMIS.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var pr premisDoc
	if err := xml.Unmarshal(raw, &pr); err != nil {
		t.Fatal(err)
	}
	objects := map[string]bool{}
	for _, o := range pr.Objects {
		sum, size := sha256File(t, filepath.Join(pkg, filepath.FromSlash(o.ID)))
		if sum != o.Digest || size != o.Size {
			t.Errorf("PREMIS object %s: fixity %s/%d, file %s/%d", o.ID, o.Digest, o.Size, sum, size)
		}
		objects[o.ID] = true
	}
	for _, id := range docs {
		pdf := "representations/rep1/data/" + id + ".pdf"
		if !objects[pdf] {
			t.Errorf("PREMIS has no object for %s", pdf)
		}
		types := map[string]bool{}
		for _, e := range pr.Events {
			if strings.HasSuffix(e.ID, "-"+id) {
				types[e.Type] = true
				if !reTime.MatchString(e.Time) || !slices.Contains(e.Objects, pdf) {
					t.Errorf("PREMIS event %s: time %q, objects %v", e.ID, e.Time, e.Objects)
				}
				for _, o := range e.Objects {
					if !objects[o] {
						t.Errorf("PREMIS event %s links unknown object %s", e.ID, o)
					}
				}
			}
		}
		for _, want := range []string{"ingestion", "optical character recognition", "digital signature generation"} {
			if !types[want] {
				t.Errorf("PREMIS: document %s has no %q event", id, want)
			}
		}
	}
	if !slices.Contains(pr.Agents, "sohoa") {
		t.Errorf("PREMIS agents = %v", pr.Agents)
	}
	// ALTO of da1's pages is carried; db2 had none.
	for _, p := range []string{"da1-p0001", "da1-p0002"} {
		if slices.Contains(docs, "da1") && !objects["representations/rep1/metadata/other/alto/"+p+".xml"] {
			t.Errorf("ALTO of %s missing", p)
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// BenchmarkExportLargePDF exports a batch holding one 32 MiB signed PDF
// as a tar bag to io.Discard. B/op stays far below the PDF's size: the
// file is streamed from storage, not held in memory.
func BenchmarkExportLargePDF(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), 2<<20) // 32 MiB
	info, err := f.store.Put(ctx, "signed/big.pdf", bytes.NewReader(big), int64(len(big)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.db.EnsureBatch(ctx, "big", "big"); err != nil {
		b.Fatal(err)
	}
	pages := []catalog.Page{{ID: "dbig-p0001", Seq: 1}}
	if _, err := f.db.CreateDocument(ctx, catalog.Document{ID: "dbig", BatchID: "big"}, pages); err != nil {
		b.Fatal(err)
	}
	if _, err := f.db.MarkPageOCRed(ctx, "dbig-p0001", 1, 0.9, "ocr/x"); err != nil {
		b.Fatal(err)
	}
	if err := f.db.SetAssembled(ctx, "dbig", "pdf/big.pdf", "00", 1, nil); err != nil {
		b.Fatal(err)
	}
	if err := f.db.SetSigned(ctx, "dbig", info.Key, info.SHA256, info.Size); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(big)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.exporter().Export(ctx, aip.Selection{BatchID: "big", Bag: true}, aip.NewTar(io.Discard)); err != nil {
			b.Fatal(err)
		}
	}
}

// Quality-control decisions (a flagged page accepted, a page rescanned)
// are PREMIS events of the document, with who and why.
func TestExportQCEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pages := []catalog.Page{
		{ID: "dq4-p0001", Seq: 1, BlobKey: "pages/q1.png", SHA256: "11", Format: "png", DPI: 300},
		{ID: "dq4-p0002", Seq: 2, BlobKey: "pages/q2.png", SHA256: "22", Format: "png", DPI: 300},
	}
	if _, err := f.db.CreateDocument(ctx, catalog.Document{ID: "dq4", BatchID: "b1", SourceName: "dq4.tif", SourceSHA256: strings.Repeat("cd", 32)}, pages); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.db.RecordOCR(ctx, pages[0].ID, catalog.OCRResult{OCRKey: "ocr/q1", QC: []string{catalog.QCBlank}, Hold: true})
	must(err)
	_, err = f.db.RecordOCR(ctx, pages[1].ID, catalog.OCRResult{TextLen: 9, Confidence: 30, OCRKey: "ocr/q2", QC: []string{catalog.QCSkewed}, Hold: true})
	must(err)
	must(f.db.ReplacePage(ctx, pages[1].ID, catalog.Page{BlobKey: "pages/q2b.png", SHA256: "2b", Format: "png", DPI: 300}, "archivist-binh", "nghiêng quá / too skewed"))
	_, err = f.db.MarkPageOCRed(ctx, pages[1].ID, 400, 91, "ocr/q2")
	must(err)
	ready, err := f.db.AcceptPage(ctx, pages[0].ID, "archivist-an", "mặt sau trắng")
	must(err)
	if !ready {
		t.Fatal("document not released by the acceptance")
	}
	must(f.db.SetAssembled(ctx, "dq4", "pdf/dq4.pdf", "00", 400, nil))
	pdf := []byte("%PDF-1.7\n% dq4\n%%EOF\n")
	info, err := f.store.Put(ctx, "signed/dq4.pdf", bytes.NewReader(pdf), int64(len(pdf)))
	must(err)
	must(f.db.SetSigned(ctx, "dq4", info.Key, info.SHA256, info.Size))

	out := t.TempDir()
	w, err := aip.NewDir(out)
	must(err)
	if _, err := f.exporter().Export(ctx, aip.Selection{DocumentIDs: []string{"dq4"}, ID: "HS-QC"}, w); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(out, "HS-QC")
	validatePackage(t, root, false)
	b, err := os.ReadFile(filepath.Join(root, "metadata", "preservation", "PREMIS.xml"))
	must(err)
	premis := string(b)
	for _, want := range []string{
		"<eventType>validation</eventType>", "page 1 accepted by archivist-an", "mặt sau trắng",
		"<eventType>modification</eventType>", "page 2 rescanned by archivist-binh: nghiêng quá / too skewed", "replaced image SHA-256 22 (flags skewed)",
	} {
		if !strings.Contains(premis, want) {
			t.Errorf("PREMIS.xml lacks %q", want)
		}
	}
}
