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
		"sighead":  "Chữ ký số của bản sao",
		"valid":    "CHỮ KÝ SỐ HỢP LỆ — bản sao còn nguyên vẹn, có đủ chữ ký số của người chứng thực và của cơ quan",
		"invalid":  "CHỮ KÝ SỐ KHÔNG HỢP LỆ — bản sao đã bị thay đổi hoặc chữ ký số không kiểm tra được",
		"notfound": "Không tìm thấy bản sao với mã này. Hãy kiểm tra lại mã trên bản sao.", "what": "Giấy tờ được chứng thực",
		"office": "Cơ quan chứng thực", "book": "Số chứng thực, quyển số", "date": "Ngày chứng thực", "pages": "Số trang",
		"requester": "Người yêu cầu", "sha": "Mã băm SHA-256 của tệp", "sigs": "Chữ ký số", "signer": "Người ký",
		"time": "Thời gian ký", "status": "Trạng thái", "ok": "còn nguyên vẹn, tin cậy", "intact": "còn nguyên vẹn (chưa kiểm tra tin cậy)",
		"bad": "không hợp lệ", "lookup": "Tra cứu mã khác", "go": "Xác minh",
		"formhead": "Nhập mã xác minh in trên bản sao",
		"formhelp": "Mã gồm 10 ký tự chữ và số, ví dụ 7K3M9-QXR2D; không phân biệt chữ hoa, chữ thường; có thể gõ dấu cách hoặc gạch ngang.",
		"badcode":  "Mã xác minh gồm 10 ký tự chữ và số (ví dụ 7K3M9-QXR2D). Hãy kiểm tra lại mã trên bản sao.",
		"orighead": "Hiệu lực của bản chính",
		"original": "Bản chính", "issuedby": "cơ quan ban hành", "issuedon": "ngày ban hành",
		"atissue": "Khi chứng thực", "now": "Hiện nay", "acked": "cán bộ chứng thực đã ghi nhận cảnh báo này khi chứng thực",
		"st-valid": "CÒN HIỆU LỰC", "st-expired": "HẾT HIỆU LỰC", "st-revoked": "ĐÃ BỊ THU HỒI", "st-replaced": "ĐÃ BỊ THAY THẾ",
		"until": "đến hết ngày", "noexpiry": "không ghi thời hạn", "since": "từ ngày", "on": "ngày", "by": "bằng",
		"caveat":   "Bản sao chứng thực chỉ xác nhận bản sao đúng với bản chính; nó không làm bản chính còn hiệu lực.",
		"noresult": "Bản sao không gắn với kết quả giải quyết thủ tục hành chính nào trong kho của cơ quan: hiệu lực của bản chính không được kiểm tra tại đây.",
		"reason":   "Lý do ghi nhận khi chứng thực",
	},
	"en": {
		"title": "Certified copy verification", "switch": "Tiếng Việt", "code": "Verification code",
		"sighead":  "The copy's digital signatures",
		"valid":    "SIGNATURES VALID — the certified copy is intact and carries both digital signatures, the certifier's and the office's",
		"invalid":  "SIGNATURES NOT VALID — the copy was changed or its digital signatures do not verify",
		"notfound": "No copy has this code. Check the code printed on the copy.", "what": "Certified document",
		"office": "Certifying office", "book": "Certification number, book", "date": "Date of certification", "pages": "Pages",
		"requester": "Requested by", "sha": "SHA-256 of the file", "sigs": "Digital signatures", "signer": "Signer",
		"time": "Signing time", "status": "Status", "ok": "intact, trusted", "intact": "intact (trust not checked)",
		"bad": "not valid", "lookup": "Check another code", "go": "Verify",
		"formhead": "Type the verification code printed on the copy",
		"formhelp": "10 letters and digits, e.g. 7K3M9-QXR2D; case does not matter; spaces and hyphens are ignored.",
		"badcode":  "A verification code has 10 letters and digits (e.g. 7K3M9-QXR2D). Check the code printed on the copy.",
		"orighead": "Validity of the original",
		"original": "Original", "issuedby": "issued by", "issuedon": "on",
		"atissue": "When certified", "now": "Now", "acked": "the certifier recorded this warning when certifying",
		"st-valid": "VALID", "st-expired": "EXPIRED", "st-revoked": "REVOKED", "st-replaced": "REPLACED",
		"until": "until the end of", "noexpiry": "no expiry recorded", "since": "since", "on": "on", "by": "by",
		"caveat":   "A certified copy only certifies that it matches the original; it does not make the original valid.",
		"noresult": "The copy is linked to no procedure result in the office's archive: the original's validity is not checked here.",
		"reason":   "Reason recorded when certifying",
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
	"st": func(t map[string]string, s results.Status) string { return t["st-"+string(s)] },
	"box": func(s results.Status) string {
		switch s {
		case results.Valid:
			return "valid"
		case results.Expired:
			return "warn"
		}
		return "invalid"
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
.warn{border-color:#8a5a00;background:#fff4d6;color:#5a3b00}.info{border-color:#555;background:#f2f2f2;color:#222}
.verdict p{margin:.3rem 0}.verdict .fine{font-weight:normal}
dt{font-weight:bold;margin-top:.5rem}dd{margin:0 0 0 1rem;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.3rem;text-align:left;vertical-align:top}
a:focus,input:focus,button:focus{outline:3px solid #1a5fb4;outline-offset:2px}
code{font-size:1.05em}input{font-size:1.2em;font-family:monospace;letter-spacing:.08em}
.help{font-size:.95em;color:#333}
</style>
</head>
<body>
<p><a href="?lang={{.Other}}{{if .Typed}}&amp;code={{.Typed}}{{end}}" hreflang="{{.Other}}" lang="{{.Other}}">{{.T.switch}}</a></p>
<h1>{{.T.title}}</h1>
{{if .V}}
<p>{{.T.code}}: <code>{{.Code}}</code></p>
<h2>{{.T.sighead}}</h2>
<p class="verdict {{if .V.Valid}}valid{{else}}invalid{{end}}" id="verdict" data-valid="{{.V.Valid}}" role="status">{{if .V.Valid}}{{.T.valid}}{{else}}{{.T.invalid}}{{end}}</p>
<h2>{{.T.orighead}}</h2>
{{with .V.Original}}
<div class="verdict {{box .Now}}" id="original" data-now="{{.Now}}" data-at-issue="{{.AtIssue}}" role="status">
<p class="fine">{{$.T.original}}: {{.Name}} {{.NumberSymbol}}{{if .Issuer}}, {{$.T.issuedby}} {{.Issuer}}{{end}}{{if .IssueDate}}, {{$.T.issuedon}} {{day .IssueDate}}{{end}}</p>
<p id="orig-now">{{$.T.now}}: {{st $.T .Now}}{{if eq (print .Now) "valid"}}{{if .ValidUntil}} {{$.T.until}} {{day .ValidUntil}}{{else}} ({{$.T.noexpiry}}){{end}}{{else if eq (print .Now) "expired"}} {{$.T.since}} {{day .Since}} ({{$.T.until}} {{day .ValidUntil}}){{else}}{{if .Since}} {{$.T.on}} {{day .Since}}{{end}}{{if .ReplacedBy}} {{$.T.by}} {{.ReplacedBy}}{{end}}{{end}}</p>
<p id="orig-at-issue" class="fine">{{$.T.atissue}} ({{day .IssuedOn}}): {{if .AtIssue}}{{st $.T .AtIssue}}{{else}}—{{end}}{{if .Acknowledged}}; {{$.T.acked}}{{end}}</p>
{{if ne (print .Now) "valid"}}<p class="fine">{{$.T.caveat}}</p>{{end}}
</div>
{{else}}
<div class="verdict info" id="original" data-now="none" role="status">
<p class="fine">{{.T.noresult}}</p>
<p id="orig-reason">{{.T.reason}}: {{.V.NoResultReason}}</p>
</div>
{{end}}
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
{{else if .NotFound}}
<p class="verdict invalid" id="verdict" data-valid="false" role="status">{{.T.notfound}}</p>
{{else if .BadCode}}
<p class="verdict invalid" id="verdict" data-valid="false" role="alert">{{.T.badcode}}</p>
{{end}}
<h2>{{if or .V .NotFound}}{{.T.lookup}}{{else}}{{.T.formhead}}{{end}}</h2>
<form method="get" action="/verify/-">
<p><label for="code">{{.T.code}}</label><br>
<input id="code" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" size="20" maxlength="24" required value="{{.Typed}}" aria-describedby="codehelp"{{if not .V}} autofocus{{end}}>
<button type="submit">{{.T.go}}</button></p>
<p id="codehelp" class="help">{{.T.formhelp}}</p>
<input type="hidden" name="lang" value="{{.Lang}}">
</form>
</body>
</html>
`))

// verifyForm is GET /verify/: the form to type a code (no copy shown).
func (c *Copies) verifyForm(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/verify/" {
		c.renderVerify(w, r, http.StatusNotFound, verifyData{NotFound: true})
		return
	}
	c.renderVerify(w, r, http.StatusOK, verifyData{})
}

// verifyData is what the page shows.
type verifyData struct {
	Lang, Other, Code string
	Typed             string // what was typed, when it is not a code
	T                 map[string]string
	V                 *certify.Verification
	NotFound, BadCode bool
}

func (c *Copies) renderVerify(w http.ResponseWriter, r *http.Request, status int, data verifyData) {
	data.Lang = "vi"
	if r.URL.Query().Get("lang") == "en" {
		data.Lang = "en"
	}
	data.Other, data.T = map[string]string{"vi": "en", "en": "vi"}[data.Lang], verifyText[data.Lang]
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

// verifyPage is the public page a copy's QR code links to: what was
// certified, when, by which office, the copy's signatures' status, and
// apart from it the original's validity when the copy was issued and now
// (or the reason recorded for linking it to no result), and the file's
// SHA-256. ?lang=en switches to English. /verify/-?code=X is the form's
// target: a code as typed (case, spaces and hyphens ignored, O read as 0,
// I and L as 1) redirects to /verify/X; anything else shows the form
// again, saying what a code looks like.
func (c *Copies) verifyPage(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if code == "-" {
		typed := r.URL.Query().Get("code")
		n := certify.NormalizeCode(typed)
		if len(n) != 10 {
			if len(typed) > 40 {
				typed = typed[:40]
			}
			c.renderVerify(w, r, http.StatusBadRequest, verifyData{BadCode: true, Typed: typed})
			return
		}
		to := "/verify/" + n
		if r.URL.Query().Get("lang") == "en" {
			to += "?lang=en"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	data := verifyData{Code: certify.GroupCode(certify.NormalizeCode(code))}
	status := http.StatusOK
	v, err := c.Service.Verify(r.Context(), code)
	switch {
	case err == nil:
		data.V = &v
	case errors.Is(err, catalog.ErrNotFound):
		status, data.NotFound = http.StatusNotFound, true
	default:
		// The copy exists but could not be read or checked: show it as not valid.
		c.log().Error("api: verify copy", "code", code, "err", err)
		if v.CopyID == "" {
			status = http.StatusInternalServerError
			data.NotFound = true
		} else {
			v.Valid = false
			data.V = &v
		}
	}
	c.renderVerify(w, r, status, data)
}
