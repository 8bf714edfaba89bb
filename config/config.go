// Package config is sohoa's configuration: one struct whose fields name
// their SOHOA_* environment variable, default and meaning (in Vietnamese
// and English). The variables are read by github.com/caarlos0/env; this
// package adds what that library leaves to its users: the allowed values
// of an enumeration, ranges, and errors that name the variable in both
// languages. serve --help and the README's table are generated from the
// same struct (see Markdown and Help), so the three cannot drift.
//
// This is the one file of the program that reads the environment.
package config

//go:generate go run ./gendoc -readme ../README.md

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the server's and the workers' configuration. The zero value
// of no field is used as it is: Load fills the defaults.
//
// Tags: env (the variable), envDefault (its default), envSeparator (of a
// list), enum (the allowed values), check (positive or nonnegative), secret
// (never echoed in an error), doc (the default as documented, when it is
// computed), vi and en (the meaning).
type Config struct {
	// Role and Workers come from flags (--role, --workers), not the environment.
	Role    string `env:"-"` // "all" (API and workers), "api" or "worker"
	Workers int    `env:"-"` // concurrent tasks and OCR engines; default runtime.NumCPU()

	Addr           string `env:"SOHOA_ADDR" envDefault:"127.0.0.1:8080" en:"API listen address" vi:"địa chỉ lắng nghe của API"`
	DataDir        string `env:"SOHOA_DATA_DIR" doc:"$XDG_DATA_HOME/sohoa or ~/.local/share/sohoa" en:"data directory: SQLite catalog, local blobs, demo identities, temporary files" vi:"thư mục dữ liệu: danh mục SQLite, tệp lưu cục bộ, định danh DEMO, tệp tạm"`
	MetricsAddr    string `env:"SOHOA_METRICS_ADDR" envDefault:"127.0.0.1:9101" en:"where /metrics, /healthz and /readyz listen, apart from the API" vi:"địa chỉ của /metrics, /healthz và /readyz, tách khỏi API"`
	PProf          bool   `env:"SOHOA_PPROF" envDefault:"false" en:"serve Go's profiler under /debug/pprof/ on the metrics address" vi:"bật trình phân tích hiệu năng của Go tại /debug/pprof/ trên địa chỉ metrics"`
	PublicURL      string `env:"SOHOA_PUBLIC_URL" en:"public address of the verification pages, signed into every certified copy's QR code; required to issue copies (refused when empty or 0.0.0.0/::, warned of when loopback)" vi:"địa chỉ công khai của trang xác minh, ký vào mã QR của mọi bản sao chứng thực; bắt buộc để cấp bản sao (từ chối khi trống hoặc 0.0.0.0/::, cảnh báo khi là loopback)"`
	TLSCert        string `env:"SOHOA_TLS_CERT" en:"TLS certificate (PEM) of the API" vi:"chứng thư TLS (PEM) của API"`
	TLSKey         string `env:"SOHOA_TLS_KEY" en:"TLS private key (PEM) of the API" vi:"khóa bí mật TLS (PEM) của API"`
	InsecureHTTP   bool   `env:"SOHOA_INSECURE_HTTP" envDefault:"false" en:"allow plain HTTP on a non-loopback address (TLS ends at a proxy)" vi:"cho phép HTTP không mã hóa trên địa chỉ không phải loopback (TLS kết thúc ở proxy)"`
	RateVerify     string `env:"SOHOA_RATE_VERIFY" envDefault:"30/m" en:"requests per client to the public verification page (N/s, N/m or N/h)" vi:"số yêu cầu mỗi máy khách tới trang xác minh công khai (N/s, N/m hoặc N/h)"`
	RateAuthFail   string `env:"SOHOA_RATE_AUTH_FAIL" envDefault:"10/m" en:"failed authentications per client before it is refused (N/s, N/m or N/h)" vi:"số lần xác thực sai mỗi máy khách trước khi bị từ chối (N/s, N/m hoặc N/h)"`
	TrustedProxies string `env:"SOHOA_TRUSTED_PROXIES" en:"reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client the rate limits count" vi:"các proxy ngược (địa chỉ hoặc CIDR, cách nhau bởi dấu phẩy) mà X-Forwarded-For của chúng cho biết máy khách được tính giới hạn"`

	RedisURL        string `env:"SOHOA_REDIS_URL" en:"Redis of the task queue, e.g. redis://host:6379/0 (empty: an embedded in-process queue)" vi:"Redis của hàng đợi, ví dụ redis://host:6379/0 (trống: hàng đợi nhúng trong tiến trình)"`
	DatabaseURL     string `env:"SOHOA_DATABASE_URL" en:"PostgreSQL catalog, e.g. postgres://user@host/db (empty: SQLite in the data directory)" vi:"danh mục PostgreSQL, ví dụ postgres://user@host/db (trống: SQLite trong thư mục dữ liệu)"`
	S3              S3
	RetentionMode   string `env:"SOHOA_S3_RETENTION_MODE" enum:",GOVERNANCE,COMPLIANCE" en:"WORM retention of a new, locked bucket" vi:"chế độ khóa WORM của bucket mới"`
	RetentionPeriod string `env:"SOHOA_S3_RETENTION_PERIOD" en:"WORM retention period, e.g. 3650d" vi:"thời hạn khóa WORM, ví dụ 3650d"`

	P12Path      string   `env:"SOHOA_SIGN_P12" en:"PKCS#12 file of the signing identity (the agency's; empty: a DEMO identity)" vi:"tệp PKCS#12 của định danh ký (của cơ quan; trống: định danh DEMO)"`
	P12Password  string   `env:"SOHOA_SIGN_PASSWORD" secret:"true" en:"password of SOHOA_SIGN_P12" vi:"mật khẩu của SOHOA_SIGN_P12"`
	PKCS11Module string   `env:"SOHOA_PKCS11_MODULE" en:"PKCS#11 module (.so) of a signing token, instead of SOHOA_SIGN_P12" vi:"mô-đun PKCS#11 (.so) của thiết bị ký, thay cho SOHOA_SIGN_P12"`
	PKCS11Token  string   `env:"SOHOA_PKCS11_TOKEN" en:"label of the PKCS#11 token" vi:"nhãn của token PKCS#11"`
	PKCS11Key    string   `env:"SOHOA_PKCS11_KEY" en:"label of the key on the token" vi:"nhãn của khóa trên token"`
	PKCS11PIN    string   `env:"SOHOA_PKCS11_PIN" secret:"true" en:"PIN of the PKCS#11 token" vi:"mã PIN của token PKCS#11"`
	SignerName   string   `env:"SOHOA_SIGNER_NAME" envDefault:"sohoa" en:"signer's name in the signature (/Name)" vi:"tên người ký trong chữ ký (/Name)"`
	SignLevel    string   `env:"SOHOA_SIGN_LEVEL" envDefault:"B-B" enum:"B-B,B-T,B-LT,B-LTA" en:"PAdES level of signed documents; from B-T up it needs SOHOA_TSA_URL" vi:"mức PAdES của tài liệu được ký; từ B-T trở lên cần SOHOA_TSA_URL"`
	TSAURL       string   `env:"SOHOA_TSA_URL" en:"RFC 3161 timestamp server" vi:"máy chủ cấp dấu thời gian RFC 3161"`
	SignVisible  bool     `env:"SOHOA_SIGN_VISIBLE" envDefault:"false" en:"draw a visible signature stamp on the last page of signed documents" vi:"vẽ dấu chữ ký nhìn thấy được trên trang cuối của tài liệu được ký"`
	SignOrg      string   `env:"SOHOA_SIGN_ORG" en:"organisation (Cơ quan) written in the visible stamp" vi:"tên cơ quan ghi trong dấu chữ ký nhìn thấy được"`
	TrustRoots   []string `env:"SOHOA_TRUST_ROOTS" envSeparator:"," en:"PEM files (comma-separated) of the roots POST /v1/verify and the verification page trust" vi:"các tệp PEM (cách nhau bởi dấu phẩy) của chứng thư gốc mà POST /v1/verify và trang xác minh tin cậy"`
	// Off by default: verifying then reaches out to addresses a signer
	// chose (only public ones; see sign.IssuerFetcher).
	FetchIssuers bool `env:"SOHOA_FETCH_ISSUERS" envDefault:"false" en:"POST /v1/verify completes the chain of a signature that embeds only the signer's certificate, as Vietnamese government signatures do, by fetching the certificate's AIA CA Issuers URL (public addresses only)" vi:"POST /v1/verify bổ sung chuỗi chứng thư cho chữ ký chỉ nhúng chứng thư của người ký, như chữ ký của cơ quan nhà nước Việt Nam, bằng cách tải từ địa chỉ AIA CA Issuers của chứng thư (chỉ địa chỉ công khai)"`

	Office            string        `env:"SOHOA_OFFICE" envDefault:"default" en:"office of the bootstrap API key and the default certifying office" vi:"đơn vị của khóa API khởi tạo và đơn vị chứng thực mặc định"`
	OfficeName        string        `env:"SOHOA_OFFICE_NAME" envDefault:"sohoa" en:"name of that office, and the agency in archival packages" vi:"tên đơn vị đó, và cơ quan trong gói lưu trữ"`
	BookNumber        string        `env:"SOHOA_BOOK_NUMBER" envDefault:"01" en:"number of that office's electronic certification book" vi:"quyển số của sổ chứng thực điện tử của đơn vị đó"`
	CertifyOffices    string        `env:"SOHOA_CERTIFY_OFFICES" en:"JSON file of the certifying offices (name, book number, statement template), replacing the one office above" vi:"tệp JSON các đơn vị chứng thực (tên, quyển số, mẫu lời chứng), thay cho đơn vị ở trên"`
	CertifierP12      string        `env:"SOHOA_CERTIFIER_P12" en:"PKCS#12 file of the certifier of certified copies (empty: a DEMO identity)" vi:"tệp PKCS#12 của người chứng thực bản sao (trống: định danh DEMO)"`
	CertifierPassword string        `env:"SOHOA_CERTIFIER_PASSWORD" secret:"true" en:"password of SOHOA_CERTIFIER_P12" vi:"mật khẩu của SOHOA_CERTIFIER_P12"`
	CertRecoverAfter  time.Duration `env:"SOHOA_CERTIFY_RECOVER_AFTER" envDefault:"10m" check:"positive" en:"a certification number pending this long (its issuance died) is voided with the reason" vi:"số chứng thực treo quá thời gian này (việc cấp bị gián đoạn) bị hủy kèm lý do"`
	CertRecoverEvery  time.Duration `env:"SOHOA_CERTIFY_RECOVER_INTERVAL" envDefault:"5m" check:"positive" en:"how often pending certification numbers are checked" vi:"chu kỳ kiểm tra các số chứng thực treo"`
	WebhookAllow      string        `env:"SOHOA_WEBHOOK_ALLOW" en:"internal addresses or CIDRs (comma-separated) webhooks may be delivered to; others are refused (loopback, private, link-local)" vi:"địa chỉ hoặc dải CIDR nội bộ (cách nhau bởi dấu phẩy) được phép nhận webhook; các địa chỉ nội bộ khác bị từ chối"`
	WebhookKey        string        `env:"SOHOA_WEBHOOK_KEY" secret:"true" en:"32-byte key (hex or base64) sealing webhook secrets, shared by API and workers (empty: a key in the data directory)" vi:"khóa 32 byte (hex hoặc base64) mã hóa bí mật webhook, dùng chung cho API và worker (trống: khóa trong thư mục dữ liệu)"`

	Languages         []string      `env:"SOHOA_OCR_LANGUAGES" envDefault:"vie" envSeparator:"+" en:"Tesseract languages joined by +" vi:"ngôn ngữ Tesseract, nối bằng +"`
	OCREngine         string        `env:"SOHOA_OCR_ENGINE" envDefault:"tesseract" enum:"tesseract,benchmark" en:"OCR engine; benchmark recognises nothing (benchmarks and fault tests only)" vi:"bộ nhận dạng; benchmark không nhận dạng gì (chỉ để đo và thử lỗi)"`
	Tessdata          string        `env:"SOHOA_TESSDATA" doc:"the project's tessdata folder" en:"folder of the Tesseract models (*.traineddata)" vi:"thư mục mô hình Tesseract (*.traineddata)"`
	QCHold            string        `env:"SOHOA_QC_HOLD" envDefault:"all" en:"quality flags that hold a document for review: all, none, or a list such as blank,unreadable" vi:"các cờ chất lượng giữ tài liệu lại để duyệt: all, none, hoặc danh sách như blank,unreadable"`
	QCMaxSkew         float64       `env:"SOHOA_QC_MAX_SKEW" envDefault:"3" check:"positive" en:"scanning angle in degrees beyond which a page is flagged skewed" vi:"góc nghiêng (độ) vượt quá thì trang bị gắn cờ nghiêng"`
	ReconcileInterval time.Duration `env:"SOHOA_RECONCILE_INTERVAL" envDefault:"1m" check:"positive" en:"how often workers re-queue work the queue lost" vi:"chu kỳ worker đưa lại vào hàng đợi việc bị mất"`
	ReconcileGrace    time.Duration `env:"SOHOA_RECONCILE_GRACE" envDefault:"30s" check:"positive" en:"how long work must sit untouched before it counts as lost" vi:"thời gian việc không được động tới thì coi là bị mất"`
	// asynq's default is 1 s: every stage of a document (OCR, assembly,
	// signing) could wait that long for an idle worker to look, seconds
	// on a clerk's copy. A look is one Redis script.
	TaskCheck      time.Duration `env:"SOHOA_TASK_CHECK_INTERVAL" envDefault:"100ms" check:"positive" en:"how long an idle worker waits before it looks for tasks again" vi:"thời gian worker rảnh chờ trước khi tìm việc lại"`
	FixityInterval time.Duration `env:"SOHOA_FIXITY_INTERVAL" envDefault:"0s" check:"nonnegative" en:"run the fixity audit this often, e.g. 24h, on one process only (0: off)" vi:"chu kỳ kiểm tra toàn vẹn, ví dụ 24h, chỉ trên một tiến trình (0: tắt)"`

	MaxFileBytes  int64 `env:"SOHOA_MAX_FILE_BYTES" envDefault:"209715200" check:"positive" en:"largest input file, in bytes" vi:"kích thước tối đa của một tệp đầu vào, tính bằng byte"`
	MaxPagePixels int64 `env:"SOHOA_MAX_PAGE_PIXELS" envDefault:"100000000" check:"positive" en:"largest page, in pixels, checked from the header before decoding" vi:"số điểm ảnh tối đa của một trang, kiểm tra từ phần đầu tệp trước khi giải mã"`
	MaxPages      int64 `env:"SOHOA_MAX_PAGES" envDefault:"2000" check:"positive" en:"most pages in one input file" vi:"số trang tối đa của một tệp đầu vào"`
}

// S3 is the object store: MinIO or any S3 service. Without an endpoint
// blobs are files in the data directory.
type S3 struct {
	Endpoint  string `env:"SOHOA_S3_ENDPOINT" en:"MinIO/S3 endpoint, host:port (empty: files in the data directory)" vi:"địa chỉ MinIO/S3, host:port (trống: tệp trong thư mục dữ liệu)"`
	AccessKey string `env:"SOHOA_S3_ACCESS_KEY" en:"S3 access key" vi:"khóa truy cập S3"`
	SecretKey string `env:"SOHOA_S3_SECRET_KEY" secret:"true" en:"S3 secret key" vi:"khóa bí mật S3"`
	Bucket    string `env:"SOHOA_S3_BUCKET" envDefault:"sohoa" en:"S3 bucket" vi:"bucket S3"`
	Region    string `env:"SOHOA_S3_REGION" en:"S3 region" vi:"vùng S3"`
	UseSSL    bool   `env:"SOHOA_S3_USE_SSL" envDefault:"false" en:"speak HTTPS to the S3 endpoint" vi:"dùng HTTPS với S3"`
}

// Client is the configuration of the commands that talk to a running
// server (ingest, export, report, results…).
type Client struct {
	URL   string `env:"SOHOA_URL" envDefault:"http://127.0.0.1:8080" en:"server the client commands talk to" vi:"máy chủ mà các lệnh khách kết nối"`
	Token string `env:"SOHOA_TOKEN" secret:"true" en:"API key of the client commands (default: the local server's bootstrap key, if readable)" vi:"khóa API của các lệnh khách (mặc định: khóa khởi tạo của máy chủ cục bộ, nếu đọc được)"`
}

// Error is a variable whose value cannot be used. Start-up stops on it.
type Error struct {
	Var    string // e.g. SOHOA_TASK_CHECK_INTERVAL
	Value  string // as set; empty for a secret
	Secret bool
	VI, EN string
	Err    error // the parser's error, if any
}

func (e *Error) Error() string {
	v := strconv.Quote(e.Value)
	if e.Secret {
		v = "(ẩn / hidden)"
	}
	return fmt.Sprintf("%s=%s: %s / %s", e.Var, v, e.VI, e.EN)
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid is the error for a variable whose value a consumer refused
// (err, kept for errors.Is/As); vi and en say what is wanted.
func Invalid(name, value, vi, en string, err error) error {
	f, ok := fieldByVar(name)
	return &Error{Var: name, Value: value, Secret: ok && f.secret, VI: vi, EN: en, Err: err}
}

// Load reads the configuration from the process's environment.
func Load() (Config, error) { return Parse(env.ToMap(os.Environ())) }

// LoadClient reads the client commands' configuration from the process's environment.
func LoadClient() (Client, error) {
	var c Client
	err := parseInto(&c, env.ToMap(os.Environ()))
	return c, err
}

// Getenv is the value of a variable the user names (sohoa sign
// --password-env VAR), or of the user's login name (USER).
func Getenv(name string) string { return os.Getenv(name) }

// Parse reads the configuration from environ (variable to value); a
// variable set empty counts as unset. Every unusable value is reported,
// each as an *Error, joined.
func Parse(environ map[string]string) (Config, error) {
	c := Config{Role: "all", Workers: runtime.NumCPU()}
	if err := parseInto(&c, environ); err != nil {
		return c, err
	}
	if c.DataDir == "" {
		c.DataDir = defaultDataDir(environ)
	}
	c.TrustRoots = trimList(c.TrustRoots)
	c.Languages = trimList(c.Languages)
	return c, nil
}

func defaultDataDir(environ map[string]string) string {
	if d := environ["XDG_DATA_HOME"]; d != "" {
		return filepath.Join(d, "sohoa")
	}
	if home := environ["HOME"]; home != "" {
		return filepath.Join(home, ".local", "share", "sohoa")
	}
	return "sohoa-data"
}

func trimList(l []string) []string {
	var out []string
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseInto fills v with the library, then checks enumerations and ranges.
func parseInto(v any, environ map[string]string) error {
	var errs []error
	failed := map[string]bool{}
	if err := env.ParseWithOptions(v, env.Options{Environment: environ}); err != nil {
		var agg env.AggregateError
		if !errors.As(err, &agg) {
			return err
		}
		for _, e := range agg.Errors {
			e = translate(e, environ)
			var ce *Error
			if errors.As(e, &ce) {
				failed[ce.Var] = true
			}
			errs = append(errs, e)
		}
	}
	for _, f := range fieldsOf(reflect.ValueOf(v).Elem()) {
		if failed[f.Var] {
			continue // one message per variable
		}
		if err := f.check(environ[f.Var]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// translate turns the library's error into one naming the variable.
func translate(err error, environ map[string]string) error {
	var pe env.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	f, ok := fieldByGoName(pe.Name)
	if !ok {
		return err
	}
	e := &Error{Var: f.Var, Value: environ[f.Var], Secret: f.secret, Err: pe.Err}
	switch f.typ {
	case reflect.TypeFor[time.Duration]():
		e.VI, e.EN = "cần một khoảng thời gian như 500ms, 30s, 5m hoặc 24h", "want a duration such as 500ms, 30s, 5m or 24h"
	case reflect.TypeFor[bool]():
		e.VI, e.EN = "cần true hoặc false", "want true or false"
	case reflect.TypeFor[int64](), reflect.TypeFor[int]():
		e.VI, e.EN = "cần một số nguyên dương", "want a positive whole number"
	case reflect.TypeFor[float64]():
		e.VI, e.EN = "cần một số dương, như 2.5", "want a positive number such as 2.5"
	default:
		e.VI, e.EN = "giá trị không hợp lệ: "+pe.Err.Error(), "invalid value: "+pe.Err.Error()
	}
	return e
}

// Field describes one variable, for documentation and checks.
type Field struct {
	Var     string
	Default string // as documented
	Enum    []string
	VI, EN  string

	goName string
	typ    reflect.Type
	value  reflect.Value
	chk    string
	secret bool
}

// Fields lists the variables of Config in their order.
func Fields() []Field { return fieldsOf(reflect.ValueOf(&Config{}).Elem()) }

// ClientFields lists the variables of Client.
func ClientFields() []Field { return fieldsOf(reflect.ValueOf(&Client{}).Elem()) }

func fieldsOf(v reflect.Value) []Field {
	var out []Field
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		name := sf.Tag.Get("env")
		if sf.Type.Kind() == reflect.Struct && name == "" && sf.Type != reflect.TypeFor[time.Duration]() {
			out = append(out, fieldsOf(v.Field(i))...)
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		f := Field{Var: name, VI: sf.Tag.Get("vi"), EN: sf.Tag.Get("en"), goName: sf.Name, typ: sf.Type,
			value: v.Field(i), chk: sf.Tag.Get("check"), secret: sf.Tag.Get("secret") == "true"}
		f.Default = sf.Tag.Get("envDefault")
		if d, ok := sf.Tag.Lookup("doc"); ok {
			f.Default = d
		}
		if e, ok := sf.Tag.Lookup("enum"); ok {
			f.Enum = strings.Split(e, ",")
		}
		out = append(out, f)
	}
	return out
}

func fieldByGoName(name string) (Field, bool) {
	for _, f := range append(Fields(), ClientFields()...) {
		if f.goName == name {
			return f, true
		}
	}
	return Field{}, false
}

func fieldByVar(name string) (Field, bool) {
	for _, f := range append(Fields(), ClientFields()...) {
		if f.Var == name {
			return f, true
		}
	}
	return Field{}, false
}

// check applies the enum and check tags to the parsed value.
func (f Field) check(raw string) error {
	bad := func(vi, en string) error {
		return &Error{Var: f.Var, Value: raw, Secret: f.secret, VI: vi, EN: en}
	}
	if f.Enum != nil {
		s := f.value.String()
		fold := func(s string) string { return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), "-", "")) }
		for _, e := range f.Enum {
			if fold(s) == fold(e) { // "b-t", "BT" and "B-T" are one level, as package sign reads them
				f.value.SetString(e)
				return nil
			}
		}
		allowed := strings.Join(strings.Split(strings.TrimPrefix(strings.Join(f.Enum, ","), ","), ","), ", ")
		return bad("cần một trong: "+allowed, "want one of: "+allowed)
	}
	var sign int
	switch f.value.Kind() {
	case reflect.Int, reflect.Int64:
		sign = cmp(f.value.Int())
	case reflect.Float64:
		sign = cmp(f.value.Float())
	default:
		return nil
	}
	switch {
	case f.chk == "positive" && sign <= 0:
		if f.typ == reflect.TypeFor[time.Duration]() {
			return bad("cần một khoảng thời gian lớn hơn 0, như 30s", "want a duration above zero, such as 30s")
		}
		return bad("cần một số dương", "want a positive number")
	case f.chk == "nonnegative" && sign < 0:
		return bad("cần một khoảng thời gian không âm (0: tắt)", "want a duration of zero (off) or more")
	}
	return nil
}

func cmp[T int64 | float64](x T) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
