package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// plainErrors are the JSON answers given in place of the plain-text
// errors the standard library writes itself (the mux's 404 and 405,
// http.ServeContent's 416...): one error shape for every status.
var plainErrors = map[int]apiError{
	http.StatusNotFound: {Code: "not_found", VI: "không tìm thấy", EN: "not found"},
	http.StatusMethodNotAllowed: {Code: "method_not_allowed",
		VI: "đường dẫn này không nhận phương thức này", EN: "this path does not accept this method"},
	http.StatusRequestEntityTooLarge: {Code: "too_large", VI: "nội dung gửi lên quá lớn", EN: "the request body is too large"},
	http.StatusRequestedRangeNotSatisfiable: {Code: "bad_range",
		VI: "khoảng byte yêu cầu nằm ngoài tệp", EN: "the requested range is outside the file"},
	http.StatusTooManyRequests: {Code: "too_many_requests",
		VI: "quá nhiều yêu cầu, vui lòng thử lại sau", EN: "too many requests, try again later"},
	http.StatusPreconditionFailed: {Code: "precondition_failed",
		VI: "điều kiện của yêu cầu không thỏa", EN: "a precondition of the request failed"},
}

// JSONErrors rewrites into the API's JSON error shape every error answer
// of next written as plain text, which is what the standard library
// writes (http.Error: the mux's 404 and 405, ServeContent's 416 and 412).
// Answers in JSON or HTML (the verification page) pass as they are.
func JSONErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&jsonErrorWriter{ResponseWriter: w}, r)
	})
}

type jsonErrorWriter struct {
	http.ResponseWriter
	wrote   bool
	swallow bool // a plain-text error body replaced by JSON
}

func (j *jsonErrorWriter) WriteHeader(status int) {
	if j.wrote {
		j.ResponseWriter.WriteHeader(status)
		return
	}
	j.wrote = true
	ct := j.Header().Get("Content-Type")
	if status < 400 || ct != "" && !strings.HasPrefix(ct, "text/plain") {
		j.ResponseWriter.WriteHeader(status)
		return
	}
	e, ok := plainErrors[status]
	if !ok {
		text := http.StatusText(status)
		e = apiError{Code: strings.ReplaceAll(strings.ToLower(text), " ", "_"), VI: "yêu cầu không được đáp ứng (HTTP " + strconv.Itoa(status) + ")", EN: text}
		if status >= 500 {
			e = apiError{Code: "internal", VI: "lỗi hệ thống", EN: "internal error"}
		}
	}
	j.swallow = true
	j.Header().Del("Content-Length")
	writeJSON(j.ResponseWriter, status, map[string]apiError{"error": e})
}

func (j *jsonErrorWriter) Write(p []byte) (int, error) {
	if !j.wrote {
		j.WriteHeader(http.StatusOK)
	}
	if j.swallow {
		return len(p), nil
	}
	return j.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing of server-sent events).
func (j *jsonErrorWriter) Unwrap() http.ResponseWriter { return j.ResponseWriter }

// Flush passes flushes on, for streamed answers.
func (j *jsonErrorWriter) Flush() {
	if f, ok := j.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// tooLarge answers 413 when err says a body passed its http.MaxBytesReader
// limit (a JSON decoder reports it as any other read error).
func tooLarge(w http.ResponseWriter, err error) bool {
	var big *http.MaxBytesError
	if !errors.As(err, &big) {
		return false
	}
	e := plainErrors[http.StatusRequestEntityTooLarge]
	e.VI += " (tối đa " + strconv.FormatInt(big.Limit, 10) + " byte)"
	e.EN += " (at most " + strconv.FormatInt(big.Limit, 10) + " bytes)"
	writeJSON(w, http.StatusRequestEntityTooLarge, map[string]apiError{"error": e})
	return true
}
