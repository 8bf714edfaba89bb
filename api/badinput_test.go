package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/certify/certifytest"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// TestLookupBadInput400: input a client got wrong is answered 400 naming
// the field, not 500: a bad issue_date in a copies lookup, 100,000
// numbers in a results lookup.
func TestLookupBadInput400(t *testing.T) {
	e := newArchive(t, time.Now())
	numbers := make([]string, 100000)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("%d/QĐ-UBND", i)
	}
	var body errorBody
	e.expect(e.do("clerk", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001",
		"DanhSachSoKyHieu": numbers[:40000]}, &body), 400)
	if len(body.Problems) != 1 || body.Problems[0].Field != "DanhSachSoKyHieu" {
		t.Errorf("problems = %+v", body.Problems)
	}
	e.expect(e.do("clerk", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001",
		"DanhSachMaKetQua": numbers[:40000]}, &body), 400)
	if len(body.Problems) != 1 || body.Problems[0].Field != "DanhSachMaKetQua" {
		t.Errorf("problems = %+v", body.Problems)
	}
	e.expect(e.do("clerk", "POST", "/v1/results/lookup", map[string]any{"SoDinhDanhChuSoHuu": "079190000001",
		"DanhSachSoKyHieu": numbers[:1000]}, nil), 200)

	ctx := context.Background()
	f := certifytest.New(t, "")
	clerk, _, err := f.DB.CreateAPIKey(ctx, catalog.APIKey{Name: "c", Scopes: []string{"clerk"}, OfficeID: certifytest.Office})
	if err != nil {
		t.Fatal(err)
	}
	c := &Copies{Service: f.Service}
	srv := httptest.NewServer(Authenticate(f.DB, nil)(NewMux(CopyRoutes(c))))
	defer srv.Close()
	for _, tc := range []struct {
		date   string
		status int
	}{{"hôm qua", 400}, {"2024-13-45", 400}, {"05/03/2024", 200}, {"2024-03-05", 200}} {
		b, _ := json.Marshal(map[string]string{"number_symbol": "12/GP", "issue_date": tc.date})
		req, _ := http.NewRequest("POST", srv.URL+"/v1/copies/lookup", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+clerk)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || tc.status == 400 && !strings.Contains(string(out), `"issue_date"`) {
			t.Errorf("copies lookup issue_date %q: %d %s, want %d", tc.date, resp.StatusCode, out, tc.status)
		}
	}
}
