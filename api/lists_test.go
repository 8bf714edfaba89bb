package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestListEndpoints pages through GET /v1/batches, /v1/documents and
// /v1/results with limit and cursor (the same on each), and wants every
// record of the caller's office once, nothing of another office, and a
// 404 for documents of an unknown batch.
func TestListEndpoints(t *testing.T) {
	ts, db, _, token := newServer(t)
	ctx := context.Background()
	var mine []string
	for i := range 5 {
		batch, office := fmt.Sprintf("b%d", i), "ubnd-ben-nghe"
		if i == 3 {
			office = "ubnd-other"
		} else {
			mine = append(mine, batch)
		}
		if _, err := db.EnsureBatch(ctx, batch, batch); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClaimBatchOffice(ctx, batch, office); err != nil {
			t.Fatal(err)
		}
		doc := "d" + batch
		if _, err := db.CreateDocument(ctx, catalog.Document{ID: doc, BatchID: batch}, []catalog.Page{{ID: doc + "-p1", DocumentID: doc, BatchID: batch, Seq: 1}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateResult(ctx, results.Result{Code: "KQ" + batch, OfficeID: office, OwnerID: "001", ProcedureCode: "1.0001", Name: "GCN",
			NumberSymbol: "1/GCN", Issuer: "UBND", IssueDate: "2024-03-05"}, results.Event{Actor: "t", Reason: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string, v any) int {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode
	}
	type page struct {
		Batches    []struct{ ID string }
		Documents  []struct{ ID string }
		Results    []struct{ Code string }
		NextCursor string `json:"next_cursor"`
	}
	walk := func(path string, id func(page) []string) []string {
		var got []string
		cursor := ""
		for range 10 {
			var p page
			sep := "?"
			if slices.Contains([]byte(path), '?') {
				sep = "&"
			}
			if code := get(path+sep+"limit=2&cursor="+cursor, &p); code != 200 {
				t.Fatalf("GET %s: %d", path, code)
			}
			got = append(got, id(p)...)
			if p.NextCursor == "" {
				return got
			}
			cursor = p.NextCursor
		}
		t.Fatalf("GET %s: the cursor never ends", path)
		return nil
	}
	batches := walk("/v1/batches", func(p page) (o []string) {
		for _, b := range p.Batches {
			o = append(o, b.ID)
		}
		return
	})
	if !slices.Equal(batches, mine) {
		t.Errorf("GET /v1/batches = %v, want %v", batches, mine)
	}
	docs := walk("/v1/documents?status=ocr", func(p page) (o []string) {
		for _, d := range p.Documents {
			o = append(o, d.ID[1:])
		}
		return
	})
	if !slices.Equal(docs, mine) {
		t.Errorf("GET /v1/documents = %v, want %v", docs, mine)
	}
	if one := walk("/v1/documents?batch=b1", func(p page) (o []string) {
		for _, d := range p.Documents {
			o = append(o, d.ID)
		}
		return
	}); !slices.Equal(one, []string{"db1"}) {
		t.Errorf("GET /v1/documents?batch=b1 = %v", one)
	}
	var res []string
	for _, c := range walk("/v1/results", func(p page) (o []string) {
		for _, r := range p.Results {
			o = append(o, r.Code)
		}
		return
	}) {
		res = append(res, c[2:])
	}
	slices.Sort(res)
	if !slices.Equal(res, mine) {
		t.Errorf("GET /v1/results = %v, want %v", res, mine)
	}
	for path, want := range map[string]int{
		"/v1/documents?batch=nope": 404, "/v1/documents?batch=b3": 404, // unknown, and another office's
		"/v1/documents?status=lost": 400, "/v1/batches?limit=0": 400, "/v1/batches?cursor=%21%21": 400,
		"/v1/copies": 403, // copies are the clerks' and systems'
	} {
		var p page
		if code := get(path, &p); code != want {
			t.Errorf("GET %s = %d, want %d", path, code, want)
		}
	}
}
