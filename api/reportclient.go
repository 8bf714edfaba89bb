package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// ReportCSV writes a batch's page-by-page report, as CSV, to w.
func (c *Client) ReportCSV(ctx context.Context, batchID string, w io.Writer) error {
	return c.do(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(batchID)+"/report.csv", nil, "", w)
}

// BatchPages returns up to limit page rows of a batch after the cursor
// after ("" for the first); PageList.Next is the cursor of the rest.
func (c *Client) BatchPages(ctx context.Context, batchID, after string, limit int) (PageList, error) {
	var out PageList
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	err := c.do(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(batchID)+"/pages?"+q.Encode(), nil, "", &out)
	return out, err
}

// BatchAIP writes the archival package of a batch (format "tar" or
// "zip", optionally as a BagIt bag) to w.
func (c *Client) BatchAIP(ctx context.Context, batchID, format string, bag bool, w io.Writer) error {
	q := url.Values{"format": {format}, "bag": {strconv.FormatBool(bag)}}
	return c.do(ctx, http.MethodGet, "/v1/batches/"+url.PathEscape(batchID)+"/aip?"+q.Encode(), nil, "", w)
}

// DossierAIP writes the archival package of a dossier to w.
func (c *Client) DossierAIP(ctx context.Context, req AIPRequest, w io.Writer) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, "/v1/aip", bytes.NewReader(b), "application/json", w)
}
