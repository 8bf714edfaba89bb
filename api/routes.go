package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/sohoa-vn/sohoa/sign"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Route is one endpoint: the single table from which the mux is built,
// the OpenAPI description is checked and the access matrix is tested.
type Route struct {
	Method  string // GET, POST, PATCH...
	Pattern string // path with {name} wildcards, as in OpenAPI
	// Scopes may call the route; none means public (no key needed).
	Scopes []Scope
	// Office, when set, names the office owning the record the request
	// addresses; a caller who may not see that office gets the same 404,
	// byte for byte, as for a record that does not exist
	// (catalog.ErrNotFound).
	Office  func(r *http.Request) (string, error)
	Handler http.HandlerFunc
}

var (
	everyone   = []Scope{ScopeArchivist, ScopeClerk, ScopeSystem, ScopeAuditor}
	archivists = []Scope{ScopeArchivist}
	producers  = []Scope{ScopeArchivist, ScopeSystem}
	fetchers   = []Scope{ScopeArchivist, ScopeClerk, ScopeSystem}
	auditors   = []Scope{ScopeAuditor}
)

// Routes is the API's route table: s serves batches and ingest, a the
// archive, documents' validity, search, audit and the PDFs. extra routes
// (the public verification page...) are appended as given.
func Routes(s *Server, a *Archive, extra ...Route) []Route {
	batch := func(r *http.Request) (string, error) { return a.DB.BatchOffice(r.Context(), r.PathValue("id")) }
	doc := func(r *http.Request) (string, error) { return a.DB.DocumentOffice(r.Context(), r.PathValue("id")) }
	result := func(r *http.Request) (string, error) { return a.DB.ResultOffice(r.Context(), r.PathValue("id")) }
	rp := s.Reports
	if rp == nil {
		rp = &Reports{}
	}
	routes := []Route{
		{"GET", "/healthz", nil, nil, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }},
		{"GET", "/readyz", nil, nil, ReadyHandler(s.Ready)},
		{"GET", "/v1/openapi.json", nil, nil, serveOpenAPI}, // a client reads it before it has a key

		{"GET", "/v1/batches", producers, nil, a.listBatches(s)},
		{"POST", "/v1/batches", producers, nil, a.createBatch(s)},
		{"GET", "/v1/batches/{id}", producers, batch, s.getBatch},
		{"GET", "/v1/batches/{id}/report", producers, batch, s.batchReport},
		{"POST", "/v1/batches/{id}/files", producers, batch, s.uploadFile},
		{"GET", "/v1/batches/{id}/files/{sha256}", producers, batch, s.fileByHash},
		{"GET", "/v1/batches/{id}/report.csv", producers, batch, rp.reportCSV},
		{"GET", "/v1/batches/{id}/pages", producers, batch, rp.pages},
		{"GET", "/v1/batches/{id}/aip", archivists, batch, rp.batchAIP},
		{"POST", "/v1/aip", archivists, nil, rp.dossierAIP},

		{"GET", "/v1/documents", everyone, nil, a.listDocuments(s)},
		{"GET", "/v1/documents/{id}", everyone, doc, a.getDocument(s)},
		{"GET", "/v1/documents/{id}/pdf", fetchers, doc, a.getPDF(s)},
		{"POST", "/v1/documents/{id}/results", archivists, doc, a.resultFromDocument(s)},

		{"GET", "/v1/results", everyone, nil, a.listResults},
		{"POST", "/v1/results", producers, nil, a.createResult},
		{"POST", "/v1/results/import", archivists, nil, a.importResults},
		{"POST", "/v1/results/lookup", fetchers, nil, a.lookup},
		{"GET", "/v1/results/{id}", everyone, result, a.getResult},
		{"PATCH", "/v1/results/{id}", archivists, result, a.correctResult},
		{"POST", "/v1/results/{id}/revoke", producers, result, a.revokeResult},
		{"POST", "/v1/results/{id}/replace", producers, result, a.replaceResult},
		{"GET", "/v1/results/{id}/history", []Scope{ScopeArchivist, ScopeAuditor}, result, a.resultHistory},

		{"GET", "/v1/search", fetchers, nil, a.search},
		{"POST", "/v1/verify", everyone, nil, VerifyHandlerWith(64<<20, sign.VerifyOptions{
			Roots: s.TrustRoots, RelaxTrust: s.RelaxTrust, FetchIssuers: s.FetchIssuers})},
		{"GET", "/v1/audit", auditors, nil, a.auditLog},
		{"GET", "/v1/audit/verify", auditors, nil, a.verifyAudit},
	}
	cp := s.Copies
	if cp == nil {
		cp = &Copies{}
	}
	routes = append(routes, CopyRoutes(cp)...)
	routes = append(routes, CertBookRoutes(cp)...)
	wh := s.Webhooks
	if wh == nil {
		wh = &Webhooks{}
	}
	routes = append(routes, WebhookRoutes(wh)...)
	qc := s.QC
	if qc == nil {
		qc = &QC{}
	}
	routes = append(routes, QCRoutes(qc)...)
	return append(routes, extra...)
}

// NewMux registers routes on a new ServeMux, each behind its access
// check. Wrap the result in Authenticate.
func NewMux(routes []Route) *http.ServeMux {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, guard(rt))
	}
	return mux
}

// guard enforces a route's scopes and tenancy.
func guard(rt Route) http.Handler {
	if len(rt.Scopes) == 0 {
		return rt.Handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PrincipalFrom(r.Context())
		if p == nil {
			unauthorized(w, "cần khóa API (Authorization: Bearer ...)", "an API key is required (Authorization: Bearer ...)")
			return
		}
		allowed := false
		for _, s := range rt.Scopes {
			allowed = allowed || p.Has(s)
		}
		if !allowed {
			forbidden(w)
			return
		}
		if rt.Office != nil {
			office, err := rt.Office(r)
			switch {
			case errors.Is(err, catalog.ErrNotFound) || err == nil && !p.CanSee(office):
				// One answer for a record that does not exist and one of
				// another office: which IDs exist elsewhere is not told.
				writeJSON(w, http.StatusNotFound, map[string]apiError{"error": {Code: "not_found",
					VI: "không tìm thấy", EN: "not found"}})
				return
			case err != nil:
				writeJSON(w, http.StatusInternalServerError, map[string]apiError{"error": {Code: "internal", VI: "lỗi hệ thống", EN: "internal error"}})
				return
			default:
				// The handler may need it too (the audit log): no second query.
				r = r.WithContext(context.WithValue(r.Context(), officeKey{}, office))
			}
		}
		rt.Handler(w, r)
	})
}

type officeKey struct{}

// officeFrom returns the office of the record a request addresses, as
// its route's access check found it.
func officeFrom(ctx context.Context) (string, bool) {
	o, ok := ctx.Value(officeKey{}).(string)
	return o, ok
}
