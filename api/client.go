package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Client calls a sohoa server's API.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string // API key, sent as "Authorization: Bearer <Token>"
	HTTP    *http.Client
}

// Error is an error answer from the server.
type Error struct {
	Status int
	Code   string
	VI, EN string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("%s / %s (HTTP %d, %s)", e.VI, e.EN, e.Status, e.Code)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return c.send(ctx, method, path, body, h, out)
}

// send is do with any request headers.
func (c *Client) send(ctx context.Context, method, path string, body io.Reader, h http.Header, out any) error {
	return c.sendAccepting(ctx, method, path, body, h, out, 0)
}

// sendAccepting is send that also decodes into out an answer of status
// also (an upload that became a failed document answers 422 with it).
func (c *Client) sendAccepting(ctx context.Context, method, path string, body io.Reader, h http.Header, out any, also int) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode != also {
		var e struct {
			Error apiError `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		return &Error{Status: resp.StatusCode, Code: e.Error.Code, VI: e.Error.VI, EN: e.Error.EN}
	}
	if out == nil {
		return nil
	}
	if w, ok := out.(io.Writer); ok {
		_, err = io.Copy(w, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// CreateBatch creates the batch called name, or finds it if it exists.
func (c *Client) CreateBatch(ctx context.Context, name string) (Batch, error) {
	b, _ := json.Marshal(map[string]string{"name": name})
	var out Batch
	err := c.do(ctx, http.MethodPost, "/v1/batches", bytes.NewReader(b), "application/json", &out)
	return out, err
}

// Batch returns a batch and its progress.
func (c *Client) Batch(ctx context.Context, id string) (Batch, error) {
	var out Batch
	err := c.do(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(id), nil, "", &out)
	return out, err
}

// Report returns every document and page of a batch.
func (c *Client) Report(ctx context.Context, id string) (Report, error) {
	var out Report
	err := c.do(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(id)+"/report", nil, "", &out)
	return out, err
}

// Upload sends one file into a batch.
func (c *Client) Upload(ctx context.Context, batchID, name string, r io.Reader) (Upload, error) {
	return c.UploadWithKey(ctx, batchID, name, "", r)
}

// UploadWithKey is Upload with an idempotency key ("" for none): the
// document is named by the key, so sending again with the same key, after
// an answer was lost, adds nothing even when the bytes differ.
func (c *Client) UploadWithKey(ctx context.Context, batchID, name, key string, r io.Reader) (Upload, error) {
	var out Upload
	path := "/v1/batches/" + url.PathEscape(batchID) + "/files?name=" + url.QueryEscape(name)
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	// A file taken but unusable answers 422 with its failed document: the
	// caller reads the reason in Document.Status and Document.Error.
	err := c.sendAccepting(ctx, http.MethodPost, path, r, h, &out, http.StatusUnprocessableEntity)
	return out, err
}

// Document returns a document's metadata.
func (c *Client) Document(ctx context.Context, id string) (Document, error) {
	var out Document
	err := c.do(ctx, http.MethodGet, "/v1/documents/"+url.PathEscape(id), nil, "", &out)
	return out, err
}

// PDF writes a document's signed PDF to w.
func (c *Client) PDF(ctx context.Context, id string, w io.Writer) error {
	return c.do(ctx, http.MethodGet, "/v1/documents/"+url.PathEscape(id)+"/pdf", nil, "", w)
}

// FileByHash returns the document a file with this SHA-256 became in the
// batch; an *Error with Status 404 means the batch does not have it.
func (c *Client) FileByHash(ctx context.Context, batchID, sha256hex string) (Upload, error) {
	var out Upload
	err := c.do(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(batchID)+"/files/"+sha256hex, nil, "", &out)
	return out, err
}

// QCQueue returns up to limit pages of a batch waiting for quality review,
// after the cursor after ("" for the start).
func (c *Client) QCQueue(ctx context.Context, batchID, after string, limit int) (QCList, error) {
	var out QCList
	path := "/v1/batches/" + url.PathEscape(batchID) + "/qc?limit=" + strconv.Itoa(limit) + "&after=" + url.QueryEscape(after)
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return out, err
}

// AcceptPage accepts a flagged page as it is.
func (c *Client) AcceptPage(ctx context.Context, pageID, note string) (QCPage, error) {
	var out QCPage
	b, err := json.Marshal(QCDecision{Note: note})
	if err != nil {
		return out, err
	}
	err = c.do(ctx, http.MethodPost, "/v1/pages/"+url.PathEscape(pageID)+"/accept", bytes.NewReader(b), "application/json", &out)
	return out, err
}

// RescanPage replaces a page's image with the one-page image r.
func (c *Client) RescanPage(ctx context.Context, pageID, name, reason string, r io.Reader) (QCPage, error) {
	var out QCPage
	path := "/v1/pages/" + url.PathEscape(pageID) + "/rescan?name=" + url.QueryEscape(name) + "&reason=" + url.QueryEscape(reason)
	err := c.do(ctx, http.MethodPost, path, r, "application/octet-stream", &out)
	return out, err
}

// Page returns a page with its quality flags and rescan history.
func (c *Client) Page(ctx context.Context, id string) (QCPage, error) {
	var out QCPage
	err := c.do(ctx, http.MethodGet, "/v1/pages/"+url.PathEscape(id), nil, "", &out)
	return out, err
}

// Batches returns one page of the caller's batches with their progress,
// after cursor ("" for the first).
func (c *Client) Batches(ctx context.Context, cursor string, limit int) (BatchList, error) {
	var out BatchList
	path := "/v1/batches?limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(cursor)
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return out, err
}

// Search returns one page of the documents matching a full-text query
// (accents optional), after cursor ("" for the first).
func (c *Client) Search(ctx context.Context, query, cursor string, limit int) (SearchResponse, error) {
	var out SearchResponse
	path := "/v1/search?q=" + url.QueryEscape(query) + "&limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(cursor)
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return out, err
}
