package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3 description, hand-written beside the
// route table (routes.go); TestOpenAPIMatchesRoutes keeps the two equal.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(OpenAPI)
}
