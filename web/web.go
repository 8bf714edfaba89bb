// Package web serves the clerk's pages for certified copies: server-
// rendered HTML (html/template) that works without JavaScript and with
// the keyboard only, in Vietnamese with an English switch.
//
// A clerk signs in by pasting a clerk API key into a form (itself
// guarded by a CSRF token and an origin check); the server keeps the key
// in a session and gives the browser only the session's random ID, in an
// HttpOnly, SameSite=Strict cookie scoped to /clerk/. Logging out, or
// the session's expiry, ends it on the server. Every form that changes
// something carries a CSRF token (an HMAC of the session ID under a
// per-process secret) and must come from this site, checked on POST.
//
// Pages: the queue of scanned originals not yet certified, with upload;
// one original with the result it was found to be and its validity, a
// preview of its pages and the issue form (an expired, revoked or
// replaced result needs an acknowledgement, recorded), found by the link
// to the result, a QR code printed on the original, or what the clerk
// types; the stamped copy's preview (an unsigned PDF); an issued copy
// with its download and verification links; the history of copies; the
// month's book, where a number left pending can be voided with a reason.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/api"
	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/ingest"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

//go:embed templates/*.html templates/archive/*.html static/*
var files embed.FS

// Uploader takes a scanned file into a batch (ingest.Ingester).
type Uploader interface {
	File(ctx context.Context, batchID, name string, r io.Reader) (ingest.Result, error)
}

// Server is the clerk's web UI, mounted at /clerk/.
type Server struct {
	Service *certify.Service
	Keys    api.KeyStore
	// Upload, when set, lets clerks upload scans (into a batch per office
	// and day); nil hides the form.
	Upload Uploader
	// Secure sets the Secure attribute on cookies (serve over HTTPS).
	Secure bool
	// CSRFKey keys the CSRF tokens; give every replica behind one address
	// the same key. nil: a random key per process.
	CSRFKey []byte
	// SessionMaxAge and SessionIdle end clerks' sessions (zero:
	// DefaultSessionMaxAge, DefaultSessionIdle).
	SessionMaxAge, SessionIdle time.Duration
	Log                        *slog.Logger

	secret   []byte
	tpl      *template.Template
	sessions *sessionStore
	// base is where the pages are mounted ("/clerk/" or "/archive/"),
	// scope the scope a key needs to sign in, text the wording: the
	// archive console (Archive) reuses the sessions, CSRF tokens and
	// sign-in of the clerk's pages with its own.
	base  string
	scope api.Scope
	text  map[string]map[string]string
}

const (
	cookieKey   = "sohoa_clerk" // the session ID
	cookieLogin = "sohoa_login" // the login form's CSRF value
	cookieLang  = "sohoa_lang"
	maxUpload   = 200 << 20
)

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Handler returns the UI's handler; mount it at "/clerk/".
func (s *Server) Handler() http.Handler {
	s.init("/clerk/", api.ScopeClerk, texts)
	s.tpl = template.Must(template.New("").Funcs(template.FuncMap{
		"vn":   func(t time.Time) string { return t.In(results.Vietnam).Format("02/01/2006 15:04") },
		"code": certify.GroupCode,
		// The notes column of the book, as the printed book shows it
		// (the state of a number not issued is its own column here).
		"booknotes": func(e catalog.BookEntry) string {
			e.Status = catalog.EntryIssued
			return certify.BookNotes(e)
		},
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i + 1
			}
			return out
		},
	}).ParseFS(files, "templates/*.html"))
	static, _ := fs.Sub(files, "static")
	mux := http.NewServeMux()
	mux.Handle("GET /clerk/static/", http.StripPrefix("/clerk/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /clerk/login", s.loginPage)
	mux.HandleFunc("POST /clerk/login", s.login)
	mux.HandleFunc("POST /clerk/logout", s.auth(s.logout))
	mux.HandleFunc("GET /clerk/{$}", s.auth(s.queue))
	mux.HandleFunc("POST /clerk/upload", s.auth(s.upload))
	mux.HandleFunc("GET /clerk/documents/{id}", s.auth(s.document))
	mux.HandleFunc("GET /clerk/documents/{id}/pages/{n}", s.auth(s.pageImage))
	mux.HandleFunc("GET /clerk/documents/{id}/preview", s.auth(s.preview))
	mux.HandleFunc("POST /clerk/documents/{id}/issue", s.auth(s.issue))
	mux.HandleFunc("GET /clerk/book", s.auth(s.book))
	mux.HandleFunc("POST /clerk/book/{year}/{number}/void", s.auth(s.void))
	mux.HandleFunc("GET /clerk/copies/{id}", s.auth(s.copyPage))
	mux.HandleFunc("GET /clerk/copies/{id}/pdf", s.auth(s.copyPDF))
	return securityHeaders(mux)
}

// init sets up the session store and CSRF secret of pages mounted at base
// for keys of scope sc.
func (s *Server) init(base string, sc api.Scope, text map[string]map[string]string) {
	s.base, s.scope, s.text = base, sc, text
	s.secret = s.CSRFKey
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		rand.Read(s.secret)
	}
	s.sessions = &sessionStore{m: map[string]*stored{}}
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// session is a signed-in clerk.
type session struct {
	P    *api.Principal
	CSRF string
	id   string
}

type ctxKey struct{}

// auth lets through requests with a live session whose clerk key is
// still valid, and checks the origin and the CSRF token of POSTs; others
// go to the login page.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieKey)
		if err != nil {
			http.Redirect(w, r, s.base+"login", http.StatusSeeOther)
			return
		}
		token, ok := s.session(c.Value)
		if !ok {
			s.clearCookie(w)
			http.Redirect(w, r, s.base+"login", http.StatusSeeOther)
			return
		}
		k, err := s.Keys.APIKeyByToken(r.Context(), token)
		if err != nil || !hasScope(k, s.scope) {
			s.endSession(c.Value)
			s.clearCookie(w)
			http.Redirect(w, r, s.base+"login", http.StatusSeeOther)
			return
		}
		sess := &session{P: principal(k), CSRF: s.csrf(c.Value), id: c.Value}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) {
				http.Error(w, "yêu cầu từ trang khác / cross-origin request refused", http.StatusForbidden)
				return
			}
			if err := r.ParseMultipartForm(maxUpload); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.FormValue("csrf")), []byte(sess.CSRF)) != 1 {
				http.Error(w, "CSRF token sai hoặc thiếu / bad or missing CSRF token", http.StatusForbidden)
				return
			}
		}
		next(w, r.WithContext(context.WithValue(api.WithPrincipal(r.Context(), sess.P), ctxKey{}, sess)))
	}
}

func hasScope(k catalog.APIKey, s api.Scope) bool {
	for _, x := range k.Scopes {
		if x == string(s) {
			return true
		}
	}
	return false
}

func principal(k catalog.APIKey) *api.Principal {
	p := &api.Principal{KeyID: k.ID, Name: k.Name, OfficeID: k.OfficeID, Offices: k.Offices}
	for _, sc := range k.Scopes {
		if v, ok := api.ParseScope(sc); ok {
			p.Scopes = append(p.Scopes, v)
		}
	}
	return p
}

// csrf is the CSRF token of the forms of session id.
func (s *Server) csrf(id string) string { return s.mac("session", id) }

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieKey, Value: "", Path: s.base, MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
}

// lang is the page language: ?lang= (remembered in a cookie), else the cookie, else Vietnamese.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "vi" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: cookieLang, Value: l, Path: s.base, MaxAge: 365 * 86400, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
		return l
	}
	if c, err := r.Cookie(cookieLang); err == nil && c.Value == "en" {
		return "en"
	}
	return "vi"
}

// page is what every template gets.
type page struct {
	Lang, Other string
	T           map[string]string
	Sess        *session
	Path        string
	Error       string
	Data        any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any, errMsg string) {
	l := s.lang(w, r)
	p := page{Lang: l, Other: map[string]string{"vi": "en", "en": "vi"}[l], T: s.text[l], Path: r.URL.Path, Error: errMsg, Data: data}
	if sess, ok := r.Context().Value(ctxKey{}).(*session); ok {
		p.Sess = sess
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := s.tpl.ExecuteTemplate(w, name, p); err != nil {
		s.log().Error("web: render", "template", name, "err", err)
	}
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login.html", s.loginToken(w, r), "")
}

// login checks the pasted key and starts a server-side session. The form
// must carry the login CSRF token (see loginToken) and come from this
// site: a forged login cannot swap a clerk's session for another key.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) || !s.loginTokenOK(r) {
		http.Error(w, "biểu mẫu đăng nhập không hợp lệ, hãy tải lại trang / invalid login form, reload the page", http.StatusForbidden)
		return
	}
	tok := strings.TrimSpace(r.FormValue("token"))
	k, err := s.Keys.APIKeyByToken(r.Context(), tok)
	if err != nil || !hasScope(k, s.scope) {
		l := s.lang(w, r)
		s.render(w, r, http.StatusUnauthorized, "login.html", s.loginToken(w, r), s.text[l]["badkey"])
		return
	}
	if c, err := r.Cookie(cookieKey); err == nil {
		s.endSession(c.Value) // a new session, never one chosen before sign-in
	}
	http.SetCookie(w, &http.Cookie{Name: cookieKey, Value: s.newSession(tok), Path: s.base, HttpOnly: true, Secure: s.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.maxAge().Seconds())})
	http.SetCookie(w, &http.Cookie{Name: cookieLogin, Value: "", Path: s.base, MaxAge: -1, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, s.base, http.StatusSeeOther)
}

// logout ends the session on the server: the cookie, if kept, is worthless.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	s.endSession(sessionOf(r).id)
	s.clearCookie(w)
	http.Redirect(w, r, s.base+"login", http.StatusSeeOther)
}

func sessionOf(r *http.Request) *session { return r.Context().Value(ctxKey{}).(*session) }

type queueView struct {
	Queue     []catalog.Document
	History   []catalog.Copy
	CanUpload bool
	Uploaded  string
	// URLWarning and URLRefused: see docView.
	URLWarning *certify.URLWarning
	URLRefused bool
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	p := sessionOf(r).P
	ctx := r.Context()
	q, err := s.Service.DB.CertifyQueue(ctx, p.Visible(), 100)
	if err == nil {
		var h []catalog.Copy
		h, err = s.Service.DB.Copies(ctx, p.Visible(), 50)
		if err == nil {
			v := queueView{Queue: q, History: h, CanUpload: s.Upload != nil, Uploaded: r.URL.Query().Get("uploaded")}
			var uerr error
			v.URLWarning, uerr = s.Service.PublicURLStatus(p.OfficeID)
			v.URLRefused = errors.Is(uerr, certify.ErrNoPublicURL)
			s.render(w, r, http.StatusOK, "queue.html", v, "")
			return
		}
	}
	s.fail(w, r, err)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	l := s.lang(w, r)
	status, msg := http.StatusInternalServerError, s.text[l]["internal"]
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		status, msg = http.StatusNotFound, s.text[l]["notfound"]
	case errors.Is(err, certify.ErrNeedsAck):
		status, msg = http.StatusConflict, s.text[l]["needack"]
	case errors.Is(err, certify.ErrNotReady):
		status, msg = http.StatusConflict, s.text[l]["notready"]
	case errors.Is(err, certify.ErrPageTooSmall):
		status, msg = http.StatusUnprocessableEntity, s.text[l]["toosmall"]
	case errors.Is(err, certify.ErrUnknownOffice):
		status, msg = http.StatusConflict, s.text[l]["nobook"]
	case errors.Is(err, catalog.ErrEntryNotPending):
		status, msg = http.StatusConflict, s.text[l]["notpending"]
	case errors.As(err, new(results.Problems)):
		status, msg = http.StatusBadRequest, s.text[l]["needreason"]
	default:
		s.log().Error("web", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, status, "error.html", nil, msg)
}

// upload takes scanned files into today's batch of the clerk's office.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) {
	if s.Upload == nil || r.MultipartForm == nil {
		http.Error(w, "upload disabled", http.StatusNotFound)
		return
	}
	p := sessionOf(r).P
	ctx := r.Context()
	batch := "clerk-" + p.OfficeID + "-" + time.Now().In(results.Vietnam).Format("20060102")
	if _, err := s.Service.DB.EnsureBatch(ctx, batch, "Bàn chứng thực / certification desk"); err != nil {
		s.fail(w, r, err)
		return
	}
	if office, err := s.Service.DB.ClaimBatchOffice(ctx, batch, p.OfficeID); err != nil || office != p.OfficeID {
		s.fail(w, r, fmt.Errorf("batch %s belongs to %q: %v", batch, office, err))
		return
	}
	var ids []string
	for _, fh := range r.MultipartForm.File["scan"] {
		f, err := fh.Open()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := s.Upload.File(ctx, batch, fh.Filename, f)
		f.Close()
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ids = append(ids, res.Document.ID)
	}
	if len(ids) == 1 {
		http.Redirect(w, r, "/clerk/documents/"+ids[0], http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/clerk/?uploaded="+strconv.Itoa(len(ids)), http.StatusSeeOther)
}

type docView struct {
	Doc      catalog.Document
	Ready    bool
	Findings []certify.Finding
	Copies   []catalog.Copy
	Query    certify.LookupRequest
	// Form is what the clerk typed, shown again when issuance is refused.
	Form issueForm
	// Chosen is the result chosen in the form: the first found, else none
	// ("" with no finding: the clerk must choose, "no result" is never
	// preselected).
	Chosen string
	// URLWarning warns that the verification address signed into copies
	// is not public; URLRefused says issuance is refused for want of one.
	URLWarning *certify.URLWarning
	URLRefused bool
}

// issueForm is the issue form's fields.
type issueForm struct {
	ResultID, NoResultReason, Title, Requester, Certifier, Fee, Notes, AckNote string
	Ack, NoResult                                                              bool
}

func formOf(r *http.Request) issueForm {
	f := issueForm{ResultID: r.FormValue("result_id"), NoResultReason: strings.TrimSpace(r.FormValue("no_result_reason")),
		Title: r.FormValue("title"), Requester: r.FormValue("requester"), Certifier: r.FormValue("certifier"),
		Fee: r.FormValue("fee"), Notes: r.FormValue("notes"), AckNote: r.FormValue("ack_note"), Ack: r.FormValue("ack") == "1"}
	f.NoResult = r.Form.Has("result_id") && f.ResultID == ""
	return f
}

// visibleDoc returns the document if the clerk may see it.
func (s *Server) visibleDoc(r *http.Request, id string) (catalog.Document, error) {
	ctx := r.Context()
	office, err := s.Service.DB.DocumentOffice(ctx, id)
	if err != nil {
		return catalog.Document{}, err
	}
	if !sessionOf(r).P.CanSee(office) {
		return catalog.Document{}, catalog.ErrNotFound
	}
	return s.Service.DB.Document(ctx, id)
}

func (s *Server) document(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDoc(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.documentPage(w, r, d, nil, http.StatusOK, "")
}

// documentPage renders an original's page; form, when set, refills the
// issue form (issuance refused with errMsg).
func (s *Server) documentPage(w http.ResponseWriter, r *http.Request, d catalog.Document, form *issueForm, status int, errMsg string) {
	ctx := r.Context()
	qv := r.URL.Query()
	q := certify.LookupRequest{DocumentID: d.ID, Code: qv.Get("code"), NumberSymbol: qv.Get("number"), Issuer: qv.Get("issuer"),
		IssueDate: qv.Get("date"), Offices: sessionOf(r).P.Visible()}
	v := docView{Doc: d, Query: q}
	var err error
	if v.Findings, err = s.Service.Lookup(ctx, q); err != nil && errMsg == "" {
		errMsg = err.Error()
	}
	if len(v.Findings) > 0 {
		v.Chosen = v.Findings[0].Result.ID
	}
	if form != nil {
		v.Form = *form
		v.Chosen = form.ResultID
	}
	pages, err := s.Service.DB.Pages(ctx, d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Ready = len(pages) == d.PageCount && len(pages) > 0
	for _, p := range pages {
		v.Ready = v.Ready && p.Status == catalog.PageOCRDone
	}
	if v.Copies, err = s.Service.DB.CopiesOfDocument(ctx, d.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	v.URLWarning, err = s.Service.PublicURLStatus(sessionOf(r).P.OfficeID)
	v.URLRefused = errors.Is(err, certify.ErrNoPublicURL)
	s.render(w, r, status, "document.html", v, errMsg)
}

// pageImage serves a page image of an original, for the preview.
func (s *Server) pageImage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d, err := s.visibleDoc(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, _ := strconv.Atoi(r.PathValue("n"))
	pages, err := s.Service.DB.Pages(ctx, d.ID)
	if err != nil || n < 1 || n > len(pages) {
		s.fail(w, r, catalog.ErrNotFound)
		return
	}
	pg := pages[n-1]
	if err := s.auditView(r, d.ID, pg.ID, map[string]any{"kind": "page_image", "seq": pg.Seq, "sha256": pg.SHA256}); err != nil {
		s.fail(w, r, err)
		return
	}
	rc, info, err := s.Service.Store.Get(ctx, pages[n-1].BlobKey)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", map[string]string{"png": "image/png", "jpeg": "image/jpeg"}[pages[n-1].Format])
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	io.Copy(w, rc)
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request) {
	d, err := s.visibleDoc(r, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := sessionOf(r).P
	form := formOf(r)
	if form.ResultID != "" {
		if office, err := s.Service.DB.ResultOffice(r.Context(), form.ResultID); err != nil || !p.CanSee(office) {
			s.fail(w, r, catalog.ErrNotFound)
			return
		}
	}
	reason := ""
	if form.ResultID == "" {
		reason = form.NoResultReason // typed beside "no result"; ignored with a result
	}
	fee, _ := strconv.ParseInt(strings.ReplaceAll(form.Fee, ".", ""), 10, 64)
	ack := ""
	if form.Ack {
		ack = strings.TrimSpace(form.AckNote)
		if ack == "" {
			ack = "Đã xác nhận cảnh báo / warning acknowledged"
		}
	}
	is, err := s.Service.Issue(r.Context(), certify.IssueRequest{OfficeID: p.OfficeID, DocumentID: d.ID, ResultID: form.ResultID,
		NoResultReason: reason, Offices: p.Visible(), Title: form.Title, Requester: form.Requester, Certifier: form.Certifier,
		Fee: fee, Notes: form.Notes, AckWarning: ack, Actor: p.Actor() + " web"})
	if err != nil {
		// What the clerk can put right is shown on the form, filled in again.
		l := s.lang(w, r)
		var ps results.Problems
		switch {
		case errors.As(err, &ps):
			var msgs []string
			for _, pr := range ps {
				if l == "en" {
					msgs = append(msgs, pr.EN)
				} else {
					msgs = append(msgs, pr.VI)
				}
			}
			s.documentPage(w, r, d, &form, http.StatusBadRequest, strings.Join(msgs, "; "))
		case errors.Is(err, certify.ErrNeedsAck):
			s.documentPage(w, r, d, &form, http.StatusConflict, s.text[l]["needack"])
		case errors.Is(err, certify.ErrNoPublicURL):
			s.documentPage(w, r, d, &form, http.StatusConflict, s.text[l]["nopublicurl"])
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/clerk/copies/"+is.Copy.ID, http.StatusSeeOther)
}

type copyView struct {
	Copy  catalog.Copy
	Entry catalog.BookEntry
	URL   string
}

func (s *Server) visibleCopy(r *http.Request) (catalog.Copy, error) {
	c, err := s.Service.DB.Copy(r.Context(), r.PathValue("id"))
	if err == nil && !sessionOf(r).P.CanSee(c.OfficeID) {
		err = catalog.ErrNotFound
	}
	return c, err
}

func (s *Server) copyPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.visibleCopy(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.Service.DB.CertEntry(r.Context(), c.EntryID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	url := "/verify/" + c.Code
	if o, ok := s.Service.Offices[c.OfficeID]; ok && o.VerifyURL != "" {
		url = o.VerifyURL + c.Code
	}
	s.render(w, r, http.StatusOK, "copy.html", copyView{Copy: c, Entry: e, URL: url}, "")
}

func (s *Server) copyPDF(w http.ResponseWriter, r *http.Request) {
	c, err := s.visibleCopy(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	if _, err := s.Service.DB.Audit(ctx, catalog.AuditEntry{Actor: sessionOf(r).P.Actor() + " web", OfficeID: c.OfficeID,
		Action: catalog.AuditPDFFetch, Subject: c.ID, Detail: []byte(`{"kind":"certified_copy"}`)}); err != nil {
		s.fail(w, r, err)
		return
	}
	rc, _, err := s.Service.Store.Get(ctx, c.BlobKey)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.ID+`.pdf"`)
	w.Header().Set("Content-Length", strconv.FormatInt(c.Size, 10))
	io.Copy(w, rc)
}
