package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// Scope is what an API key may do.
type Scope string

// Scopes. A key may hold several.
const (
	ScopeArchivist Scope = "archivist" // digitizes, keeps the results archive
	ScopeClerk     Scope = "clerk"     // one-stop desk: fetches, looks up, issues copies
	ScopeSystem    Scope = "system"    // other systems: portals, the national data store
	ScopeAuditor   Scope = "auditor"   // reads the audit log and histories
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeArchivist, ScopeClerk, ScopeSystem, ScopeAuditor}

// ParseScope returns the scope named s.
func ParseScope(s string) (Scope, bool) {
	sc := Scope(s)
	return sc, slices.Contains(AllScopes, sc)
}

// Principal is the holder of the API key a request came with.
type Principal struct {
	KeyID, Name string
	Scopes      []Scope
	OfficeID    string   // the holder's office
	Offices     []string // further offices granted; "*" grants all
}

// Has reports whether p holds scope s.
func (p *Principal) Has(s Scope) bool { return p != nil && slices.Contains(p.Scopes, s) }

// AllOffices reports whether p may see every office's records.
func (p *Principal) AllOffices() bool { return p != nil && slices.Contains(p.Offices, "*") }

// CanSee reports whether p may see the records of office. Records not
// yet given to any office ("") are seen only with a grant of every office.
func (p *Principal) CanSee(office string) bool {
	if p == nil {
		return false
	}
	if p.AllOffices() {
		return true
	}
	return office != "" && (office == p.OfficeID || slices.Contains(p.Offices, office))
}

// Visible is the list of offices p may see, for queries: nil means all.
func (p *Principal) Visible() []string {
	if p.AllOffices() {
		return nil
	}
	out := []string{}
	if p.OfficeID != "" {
		out = append(out, p.OfficeID)
	}
	return append(out, p.Offices...)
}

// Actor names p in histories and the audit log.
func (p *Principal) Actor() string {
	if p == nil {
		return "anonymous"
	}
	return "key:" + p.KeyID + " (" + p.Name + ")"
}

type principalKey struct{}

// PrincipalFrom returns the principal Authenticate found for the request, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// WithPrincipal returns ctx carrying p (for tests and in-process callers).
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// KeyStore finds API keys by token.
type KeyStore interface {
	APIKeyByToken(ctx context.Context, token string) (catalog.APIKey, error)
}

// Authenticate reads "Authorization: Bearer <token>" and, for a valid
// key, puts its Principal in the request's context. A request without the
// header goes on anonymous (each route then decides: see Route.Scopes);
// one with a bad, unknown or revoked token is answered 401 at once.
func Authenticate(keys KeyStore, log *slog.Logger) func(http.Handler) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			if auth == "" {
				next.ServeHTTP(w, r)
				return
			}
			scheme, token, ok := strings.Cut(auth, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				unauthorized(w, "tiêu đề Authorization phải là Bearer <khóa API>", "the Authorization header must be Bearer <API key>")
				return
			}
			k, err := keys.APIKeyByToken(r.Context(), strings.TrimSpace(token))
			if errors.Is(err, catalog.ErrNotFound) {
				unauthorized(w, "khóa API không hợp lệ hoặc đã bị thu hồi", "the API key is invalid or revoked")
				return
			}
			if err != nil {
				log.Error("api: authenticate", "err", err)
				writeJSON(w, http.StatusServiceUnavailable, map[string]apiError{"error": {Code: "unavailable",
					VI: "không kiểm tra được khóa API, hãy thử lại", EN: "the API key could not be checked; try again"}})
				return
			}
			p := &Principal{KeyID: k.ID, Name: k.Name, OfficeID: k.OfficeID, Offices: k.Offices}
			for _, s := range k.Scopes {
				if sc, ok := ParseScope(s); ok {
					p.Scopes = append(p.Scopes, sc)
				}
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

func unauthorized(w http.ResponseWriter, vi, en string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="sohoa"`)
	writeJSON(w, http.StatusUnauthorized, map[string]apiError{"error": {Code: "unauthorized", VI: vi, EN: en}})
}

func forbidden(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, map[string]apiError{"error": {Code: "forbidden",
		VI: "khóa API không có quyền cho thao tác này", EN: "the API key's scopes do not allow this"}})
}
