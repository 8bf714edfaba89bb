package api

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"

	"github.com/sohoa-vn/sohoa/sign"
)

// VerifyReport is the answer of POST /v1/verify: package sign's report with its decisions.
type VerifyReport struct {
	// Intact: the file has signatures, every one covers its bytes as signed, and nothing
	// was changed after any signature beyond what its permissions allow (an unsigned
	// widget drawn over the page, a changed page, annotation or catalog: not intact).
	Intact bool `json:"intact"`
	// Trusted: Intact, and every signature and timestamp chains to the server's trust roots
	// and no signer is revoked per the file's DSS. Always false when the server has no roots.
	Trusted bool `json:"trusted"`
	// Valid is the server's verdict: Trusted (or Intact when the server relaxes trust and
	// accepts intact signatures from CAs it does not know), and no listed problem.
	Valid bool `json:"valid"`
	*sign.Report
}

// VerifyHandler serves POST /v1/verify: the request body is a PDF of at most maxBytes,
// streamed to a temporary file and checked with sign.VerifyWith against roots (nil: no trust
// check). It answers 200 with a VerifyReport, 413 when the body is larger than maxBytes and
// 400 when it is not a readable PDF, errors as {"error":{"code","vi","en"}}. relaxTrust makes
// "valid" accept intact signatures whose CA is not among roots.
func VerifyHandler(roots *x509.CertPool, maxBytes int64, relaxTrust bool) http.HandlerFunc {
	return VerifyHandlerWith(maxBytes, sign.VerifyOptions{Roots: roots, RelaxTrust: relaxTrust})
}

// VerifyHandlerWith is VerifyHandler with the sign package's options (for example
// FetchIssuers, to complete leaf-only chains from the certificates' AIA URLs).
func VerifyHandlerWith(maxBytes int64, opts sign.VerifyOptions) http.HandlerFunc {
	fail := func(w http.ResponseWriter, status int, code, vi, en string) {
		writeJSON(w, status, map[string]apiError{"error": {Code: code, VI: vi, EN: en}})
	}
	tooLarge := func(w http.ResponseWriter) {
		fail(w, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("tệp PDF lớn quá %d byte", maxBytes), fmt.Sprintf("the PDF is over %d bytes", maxBytes))
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBytes {
			tooLarge(w)
			return
		}
		tmp, err := os.CreateTemp("", "sohoa-verify-*.pdf")
		if err != nil {
			slog.Error("verify: temporary file", "err", err)
			fail(w, http.StatusInternalServerError, "internal", "lỗi hệ thống", "internal error")
			return
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()

		size, err := io.Copy(tmp, http.MaxBytesReader(w, r.Body, maxBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			tooLarge(w)
			return
		case err != nil:
			fail(w, http.StatusBadRequest, "bad_request", "không đọc được nội dung yêu cầu", "cannot read the request body")
			return
		}

		head := make([]byte, min(size, 1024))
		if _, err := tmp.ReadAt(head, 0); err != nil || !bytes.Contains(head, []byte("%PDF-")) {
			fail(w, http.StatusBadRequest, "not_pdf", "nội dung gửi lên không phải tệp PDF", "the body is not a PDF file")
			return
		}
		rep, err := sign.VerifyWith(tmp, size, opts)
		if err != nil {
			fail(w, http.StatusBadRequest, "invalid_pdf", "không đọc được tệp PDF: "+err.Error(), "cannot read the PDF: "+err.Error())
			return
		}
		out := VerifyReport{Intact: rep.AllIntact(), Trusted: rep.AllTrusted(), Valid: rep.Valid(), Report: rep}
		writeJSON(w, http.StatusOK, out)
	}
}
