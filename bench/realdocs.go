package main

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/sohoa-vn/sohoa/metadata"
)

// The real-rendering corpus (-mode real): administrative documents laid
// out as Decree 30/2020/NĐ-CP prescribes, written as LibreOffice sources
// (realrender.go) from the templates below. Names, numbers, dates, units
// and the prose are drawn from a seed, so a document is the same on every
// machine; its metadata fields are the truth the extraction is scored on.

// unitNames are real ward and commune names (metadata/units.txt).
var unitNames = metadata.UnitNames()

// provinces after the 2025 merger (34 units).
var provinces = []string{"Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa",
	"Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên",
	"Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk",
	"Thành phố Hồ Chí Minh", "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang"}

var surnamesR = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trịnh", "Đinh"}
var middlesR = []string{"Văn", "Thị", "Đức", "Minh", "Thu", "Quốc", "Hữu", "Thanh", "Ngọc", "Xuân", "Công", "Thị Kim", "Đình", "Hồng"}
var givensR = []string{"An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nghĩa", "Ngọc", "Phúc", "Phương", "Quang", "Sơn", "Tâm", "Thắng", "Thảo", "Trung", "Tuấn", "Vinh", "Yến"}

// realBody is an issuing body as a document's header names it.
type realBody struct {
	lines          []string // parent first; the last line (bold) is the issuing body itself
	abbr           string   // symbol suffix
	tm             string   // "TM. ỦY BAN NHÂN DÂN" for collective bodies, else ""
	head, deputy   string
	place          string
	authority      string // who decides, above "QUYẾT ĐỊNH:"
	sealTop, sealB string // texts on the seal
}

func drawBody(rng *rand.Rand) realBody {
	prov := provinces[rng.Intn(len(provinces))]
	provUp := strings.ToUpper(prov)
	provKind := "TỈNH "
	if strings.HasPrefix(prov, "Thành phố") {
		provKind = ""
	} else if prov == "Hà Nội" || prov == "Huế" || prov == "Hải Phòng" || prov == "Đà Nẵng" || prov == "Cần Thơ" {
		provKind = "THÀNH PHỐ "
	}
	unit := unitNames[rng.Intn(len(unitNames))]
	switch rng.Intn(4) {
	case 0, 1: // a ward or commune
		kind := []string{"PHƯỜNG", "XÃ"}[rng.Intn(2)]
		name := kind + " " + strings.ToUpper(unit)
		return realBody{lines: []string{"ỦY BAN NHÂN DÂN", name}, abbr: "UBND", tm: "TM. ỦY BAN NHÂN DÂN",
			head: "CHỦ TỊCH", deputy: "PHÓ CHỦ TỊCH", place: unit,
			authority: "CHỦ TỊCH ỦY BAN NHÂN DÂN " + name, sealTop: "ỦY BAN NHÂN DÂN", sealB: name}
	case 2: // a province
		return realBody{lines: []string{"ỦY BAN NHÂN DÂN", provKind + provUp}, abbr: "UBND", tm: "TM. ỦY BAN NHÂN DÂN",
			head: "CHỦ TỊCH", deputy: "PHÓ CHỦ TỊCH", place: prov,
			authority: "ỦY BAN NHÂN DÂN " + provKind + provUp, sealTop: "ỦY BAN NHÂN DÂN", sealB: provKind + provUp}
	default: // a department of the province
		d := []struct{ name, abbr string }{{"SỞ TƯ PHÁP", "STP"}, {"SỞ NỘI VỤ", "SNV"}, {"SỞ TÀI CHÍNH", "STC"},
			{"SỞ XÂY DỰNG", "SXD"}, {"SỞ Y TẾ", "SYT"}}[rng.Intn(5)]
		return realBody{lines: []string{"UBND " + provKind + provUp, d.name}, abbr: d.abbr,
			head: "GIÁM ĐỐC", deputy: "PHÓ GIÁM ĐỐC", place: prov,
			authority: "GIÁM ĐỐC " + d.name, sealTop: d.name, sealB: provKind + provUp}
	}
}

// realKind is a document type with its symbol code and summaries.
type realKind struct {
	title, code string
	summaries   []string
	pages       [2]int // fewest and most pages
}

var realKinds = []realKind{
	{"QUYẾT ĐỊNH", "QĐ", []string{
		"Về việc ban hành Quy chế số hóa hồ sơ, tài liệu và kết quả giải quyết thủ tục hành chính còn hiệu lực trên địa bàn",
		"Về việc phê duyệt danh mục thủ tục hành chính được thực hiện chứng thực bản sao điện tử từ bản chính",
		"Về việc thành lập Tổ công tác triển khai chuyển đổi số trong tiếp nhận và giải quyết hồ sơ",
		"Về việc giao chỉ tiêu số hóa tài liệu lưu trữ năm 2026"}, [2]int{2, 3}},
	{"THÔNG BÁO", "TB", []string{
		"Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp giao ban công tác cải cách hành chính",
		"Về việc tạm ngừng tiếp nhận hồ sơ trực tiếp để nâng cấp hệ thống thông tin giải quyết thủ tục hành chính"}, [2]int{1, 2}},
	{"KẾ HOẠCH", "KH", []string{
		"Số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực giai đoạn 2026 - 2027",
		"Triển khai dịch vụ công trực tuyến toàn trình và thanh toán trực tuyến"}, [2]int{2, 3}},
	{"BÁO CÁO", "BC", []string{
		"Kết quả công tác văn thư, lưu trữ và số hóa tài liệu năm 2025",
		"Tình hình thực hiện nhiệm vụ chuyển đổi số quý III năm 2026"}, [2]int{2, 3}},
	{"GIẤY CHỨNG NHẬN", "GCN", []string{"Đăng ký hộ kinh doanh"}, [2]int{1, 1}},
	{"", "", []string{ // công văn: the summary goes under the number, after "V/v"
		"V/v đôn đốc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
		"V/v góp ý dự thảo Quy chế làm việc của Ủy ban nhân dân",
		"V/v cung cấp thông tin phục vụ kiểm tra công tác lưu trữ"}, [2]int{1, 2}},
}

// realDoc is one document of the corpus and its truth.
type realDoc struct {
	Index   int    `json:"index"`
	Name    string `json:"name"`
	HeldOut bool   `json:"held_out"`
	Scan    string `json:"scan"` // bilevel200, grey300, colour300
	Size    int    `json:"size"` // body font size, pt
	Skew    float64

	body    realBody
	Issuer  string `json:"issuer"`
	Number  string `json:"number_symbol"`
	Place   string `json:"place"`
	Date    string `json:"date"` // ISO
	dateVN  string
	Type    string `json:"type"`
	Summary string `json:"summary"`
	Signer  string `json:"signer"`
	Title   string `json:"signer_title"`
	titles  []string

	blocks     []block // the body, in order
	recipients []string
	want       int // pages aimed at
}

// block is one element of a body: a paragraph in a style, or a table.
type block struct {
	style string // J (justified body), JI (italic), CB (centred bold), LB (left bold)
	text  string
	rows  [][]string // a table when set; the first row is the heading
}

// heldOut says which documents are kept out of tuning: every third one
// (index 2, 5, 8, …), whatever the seed.
func heldOut(i int) bool { return i%3 == 2 }

func personName(rng *rand.Rand) string {
	return surnamesR[rng.Intn(len(surnamesR))] + " " + middlesR[rng.Intn(len(middlesR))] + " " + givensR[rng.Intn(len(givensR))]
}

func vnDate(t time.Time) string {
	d, m := fmt.Sprintf("%02d", t.Day()), fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 { // Decree 30: months 1 and 2 take a leading zero
		m = "0" + m
	}
	return fmt.Sprintf("ngày %s tháng %s năm %d", d, m, t.Year())
}

// newRealDoc draws document i of the corpus from seed.
func newRealDoc(seed int64, i int) *realDoc {
	// Seeds one apart start math/rand's streams alike: mix them first.
	mix := uint64(seed)*0x9E3779B97F4A7C15 ^ uint64(i+1)*0xBF58476D1CE4E5B9
	mix ^= mix >> 31
	rng := rand.New(rand.NewSource(int64(mix)))
	k := realKinds[i%len(realKinds)]
	b := drawBody(rng)
	date := time.Date(2024+rng.Intn(3), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), 0, 0, 0, 0, time.UTC)
	num := fmt.Sprint(1 + rng.Intn(1999))
	var number string
	switch {
	case k.code == "":
		number = num + "/" + b.abbr
		if b.abbr == "UBND" {
			number += "-VP"
		}
	case k.code == "QĐ" && rng.Intn(3) == 0:
		number = fmt.Sprintf("%s/%d/QĐ-%s", num, date.Year(), b.abbr)
	default:
		number = num + "/" + k.code + "-" + b.abbr
	}
	d := &realDoc{Index: i, Name: fmt.Sprintf("real-%03d", i), HeldOut: heldOut(i), body: b,
		Scan:   []string{"bilevel200", "grey300", "bilevel200", "colour300"}[(i/len(realKinds)+i)%4],
		Size:   13 + rng.Intn(2),
		Skew:   skewOf(rng),
		Issuer: strings.Join(b.lines, " "), Number: number, Place: b.place,
		Date: date.Format("2006-01-02"), dateVN: vnDate(date),
		Type: k.title, Summary: k.summaries[rng.Intn(len(k.summaries))], Signer: personName(rng)}
	if d.Type == "" {
		d.Type = "CÔNG VĂN"
	}
	if rng.Intn(2) == 0 {
		d.titles = []string{b.head}
		if b.tm != "" {
			d.titles = []string{b.tm, b.head}
		}
	} else {
		d.titles = []string{"KT. " + b.head, b.deputy}
		if b.tm != "" {
			d.titles = []string{b.tm, "KT. " + b.head, b.deputy}
		}
	}
	d.Title = d.titles[len(d.titles)-1]
	d.want = k.pages[0] + rng.Intn(k.pages[1]-k.pages[0]+1)
	d.compose(rng, k)
	return d
}

// Sentences of the body, with slots: {u} a unit, {d} a date, {n} a
// number, {p} a person, {y} a year.
var bodySentences = []string{
	"Các cơ quan, đơn vị tổ chức rà soát toàn bộ hồ sơ, tài liệu đang quản lý, phân loại theo lĩnh vực và thời hạn bảo quản trước {d}.",
	"Văn bản được quét ở độ phân giải tối thiểu 200 dpi, chế độ màu đen trắng hoặc thang xám; trang có ảnh, con dấu màu được quét ở chế độ màu.",
	"Tệp kết quả được nhận dạng ký tự, lưu ở định dạng PDF và được ký số bằng chữ ký số của cơ quan trước khi đưa vào kho dữ liệu.",
	"Thông tin mô tả gồm số, ký hiệu, ngày ban hành, cơ quan ban hành, trích yếu và người ký được nhập đầy đủ, thống nhất với bản giấy.",
	"Trong năm {y}, toàn đơn vị đã tiếp nhận {n} hồ sơ, trong đó giải quyết đúng hạn và trước hạn đạt tỷ lệ cao, không để tồn đọng kéo dài.",
	"Bộ phận một cửa {u} bố trí công chức hướng dẫn người dân nộp hồ sơ trực tuyến, tra cứu kết quả và nhận bản sao điện tử qua tài khoản định danh.",
	"Việc chứng thực bản sao điện tử từ bản chính được thực hiện theo đúng trình tự, bảo đảm mỗi bản sao có số chứng thực riêng và được ghi vào sổ.",
	"Giao Văn phòng chủ trì, phối hợp với các phòng chuyên môn kiểm tra chất lượng bản quét, đối chiếu thông tin mô tả và báo cáo kết quả định kỳ hằng tháng.",
	"Kinh phí thực hiện được bố trí từ nguồn ngân sách địa phương và các nguồn hợp pháp khác theo quy định của pháp luật.",
	"Đồng chí {p}, công chức Văn phòng, chịu trách nhiệm tổng hợp số liệu, theo dõi tiến độ và đề xuất biện pháp tháo gỡ khó khăn.",
	"Các hồ sơ đã hết hiệu lực, bị thu hồi hoặc thay thế phải được đánh dấu rõ ràng trên hệ thống để người tra cứu không sử dụng nhầm.",
	"Đến {d}, đã số hóa được {n} trang tài liệu, đạt khoảng {pc} phần trăm kế hoạch đề ra; một số hồ sơ cũ bị rách, mờ phải xử lý trước khi quét.",
	"Người đứng đầu cơ quan chịu trách nhiệm trước cấp trên về kết quả thực hiện nhiệm vụ được giao tại đơn vị mình.",
	"Thời hạn quy định tại Điều này được tính từ {d} và không kéo dài quá ba mươi ngày làm việc.",
	"Cơ sở dữ liệu phải được sao lưu hằng ngày, lưu giữ ít nhất hai bản ở hai địa điểm khác nhau và được kiểm tra khả năng khôi phục mỗi quý.",
	"Công chức tiếp nhận kiểm tra tính đầy đủ của thành phần hồ sơ, ghi rõ lý do bằng văn bản nếu từ chối và hướng dẫn người dân bổ sung một lần.",
	"Trường hợp phát hiện sai sót trong thông tin mô tả, đơn vị số hóa phải chỉnh sửa kịp thời và ghi nhận lịch sử thay đổi trên hệ thống.",
	"Ủy ban nhân dân {u} đã ban hành kế hoạch, phân công nhiệm vụ cụ thể cho từng bộ phận và tổ chức tập huấn cho {n} lượt công chức.",
	"Một số thiết bị quét đã cũ, tốc độ chậm, chưa đáp ứng yêu cầu về khối lượng hồ sơ cần số hóa trong thời gian ngắn.",
	"Đề nghị các cơ quan có liên quan phối hợp chặt chẽ, cung cấp đầy đủ thông tin và tài liệu theo yêu cầu trước {d}.",
	"Quyết định này có hiệu lực kể từ ngày ký; các quy định trước đây trái với Quyết định này đều bãi bỏ.",
	"Hằng năm, đơn vị tổ chức sơ kết, đánh giá kết quả thực hiện, biểu dương những tập thể, cá nhân có thành tích tiêu biểu.",
}

var recitals = []string{
	"Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
	"Căn cứ Luật Lưu trữ ngày 21 tháng 6 năm 2024;",
	"Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
	"Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục hành chính trên môi trường điện tử;",
	"Căn cứ Nghị định số 23/2015/NĐ-CP ngày 16 tháng 02 năm 2015 của Chính phủ về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính;",
}

func (d *realDoc) sentence(rng *rand.Rand) string {
	s := bodySentences[rng.Intn(len(bodySentences))]
	when := time.Date(2025+rng.Intn(2), time.Month(1+rng.Intn(12)), 1+rng.Intn(28), 0, 0, 0, 0, time.UTC)
	r := strings.NewReplacer("{u}", unitPhrase(d), "{d}", vnDate(when),
		"{n}", fmt.Sprint(120+rng.Intn(9000)), "{p}", personName(rng), "{y}", fmt.Sprint(2024+rng.Intn(3)),
		"{pc}", fmt.Sprint(40+rng.Intn(55)))
	return r.Replace(s)
}

// unitPhrase is the issuing body as prose names it ("phường Tân Định").
func unitPhrase(d *realDoc) string {
	last := d.body.lines[len(d.body.lines)-1]
	for _, k := range []string{"PHƯỜNG ", "XÃ "} {
		if strings.HasPrefix(last, k) {
			return strings.ToLower(strings.TrimSpace(k)) + " " + d.body.place
		}
	}
	if strings.HasPrefix(d.body.place, "Thành phố") {
		return d.body.place
	}
	if strings.Contains(d.Issuer, "THÀNH PHỐ") {
		return "thành phố " + d.body.place
	}
	return "tỉnh " + d.body.place
}

func (d *realDoc) paragraph(rng *rand.Rand, n int) string {
	var s []string
	for range n {
		s = append(s, d.sentence(rng))
	}
	return strings.Join(s, " ")
}

// compose writes the body: enough text for the pages aimed at (about
// 26 lines of 14 pt body text on a page, the header takes a third of the
// first, the signature block a third of the last).
func (d *realDoc) compose(rng *rand.Rand, k realKind) {
	budget := 9 + (d.want-1)*24 // paragraphs of ~3 lines... counted in lines
	if d.Size == 13 {
		budget += budget / 8
	}
	lines := 0
	add := func(b block) {
		d.blocks = append(d.blocks, b)
		lines += 1 + len([]rune(b.text))/75 + len(b.rows)*2
	}
	switch k.code {
	case "QĐ":
		add(block{style: "CB", text: d.body.authority})
		for _, r := range rng.Perm(len(recitals))[:2+rng.Intn(2)] {
			add(block{style: "JI", text: recitals[r]})
		}
		add(block{style: "JI", text: "Theo đề nghị của Chánh Văn phòng."})
		add(block{style: "CB", text: "QUYẾT ĐỊNH:"})
		art := 1
		for lines < budget-4 {
			if d.want > 2 && art == 2 {
				add(block{style: "CB", text: "Chương I"})
			}
			add(block{style: "J", text: fmt.Sprintf("Điều %d. %s", art, d.paragraph(rng, 1+rng.Intn(3)))})
			art++
		}
		d.recipients = []string{fmt.Sprintf("- Như Điều %d;", art)}
		add(block{style: "J", text: fmt.Sprintf("Điều %d. Chánh Văn phòng, thủ trưởng các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này./.", art)})
	case "GCN":
		add(block{style: "J", text: "Tên hộ kinh doanh: " + strings.ToUpper(personName(rng))})
		add(block{style: "J", text: fmt.Sprintf("Địa chỉ trụ sở: số %d đường %s, %s", 1+rng.Intn(300), unitNames[rng.Intn(len(unitNames))], unitPhrase(d))})
		add(block{style: "J", text: "Ngành, nghề kinh doanh: bán lẻ lương thực, thực phẩm, đồ uống trong cửa hàng chuyên doanh."})
		add(block{style: "J", text: fmt.Sprintf("Vốn kinh doanh: %d.000.000 đồng.", 50+rng.Intn(900))})
		add(block{style: "J", text: "Họ và tên đại diện hộ kinh doanh: " + personName(rng) + "; số định danh cá nhân: " + fmt.Sprintf("0%011d", rng.Int63n(1e11))})
		add(block{style: "J", text: d.paragraph(rng, 1)})
	default:
		if k.code == "" {
			add(block{style: "J", text: "Kính gửi: Các phòng, ban chuyên môn và đơn vị sự nghiệp trực thuộc."})
		}
		sec := 1
		for lines < budget {
			if k.code == "BC" || k.code == "KH" {
				add(block{style: "LB", text: fmt.Sprintf("%s. %s", []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII"}[min(sec-1, 7)],
					[]string{"MỤC ĐÍCH, YÊU CẦU", "KẾT QUẢ THỰC HIỆN", "NHIỆM VỤ, GIẢI PHÁP", "TỔ CHỨC THỰC HIỆN", "KINH PHÍ", "TIẾN ĐỘ", "CHẾ ĐỘ BÁO CÁO", "KIẾN NGHỊ"}[min(sec-1, 7)])})
			}
			add(block{style: "J", text: d.paragraph(rng, 2+rng.Intn(2))})
			if sec == 1 && (k.code == "BC" || k.code == "KH") {
				rows := [][]string{{"STT", "Nội dung", "Đơn vị thực hiện", "Thời gian"}}
				for j := range 3 + rng.Intn(3) {
					rows = append(rows, []string{fmt.Sprint(j + 1), []string{"Rà soát, phân loại hồ sơ", "Quét và nhận dạng ký tự",
						"Nhập thông tin mô tả", "Kiểm tra chất lượng", "Ký số và lưu trữ", "Tập huấn công chức"}[j],
						[]string{"Văn phòng", "Phòng Tư pháp", "Bộ phận một cửa", "Phòng Nội vụ"}[rng.Intn(4)],
						fmt.Sprintf("Quý %s/%d", []string{"I", "II", "III", "IV"}[rng.Intn(4)], 2026)})
				}
				add(block{rows: rows})
			}
			if rng.Intn(2) == 0 {
				add(block{style: "J", text: d.paragraph(rng, 1+rng.Intn(2))})
			}
			sec++
		}
		add(block{style: "J", text: "Đề nghị các đơn vị nghiêm túc triển khai thực hiện./."})
	}
	if len(d.recipients) == 0 {
		d.recipients = []string{"- Như trên;"}
	}
	d.recipients = append(d.recipients, "- "+[]string{"Thường trực HĐND", "UBND tỉnh", "Sở Nội vụ"}[rng.Intn(3)]+";", "- Lưu: VT.")
}

// skewOf draws a scan's skew: 0.5° to 3° either way, small angles more
// often than large ones (a feeder's pages are mostly near straight).
func skewOf(rng *rand.Rand) float64 {
	u := rng.Float64()
	return (0.5 + 2.5*u*u) * float64(1-2*rng.Intn(2))
}
