package results_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

func TestNormalize(t *testing.T) {
	base := results.Result{Code: " KQ-1 ", OwnerID: "001", ProcedureCode: "1.1", Name: "GCN", IssueDate: "05/03/2024"}
	tests := []struct {
		name   string
		edit   func(*results.Result)
		fields []string // fields with problems; nil when valid
	}{
		{"valid, Vietnamese date", func(*results.Result) {}, nil},
		{"all missing", func(r *results.Result) { *r = results.Result{} }, []string{"code", "owner_id", "procedure_code", "name", "issue_date"}},
		{"bad date", func(r *results.Result) { r.IssueDate = "2024-13-01" }, []string{"issue_date"}},
		{"until before issue", func(r *results.Result) { r.ValidUntil = "2024-03-04" }, []string{"valid_until"}},
		{"until same day", func(r *results.Result) { r.ValidUntil = "5.3.2024" }, nil},
		{"too long", func(r *results.Result) { r.Name = strings.Repeat("x", 1001) }, []string{"name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.edit(&r)
			err := results.Normalize(&r)
			var ps results.Problems
			errors.As(err, &ps)
			var got []string
			for _, p := range ps {
				got = append(got, p.Field)
				if p.VI == "" || p.EN == "" {
					t.Errorf("problem %+v is not bilingual", p)
				}
			}
			if !slices.Equal(got, tc.fields) {
				t.Fatalf("problems in %v (err %v), want %v", got, err, tc.fields)
			}
			if err == nil && (r.Code != "KQ-1" || r.IssueDate != "2024-03-05") {
				t.Errorf("normalized = %+v", r)
			}
			if err != nil && !errors.Is(err, results.ErrInvalid) {
				t.Errorf("err %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestFromDocument(t *testing.T) {
	meta := json.RawMessage(`{"issuer":{"value":"UBND PHƯỜNG BẾN THÀNH","confidence":0.91},
		"number_symbol":{"value":"123/QĐ-UBND","confidence":0.62},"date":{"value":"2024-03-05","confidence":1},
		"type":{"value":"QUYẾT ĐỊNH","confidence":0.8}}`)
	draft := results.Result{Code: "KQ-9", OwnerID: "001", ProcedureCode: "1.1", NumberSymbol: "128/QĐ-UBND", Issuer: "UBND PHƯỜNG BẾN THÀNH"}
	r, changes, err := results.FromDocument("doc1", meta, draft)
	if err != nil {
		t.Fatal(err)
	}
	if r.NumberSymbol != "128/QĐ-UBND" || r.Issuer != "UBND PHƯỜNG BẾN THÀNH" || r.IssueDate != "2024-03-05" ||
		r.Name != "QUYẾT ĐỊNH" || !slices.Equal(r.DocumentIDs, []string{"doc1"}) {
		t.Errorf("result = %+v", r)
	}
	byField := map[string]results.Change{}
	for _, c := range changes {
		byField[c.Field] = c
	}
	if c := byField["number_symbol"]; c.From != "123/QĐ-UBND" || c.To != "128/QĐ-UBND" || !strings.Contains(c.Note, "corrected") || !strings.Contains(c.Note, "0.62") {
		t.Errorf("number_symbol change = %+v, want a correction of the extracted value", c)
	}
	if c := byField["issuer"]; c.From != "" || !strings.Contains(c.Note, "confirmed") {
		t.Errorf("issuer change = %+v, want confirmed", c)
	}
	if c := byField["issue_date"]; c.To != "2024-03-05" || !strings.Contains(c.Note, "confirmed") {
		t.Errorf("issue_date change = %+v", c)
	}

	// Nothing extracted and nothing typed: the record is refused.
	if _, _, err := results.FromDocument("doc2", nil, results.Result{Code: "K", OwnerID: "1", ProcedureCode: "p"}); !errors.Is(err, results.ErrInvalid) {
		t.Errorf("FromDocument without name or date: %v, want ErrInvalid", err)
	}
	if _, _, err := results.FromDocument("doc3", json.RawMessage(`[1]`), draft); err == nil {
		t.Error("unreadable metadata accepted")
	}
}

func TestPatch(t *testing.T) {
	r := results.Result{Code: "K", OwnerID: "1", ProcedureCode: "p", Name: "n", IssueDate: "2024-01-01", DocumentIDs: []string{"d1"}}
	bad := "nope"
	if _, _, err := (results.Patch{IssueDate: &bad}).Apply(r); !errors.Is(err, results.ErrInvalid) {
		t.Errorf("bad date patch: %v", err)
	}
	name := "n2"
	out, ch, err := (results.Patch{Name: &name, AddDocuments: []string{"d1", "d2", " "}}).Apply(r)
	if err != nil || out.Name != "n2" || !slices.Equal(out.DocumentIDs, []string{"d1", "d2"}) || len(ch) != 2 {
		t.Errorf("Apply = %+v, %+v, %v", out, ch, err)
	}
	if !slices.Equal(r.DocumentIDs, []string{"d1"}) {
		t.Error("Apply changed its argument's documents")
	}
}

func TestImportCSV(t *testing.T) {
	db, err := catalog.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.CreateResult(ctx, results.Result{Code: "KQ-EXIST", OfficeID: "px1", OwnerID: "1", ProcedureCode: "p",
		Name: "n", IssueDate: "2024-01-01"}, results.Event{Actor: "seed"}); err != nil {
		t.Fatal(err)
	}
	// Excel's BOM, Vietnamese headers, semicolons, a quoted field with a
	// separator and a newline, and rows wrong in every way.
	src := "\ufeffMã kết quả;Số định danh chủ sở hữu;Mã thủ tục;Tên giấy tờ;Số, ký hiệu;Cơ quan ban hành;Ngày ban hành;Hiệu lực đến\n" +
		"KQ-1;001090012345;1.001;Giấy phép xây dựng;12/GPXD;\"UBND quận 1;\nTP.HCM\";05/03/2024;05/03/2029\n" +
		"KQ-2;001090012345;1.001;Giấy phép;13/GPXD;UBND;2024-03-06;\n" +
		"KQ-3;;1.001;Giấy phép;;;32/13/2024;\n" +
		"KQ-4;001;1.001;GP;;;2024-03-06;2024-01-01\n" +
		"KQ-EXIST;001;1.001;GP;;;2024-03-06;\n" +
		"KQ-5;001;1.001\n" +
		"KQ-1;001;1.001;GP;;;2024-03-06;\n" +
		"KQ-6;001;1.001;G\xff;;;2024-03-06;\n" +
		"KQ-7;001;1.001;\"GP\"x;;;2024-03-06;\n" +
		"KQ-8;001;1.002;GP;;;2024-03-07;\n"
	rep, err := results.ImportCSV(ctx, strings.NewReader(src), "px1", "archivist-1", db)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 10 || rep.Created != 3 || len(rep.Rejected) != 7 {
		t.Fatalf("report = %+v; want 10 rows, 3 created, 7 rejected", rep)
	}
	want := []struct {
		line  int
		field string
	}{{5, "owner_id"}, {6, "valid_until"}, {7, "code"}, {8, ""}, {9, "code"}, {10, "Tên giấy tờ"}, {11, ""}} // row 1 spans lines 2-3
	for i, w := range want {
		got := rep.Rejected[i]
		if got.Line != w.line || len(got.Problems) == 0 || got.Problems[0].Field != w.field {
			t.Errorf("rejected[%d] = %+v; want line %d, field %q", i, got, w.line, w.field)
		}
	}
	if ps := rep.Rejected[0].Problems; len(ps) != 2 {
		t.Errorf("line 5 has 2 problems (owner, date), got %+v", ps)
	}
	rs, _, err := db.LookupResults(ctx, catalog.ResultQuery{OwnerID: "001090012345"})
	if err != nil || len(rs) != 2 {
		t.Fatalf("imported = %+v, %v", rs, err)
	}
	slices.SortFunc(rs, func(a, b results.Result) int { return strings.Compare(a.Code, b.Code) })
	if r := rs[0]; r.Code != "KQ-1" || r.Issuer != "UBND quận 1;\nTP.HCM" || r.IssueDate != "2024-03-05" || r.ValidUntil != "2029-03-05" || r.OfficeID != "px1" {
		t.Errorf("row 1 = %+v", r)
	}
	hist, _ := db.ResultHistory(ctx, rs[0].ID)
	if len(hist) != 1 || hist[0].Actor != "archivist-1" || !strings.Contains(hist[0].Reason, "line 2") {
		t.Errorf("history = %+v", hist)
	}

	for name, src := range map[string]string{
		"empty":          "",
		"unknown column": "code,owner_id,procedure_code,name,issue_date,colour\n",
		"missing column": "code,owner_id,name,issue_date\n",
		"twice":          "MaKetQua,code,owner_id,procedure_code,name,issue_date\n",
	} {
		if _, err := results.ImportCSV(ctx, strings.NewReader(src), "px1", "a", db); err == nil {
			t.Errorf("%s: import succeeded", name)
		}
	}
	// The portal's names, commas.
	rep, err = results.ImportCSV(ctx, strings.NewReader("MaKetQua,SoDinhDanhChuSoHuu,MaThuTuc,TenGiayTo,NgayBanHanh\nKQ-X,9,1.1,GP,2024-01-01\n"), "px1", "a", db)
	if err != nil || rep.Created != 1 || len(rep.Rejected) != 0 {
		t.Errorf("portal headers: %+v, %v", rep, err)
	}
}
