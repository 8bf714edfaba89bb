package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// vietnamese matches a letter only Vietnamese text has.
var vietnamese = regexp.MustCompile(`[ăâđêôơưàáạảãầấậẩẫằắặẳẵèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]`)

// englishWords are words an English message has and a Vietnamese one
// should not: the thing not found, named in the other language.
var englishWords = regexp.MustCompile(`\b(not found|document|batch|result|copy|book|file|error)\b`)

// checkError decodes an answer and checks it is the API's error shape,
// with each message in its own language.
func checkError(t *testing.T, what string, status int, header http.Header, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var e struct{ Error apiError }
	if !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		t.Errorf("%s: Content-Type %q, body %q: want the JSON error shape", what, header.Get("Content-Type"), body)
		return
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Errorf("%s: %v in %q", what, err, body)
		return
	}
	if status != wantStatus || e.Error.Code != wantCode || e.Error.VI == "" || e.Error.EN == "" {
		t.Errorf("%s = %d %+v, want %d %s with vi and en", what, status, e.Error, wantStatus, wantCode)
	}
	if vietnamese.MatchString(e.Error.EN) {
		t.Errorf("%s: en %q holds Vietnamese", what, e.Error.EN)
	}
	if englishWords.MatchString(e.Error.VI) {
		t.Errorf("%s: vi %q holds English", what, e.Error.VI)
	}
}

// TestEveryErrorIsJSON sends requests the standard library answers
// itself (unknown path, wrong method, oversized body, rate limit) and
// ones the handlers answer, and wants one JSON shape from all.
func TestEveryErrorIsJSON(t *testing.T) {
	ts, _, _, token := newServer(t)
	tests := []struct {
		name, method, path string
		body               []byte
		status             int
		code               string
	}{
		{"unknown path", "GET", "/v1/nothing-here", nil, 404, "not_found"},
		{"unknown batch", "GET", "/v1/batches/nope", nil, 404, "not_found"},
		{"wrong method", "PUT", "/v1/results/lookup", nil, 405, "method_not_allowed"},
		{"body over the limit", "POST", "/v1/results", bytes.Repeat([]byte(" "), 2<<20), 413, "too_large"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, bytes.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		checkError(t, tt.name, resp.StatusCode, resp.Header, b.Bytes(), tt.status, tt.code)
		if tt.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s: no Allow header", tt.name)
		}
	}
}

// TestRangeAndRateErrorsAreJSON covers the 416 http.ServeContent writes
// and the 429 of the rate limiter.
func TestRangeAndRateErrorsAreJSON(t *testing.T) {
	serve := JSONErrors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, strings.NewReader("ten bytes!"))
	}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("Range", "bytes=100-200")
	serve.ServeHTTP(rec, req)
	checkError(t, "range past the end", rec.Code, rec.Header(), rec.Body.Bytes(), 416, "bad_range")

	// A good range still passes untouched.
	rec = httptest.NewRecorder()
	req.Header.Set("Range", "bytes=0-2")
	serve.ServeHTTP(rec, req)
	if rec.Code != 206 || rec.Body.String() != "ten" {
		t.Errorf("bytes=0-2: %d %q", rec.Code, rec.Body.String())
	}

	lim := LimitRequests(NewLimiter(RateLimit{Rate: 0.001, Burst: 1}), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i := range 2 {
		rec = httptest.NewRecorder()
		lim.ServeHTTP(rec, httptest.NewRequest("GET", "/verify/x", nil))
		if i == 1 {
			checkError(t, "second request over the limit", rec.Code, rec.Header(), rec.Body.Bytes(), 429, "too_many_requests")
		}
	}
}

// TestNotFoundMessagesInTheirLanguage: the copies' 404 used to carry
// "tài liệu hoặc kết quả / document or result not found" in "en".
func TestNotFoundMessagesInTheirLanguage(t *testing.T) {
	for _, n := range []noun{{"tài liệu hoặc kết quả", "document or result"}, {"sổ", "book"}, {"bản sao", "copy"}} {
		rec := httptest.NewRecorder()
		(&Copies{}).failErr(rec, httptest.NewRequest("GET", "/", nil), n, catalog.ErrNotFound)
		checkError(t, "copies: "+n.en, rec.Code, rec.Header(), rec.Body.Bytes(), 404, "not_found")
		rec = httptest.NewRecorder()
		(&Archive{}).failErr(rec, httptest.NewRequest("GET", "/", nil), n, catalog.ErrNotFound)
		checkError(t, "archive: "+n.en, rec.Code, rec.Header(), rec.Body.Bytes(), 404, "not_found")
	}
}

// TestFailedUploadIs422: a file taken as a failed document is not a
// success: 422 with the document and its reason (it used to be 201
// "created": true). The client still hands the document back.
func TestFailedUploadIs422(t *testing.T) {
	ts, db, _, token := newServer(t)
	if _, err := db.EnsureBatch(t.Context(), "b1", "one"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ClaimBatchOffice(t.Context(), "b1", "ubnd-ben-nghe"); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // the same bytes again find the same failed document: 422 again
		req, _ := http.NewRequest("POST", ts.URL+"/v1/batches/b1/files?name=notes.png", strings.NewReader("not an image"))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var up Upload
		err = json.NewDecoder(resp.Body).Decode(&up)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 422 || up.Document.Status != "failed" || up.Document.Error == "" ||
			up.Created != (i == 0) || up.Error == nil || up.Error.Code != "document_failed" {
			t.Errorf("upload %d of a bad file = %d %+v (%v), want 422 with the failed document", i, resp.StatusCode, up, err)
		}
	}
	c := &Client{BaseURL: ts.URL, Token: token}
	up, err := c.Upload(t.Context(), "b1", "other.png", strings.NewReader("not an image either"))
	if err != nil || up.Document.Status != "failed" {
		t.Errorf("client upload of a bad file = %+v, %v; want the failed document, no error", up, err)
	}
}
