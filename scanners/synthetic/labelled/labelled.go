// Package labelled generates varied one-page Vietnamese administrative
// documents (layout of Decree 30/2020/NĐ-CP) with the ground truth of their
// metadata, to measure metadata extraction: the issuing body, number and
// symbol, type, summary, signer and dates vary with the seed, and so do the
// font (Liberation Serif, Liberation Sans, DejaVu Serif), the body size
// (12–14 pt), the skew (±2°), the noise, the scanner mode (200 dpi bilevel
// or 300 dpi grey) and the presence of the national motto block.
//
// The same seed always gives the same documents and the same pixels.
package labelled

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/scanners/synthetic"
)

// Truth is the metadata printed on a document, as printed (capitals where
// the page has capitals).
type Truth struct {
	Issuer      string `json:"issuer"`       // the issuing-body block, lines joined by spaces
	Number      string `json:"number"`       // number and symbol, without "Số:"
	Place       string `json:"place"`        // place name of the date line
	Date        string `json:"date"`         // ISO 8601, YYYY-MM-DD
	Type        string `json:"type"`         // e.g. "QUYẾT ĐỊNH"; "CÔNG VĂN" for a letter
	Summary     string `json:"summary"`      // trích yếu, lines joined by spaces
	Signer      string `json:"signer"`       // full name
	SignerTitle string `json:"signer_title"` // the signer's own title, e.g. "PHÓ CHỦ TỊCH"
}

// Font families the generator draws with.
const (
	LiberationSerif = "LiberationSerif"
	LiberationSans  = "LiberationSans"
	DejaVuSerif     = "DejaVuSerif"
)

// Fonts lists the families, in the order variants cycle through them.
var Fonts = []string{LiberationSerif, LiberationSans, DejaVuSerif}

// Variant is how a document is typeset and scanned.
type Variant struct {
	Font  string         `json:"font"`  // one of Fonts
	Size  float64        `json:"size"`  // body size in points, 12–14
	Skew  float64        `json:"skew"`  // degrees, positive clockwise
	Noise float64        `json:"noise"` // specks of dust per pixel, e.g. 0.0005 (≈ 2,000 on a 200 dpi page)
	Motto bool           `json:"motto"` // national name and motto at the top right
	Mode  synthetic.Mode `json:"mode"`  // 200 dpi bilevel or 300 dpi grey
}

func (v Variant) String() string {
	m := "motto"
	if !v.Motto {
		m = "nomotto"
	}
	return fmt.Sprintf("%s-%gpt-%+.1fdeg-noise%g-%s-%s", v.Font, v.Size, v.Skew, v.Noise, m, v.Mode)
}

// Doc is one generated document: a single A4 page.
type Doc struct {
	Name    string  `json:"name"`
	Variant Variant `json:"variant"`
	Truth   Truth   `json:"truth"`
	Text    string  `json:"text"` // ground-truth text, lines in reading order
	seed    int64
	lines   []item
}

// body is an issuing body: its block lines, the symbol's suffix and the
// titles its head signs with.
type body struct {
	lines  []string // parent body first; the last is the issuing body itself (bold)
	abbr   string   // symbol suffix, e.g. "UBND"
	signTM string   // "TM. ỦY BAN NHÂN DÂN": collective bodies sign on behalf of
	head   string   // "CHỦ TỊCH", "GIÁM ĐỐC", ...
	deputy string   // "PHÓ CHỦ TỊCH", ...
	place  string
}

var bodies = []body{
	{[]string{"ỦY BAN NHÂN DÂN", "PHƯỜNG HOÀN KIẾM"}, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Hoàn Kiếm"},
	{[]string{"ỦY BAN NHÂN DÂN", "XÃ TÂN PHÚ"}, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Tân Phú"},
	{[]string{"ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH"}, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Bắc Ninh"},
	{[]string{"ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"}, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đà Nẵng"},
	{[]string{"UBND THÀNH PHỐ HÀ NỘI", "SỞ TƯ PHÁP"}, "STP", "", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Hà Nội"},
	{[]string{"UBND TỈNH NGHỆ AN", "SỞ NỘI VỤ"}, "SNV", "", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nghệ An"},
	{[]string{"UBND TỈNH ĐỒNG NAI", "SỞ TÀI CHÍNH"}, "STC", "", "GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Đồng Nai"},
	{[]string{"UBND QUẬN NINH KIỀU", "PHÒNG TƯ PHÁP"}, "PTP", "", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Ninh Kiều"},
	{[]string{"BỘ TƯ PHÁP"}, "BTP", "", "BỘ TRƯỞNG", "THỨ TRƯỞNG", "Hà Nội"},
	{[]string{"BỘ NỘI VỤ", "CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC"}, "VTLTNN", "", "CỤC TRƯỞNG", "PHÓ CỤC TRƯỞNG", "Hà Nội"},
	{[]string{"ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"}, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Thành phố Hồ Chí Minh"},
	{[]string{"ỦY BAN NHÂN DÂN", "PHƯỜNG LÊ CHÂN"}, "UBND", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Lê Chân"},
}

// kind is a document type: its title (empty for a letter), symbol code and
// summaries.
type kind struct {
	title, code string
	summaries   []string
}

var kinds = []kind{
	{"QUYẾT ĐỊNH", "QĐ", []string{
		"Về việc ban hành Quy chế số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
		"Về việc cấp giấy phép xây dựng có thời hạn",
		"Về việc thành lập Tổ công tác chuyển đổi số",
	}},
	{"THÔNG BÁO", "TB", []string{
		"Kết luận của Chủ tịch tại cuộc họp giao ban tháng",
		"Về việc tạm ngừng tiếp nhận hồ sơ trực tiếp",
	}},
	{"KẾ HOẠCH", "KH", []string{
		"Số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực",
		"Triển khai dịch vụ công trực tuyến toàn trình",
	}},
	{"BÁO CÁO", "BC", []string{"Kết quả công tác văn thư, lưu trữ năm", "Tình hình thực hiện nhiệm vụ quý I"}},
	{"GIẤY CHỨNG NHẬN", "GCN", []string{"Đăng ký hộ kinh doanh", "Quyền sử dụng đất"}},
	{"TỜ TRÌNH", "TTr", []string{"Về việc phê duyệt dự toán kinh phí số hóa tài liệu lưu trữ"}},
	{"GIẤY MỜI", "GM", []string{"Dự hội nghị tổng kết công tác cải cách hành chính"}},
	{"HƯỚNG DẪN", "HD", []string{"Thực hiện chứng thực bản sao điện tử từ bản chính"}},
	{"CHỈ THỊ", "CT", []string{"Về tăng cường kỷ luật, kỷ cương hành chính"}},
	{"BIÊN BẢN", "BB", []string{"Bàn giao hồ sơ, tài liệu lưu trữ"}},
	{"", "", []string{ // công văn: the summary goes under the number, after "V/v"
		"V/v triển khai số hóa kết quả giải quyết thủ tục hành chính",
		"V/v góp ý dự thảo Quy chế làm việc",
	}},
}

var surnames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"}
var middles = []string{"Văn", "Thị", "Đức", "Minh", "Thu", "Quốc", "Hữu", "Thị Bích", "Thanh"}
var givens = []string{"An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Khánh", "Lan", "Mai", "Nam", "Ngọc", "Phúc", "Quang", "Sơn", "Thắng", "Tuấn", "Yến"}

var paragraphs = []string{
	"Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
	"Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
	"Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục hành chính trên môi trường điện tử;",
	"Văn bản được quét ở độ phân giải tối thiểu 200 dpi, chế độ màu đen trắng hoặc thang xám; trang có ảnh, con dấu màu được quét ở chế độ màu.",
	"Tệp kết quả được nhận dạng ký tự, lưu ở định dạng PDF và được ký số bằng chữ ký số của cơ quan trước khi đưa vào kho dữ liệu.",
	"Thông tin mô tả gồm số, ký hiệu, ngày ban hành, cơ quan ban hành, trích yếu và người ký được nhập đầy đủ, thống nhất với bản giấy.",
	"Các phòng chuyên môn phối hợp rà soát hồ sơ thuộc lĩnh vực phụ trách, cử công chức tham gia kiểm tra chất lượng bản quét và thông tin mô tả.",
	"Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị kịp thời báo cáo để xem xét, giải quyết./.",
}

// NoiseLevels are the dust levels Generate draws from: none, light
// (≈ 800 specks on a 200 dpi page) and heavy (≈ 2,000).
var NoiseLevels = []float64{0, 0.0002, 0.0005}

// Options change what Generate draws.
type Options struct {
	NoiseLevels []float64 // default NoiseLevels
}

// Generate returns n documents drawn from seed. Variants cycle so that any
// 12 consecutive documents cover every font, both modes, with and without
// the motto, and the three body sizes.
func Generate(seed int64, n int) []Doc { return GenerateWith(seed, n, Options{}) }

// GenerateWith is Generate with options.
func GenerateWith(seed int64, n int, o Options) []Doc {
	levels := o.NoiseLevels
	if len(levels) == 0 {
		levels = NoiseLevels
	}
	rng := rand.New(rand.NewSource(seed))
	docs := make([]Doc, n)
	for i := range docs {
		v := Variant{
			Font:  Fonts[i%3],
			Size:  []float64{12, 13, 14}[(i/3)%3],
			Mode:  []synthetic.Mode{synthetic.Bilevel200, synthetic.Grey300}[i%2],
			Motto: (i/2)%3 != 2, // two in three documents carry the motto
			Skew:  float64(rng.Intn(41)-20) / 10,
			Noise: levels[rng.Intn(len(levels))],
		}
		docs[i] = newDoc(fmt.Sprintf("doc-%03d", i+1), rng, v)
		docs[i].seed = seed*1_000_003 + int64(i)
	}
	return docs
}

func newDoc(name string, rng *rand.Rand, v Variant) Doc {
	b := bodies[rng.Intn(len(bodies))]
	k := kinds[rng.Intn(len(kinds))]
	date := time.Date(2020+rng.Intn(7), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), 0, 0, 0, 0, time.UTC)
	number := fmt.Sprint(1 + rng.Intn(2999))
	switch {
	case k.code == "":
		number += "/" + b.abbr
		if b.abbr == "UBND" {
			number += "-VP"
		}
	default:
		number += "/" + k.code + "-" + b.abbr
	}
	signer := surnames[rng.Intn(len(surnames))] + " " + middles[rng.Intn(len(middles))] + " " + givens[rng.Intn(len(givens))]
	var titles []string
	switch rng.Intn(3) {
	case 0: // the head signs
		if b.signTM != "" {
			titles = []string{b.signTM, b.head}
		} else {
			titles = []string{b.head}
		}
	default: // a deputy signs for the head
		titles = []string{"KT. " + b.head, b.deputy}
	}
	summary := k.summaries[rng.Intn(len(k.summaries))]
	var body []string
	for range 2 + rng.Intn(5) {
		body = append(body, paragraphs[rng.Intn(len(paragraphs))])
	}
	typ := k.title
	if typ == "" {
		typ = "CÔNG VĂN"
	}
	d := Doc{
		Name:    name,
		Variant: v,
		Truth: Truth{
			Issuer: strings.Join(b.lines, " "), Number: number, Place: b.place,
			Date: date.Format("2006-01-02"), Type: typ, Summary: summary,
			Signer: signer, SignerTitle: titles[len(titles)-1],
		},
	}
	d.lines, d.Text = layout(v, b, k.title, number, summary, date, body, titles, signer)
	return d
}

// viDate writes "ngày 05 tháng 6 năm 2026": Decree 30 pads days below 10
// and the months 1 and 2 with a zero.
func viDate(t time.Time) string {
	m := fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 {
		m = "0" + m
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), m, t.Year())
}
