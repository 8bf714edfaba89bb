package web

import (
	"context"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// SearchDB is what the archive's search and document view read.
type SearchDB interface {
	SearchDocuments(ctx context.Context, q catalog.SearchQuery) ([]catalog.SearchHit, bool, error)
	Pages(ctx context.Context, documentID string) ([]catalog.Page, error)
}

type searchHit struct {
	Doc     catalog.Document
	Snippet template.HTML
}

type searchView struct {
	Q                              catalog.SearchQuery
	Asked                          bool
	Hits                           []searchHit
	More                           bool
	NextOffset, PrevOffset, Offset int
	Query                          url.Values
}

// Start is the number of the first hit shown, from 1.
func (v searchView) Start() int { return v.Offset + 1 }

const searchPage = 20

// search is the archive's full-text search: every word must occur,
// accents and case ignored, with the filters the catalog offers.
func (a *Archive) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	qv := r.URL.Query()
	off, _ := strconv.Atoi(qv.Get("offset"))
	q := catalog.SearchQuery{Text: strings.TrimSpace(qv.Get("q")), Issuer: strings.TrimSpace(qv.Get("issuer")),
		Type: strings.TrimSpace(qv.Get("type")), From: qv.Get("from"), To: qv.Get("to"), Status: results.Status(qv.Get("validity")),
		Today: results.Today(time.Now()), Offices: sessionOf(r).P.Visible(), Limit: searchPage, Offset: max(off, 0)}
	v := searchView{Q: q, Offset: q.Offset}
	v.Asked = q.Text != "" || q.Issuer != "" || q.Type != "" || q.From != "" || q.To != "" || q.Status != ""
	if v.Asked && a.Search != nil {
		hits, more, err := a.Search.SearchDocuments(ctx, q)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		terms := strings.Fields(catalog.Fold(q.Text))
		for _, h := range hits {
			d, err := a.DB.Document(ctx, h.DocumentID)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			v.Hits = append(v.Hits, searchHit{Doc: d, Snippet: highlight(h.Snippet, terms)})
		}
		v.More = more
		next := url.Values{}
		for k, vs := range qv {
			next[k] = vs
		}
		next.Del("offset")
		v.Query = next
		v.NextOffset, v.PrevOffset = q.Offset+searchPage, max(q.Offset-searchPage, 0)
	}
	a.core.render(w, r, http.StatusOK, "search.html", v, "")
}

// highlight marks in text the words whose accent-folded form begins with
// one of terms (folded), escaping everything else.
func highlight(text string, terms []string) template.HTML {
	var b strings.Builder
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) }
	rs := []rune(text)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isWord(rs[j]) == isWord(rs[i]) {
			j++
		}
		piece := string(rs[i:j])
		esc := template.HTMLEscapeString(piece)
		hit := false
		if isWord(rs[i]) {
			f := catalog.Fold(piece)
			for _, t := range terms {
				if t != "" && strings.HasPrefix(f, t) {
					hit = true
				}
			}
		}
		if hit {
			b.WriteString("<mark>" + esc + "</mark>")
		} else {
			b.WriteString(esc)
		}
		i = j
	}
	return template.HTML(b.String()) // every piece escaped above
}

type docPage struct {
	Page catalog.Page
	Text string
}

type documentView struct {
	Doc   catalog.Document
	Pages []docPage
}

// document shows a document: its pages with their text, and the signed
// PDF's download.
func (a *Archive) document(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, _, err := a.visibleDoc(r)
	if err == nil && a.Search == nil {
		err = catalog.ErrNotFound
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	pages, err := a.Search.Pages(ctx, d.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	v := documentView{Doc: d}
	for _, p := range pages {
		dp := docPage{Page: p}
		if o := a.ocrOf(ctx, p); o != nil {
			dp.Text = o.Text
		}
		v.Pages = append(v.Pages, dp)
	}
	a.core.render(w, r, http.StatusOK, "document.html", v, "")
}

// signedPDF sends a document's signed PDF; every fetch is audited.
func (a *Archive) signedPDF(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, office, err := a.visibleDoc(r)
	if err == nil && (d.Status != catalog.DocSigned || a.Blobs == nil) {
		err = catalog.ErrNotFound
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: office,
		Action: catalog.AuditPDFFetch, Subject: d.ID, Detail: []byte(`{"kind":"signed_document"}`)}); err != nil {
		a.fail(w, r, err)
		return
	}
	rc, info, err := a.Blobs.Get(ctx, d.SignedKey)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.ID+`.pdf"`)
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	io.Copy(w, rc)
}
