package api

import (
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/sohoa-vn/sohoa/certify"
	"github.com/sohoa-vn/sohoa/results"
	"github.com/sohoa-vn/sohoa/storage/catalog"
)

// verifyText is the page's wording in each language.
var verifyText = map[string]map[string]string{
	"vi": {
		"title": "Xác minh bản sao chứng thực", "switch": "English", "code": "Mã xác minh",
		"valid": "HỢP LỆ — bản sao chứng thực còn nguyên vẹn, có đủ chữ ký số", "invalid": "KHÔNG HỢP LỆ — chữ ký số không kiểm tra được",
		"notfound": "Không tìm thấy bản sao với mã này. Hãy kiểm tra lại mã trên bản sao.", "what": "Giấy tờ được chứng thực",
		"office": "Cơ quan chứng thực", "book": "Số chứng thực, quyển số", "date": "Ngày chứng thực", "pages": "Số trang",
		"requester": "Người yêu cầu", "sha": "Mã băm SHA-256 của tệp", "sigs": "Chữ ký số", "signer": "Người ký",
		"time": "Thời gian ký", "status": "Trạng thái", "ok": "còn nguyên vẹn, tin cậy", "intact": "còn nguyên vẹn (chưa kiểm tra tin cậy)",
		"bad": "không hợp lệ", "lookup": "Tra cứu mã khác", "go": "Xác minh",
	},
	"en": {
		"title": "Certified copy verification", "switch": "Tiếng Việt", "code": "Verification code",
		"valid": "VALID — the certified copy is intact and carries both digital signatures", "invalid": "NOT VALID — the digital signatures do not verify",
		"notfound": "No copy has this code. Check the code printed on the copy.", "what": "Certified document",
		"office": "Certifying office", "book": "Certification number, book", "date": "Date of certification", "pages": "Pages",
		"requester": "Requested by", "sha": "SHA-256 of the file", "sigs": "Digital signatures", "signer": "Signer",
		"time": "Signing time", "status": "Status", "ok": "intact, trusted", "intact": "intact (trust not checked)",
		"bad": "not valid", "lookup": "Check another code", "go": "Verify",
	},
}

var verifyTpl = template.Must(template.New("verify").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	"vn":  func(t time.Time) string { return t.In(results.Vietnam).Format("02/01/2006 15:04:05 -07:00") },
	"day": func(d string) string {
		if len(d) == 10 {
			return d[8:10] + "/" + d[5:7] + "/" + d[:4]
		}
		return d
	},
}).Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.T.title}}</title>
<style>
body{font-family:"Liberation Serif","Times New Roman",serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;color:#111}
.verdict{padding:.8rem 1rem;border:2px solid;font-weight:bold;margin:1rem 0}
.valid{border-color:#176a2c;background:#e8f5eb;color:#0d4a1d}.invalid{border-color:#a11;background:#fdecec;color:#700}
dt{font-weight:bold;margin-top:.5rem}dd{margin:0 0 0 1rem;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}
a:focus,input:focus,button:focus{outline:3px solid #1a5fb4;outline-offset:2px}
code{font-size:1.05em}
</style>
</head>
<body>
<p><a href="?lang={{.Other}}" hreflang="{{.Other}}" lang="{{.Other}}">{{.T.switch}}</a></p>
<h1>{{.T.title}}</h1>
{{if .V}}
<p>{{.T.code}}: <code>{{.Code}}</code></p>
<p class="verdict {{if .V.Valid}}valid{{else}}invalid{{end}}" id="verdict" data-valid="{{.V.Valid}}" role="status">{{if .V.Valid}}{{.T.valid}}{{else}}{{.T.invalid}}{{end}}</p>
<dl>
<dt>{{.T.what}}</dt><dd>{{.V.Title}}</dd>
<dt>{{.T.office}}</dt><dd>{{.V.Office}}</dd>
<dt>{{.T.book}}</dt><dd>{{.V.Number}}, {{.V.Book}}</dd>
<dt>{{.T.date}}</dt><dd>{{day .V.Date}} ({{vn .V.IssuedAt}})</dd>
<dt>{{.T.pages}}</dt><dd>{{.V.Pages}}</dd>
{{if .V.Requester}}<dt>{{.T.requester}}</dt><dd>{{.V.Requester}}</dd>{{end}}
<dt>{{.T.sha}}</dt><dd><code>{{.V.SHA256}}</code></dd>
</dl>
<h2>{{.T.sigs}}</h2>
<table>
<thead><tr><th scope="col">#</th><th scope="col">{{.T.signer}}</th><th scope="col">{{.T.time}}</th><th scope="col">{{.T.status}}</th></tr></thead>
<tbody>
{{range $i, $s := .V.Signatures}}<tr><td>{{$i | inc}}</td><td>{{$s.Signer}}</td><td>{{if not $s.Time.IsZero}}{{vn $s.Time}}{{end}}</td><td>{{if and $s.Intact $s.Trusted}}{{$.T.ok}}{{else if and $s.Intact (not $.V.TrustChecked)}}{{$.T.intact}}{{else}}{{$.T.bad}}{{end}}{{if $s.Level}} ({{$s.Level}}){{end}}</td></tr>
{{end}}</tbody>
</table>
{{else}}
<p class="verdict invalid" id="verdict" data-valid="false" role="status">{{.T.notfound}}</p>
{{end}}
<h2>{{.T.lookup}}</h2>
<form method="get" action="/verify/-">
<label for="code">{{.T.code}}</label>
<input id="code" name="code" autocomplete="off" spellcheck="false" size="14" maxlength="20" required>
<input type="hidden" name="lang" value="{{.Lang}}">
<button type="submit">{{.T.go}}</button>
</form>
</body>
</html>
`))

// verifyPage is the public page a copy's QR code links to: what was
// certified, when, by which office, the signatures' status and the file's
// SHA-256. ?lang=en switches to English. /verify/-?code=X is the form's
// target and redirects to /verify/X.
func (c *Copies) verifyPage(w http.ResponseWriter, r *http.Request) {
	lang := "vi"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	code := r.PathValue("code")
	if code == "-" {
		to := "/verify/" + certify.NormalizeCode(r.URL.Query().Get("code"))
		if lang == "en" {
			to += "?lang=en"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	data := struct {
		Lang, Other, Code string
		T                 map[string]string
		V                 *certify.Verification
	}{Lang: lang, Other: map[string]string{"vi": "en", "en": "vi"}[lang], Code: certify.GroupCode(certify.NormalizeCode(code)), T: verifyText[lang]}
	status := http.StatusOK
	v, err := c.Service.Verify(r.Context(), code)
	switch {
	case err == nil:
		data.V = &v
	case errors.Is(err, catalog.ErrNotFound):
		status = http.StatusNotFound
	default:
		// The copy exists but could not be read or checked: show it as not valid.
		c.log().Error("api: verify copy", "code", code, "err", err)
		if v.CopyID == "" {
			status = http.StatusInternalServerError
		} else {
			data.V = &v
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// frame-ancestors: no other site may frame the page to overlay its verdict.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := verifyTpl.Execute(w, data); err != nil {
		c.log().Error("api: verify page", "err", err)
	}
}
