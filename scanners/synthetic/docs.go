// Package synthetic generates reproducible sample scans of Vietnamese
// administrative documents (layout of Decree 30/2020/NĐ-CP) together with
// their ground truth, for demos, end-to-end tests and benchmarks.
//
// Documents(seed) returns a fixed set of documents whose details (issuing
// body, number, date, names) are drawn from the seed; Render draws one page
// at a given resolution; WriteSamples writes a sample set in the file
// formats users bring (multi-page TIFF, PNG, JPEG, PDF of page images) with
// a manifest and the ground-truth text of every page. The same seed always
// gives the same bytes.
package synthetic

import (
	"fmt"
	"math/rand"
	"strings"
	"time"
)

// Doc is one synthetic document: its pages' ground truth and its metadata.
type Doc struct {
	Name  string      // file-name stem, e.g. "quyet-dinh"
	Pages []PageTruth // one per page, in order
	Meta  Meta
}

// PageTruth is what a perfect OCR of a page reads.
type PageTruth struct {
	Text string // lines joined by \n in reading order

	lines []placed // what Render draws
}

// Meta is the document's metadata as Decree 30 places it on the page.
type Meta struct {
	Issuer      string `json:"issuer"`       // cơ quan ban hành, e.g. "Ủy ban nhân dân phường Hoàn Kiếm"
	Number      string `json:"number"`       // số, ký hiệu without "Số:", e.g. "123/QĐ-UBND"
	Place       string `json:"place"`        // địa danh, e.g. "Hoàn Kiếm"
	Date        string `json:"date"`         // ISO 8601, e.g. "2026-06-05"
	Type        string `json:"type"`         // e.g. "Quyết định"
	Summary     string `json:"summary"`      // trích yếu
	Signer      string `json:"signer"`       // full name
	SignerTitle string `json:"signer_title"` // e.g. "Chủ tịch"
}

type ward struct {
	name  string // "Hoàn Kiếm"
	city  string // "thành phố Hà Nội"
	short string // for addresses
}

var wards = []ward{
	{"Hoàn Kiếm", "thành phố Hà Nội", "Hàng Bài"},
	{"Bến Nghé", "Thành phố Hồ Chí Minh", "Lê Thánh Tôn"},
	{"Hải Châu", "thành phố Đà Nẵng", "Bạch Đằng"},
	{"Ninh Kiều", "thành phố Cần Thơ", "Hai Bà Trưng"},
	{"Lê Chân", "thành phố Hải Phòng", "Tô Hiệu"},
}

var people = []string{
	"Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Minh", "Phạm Thu Hà",
	"Võ Quốc Khánh", "Đặng Thị Mai Hương", "Bùi Đức Thắng", "Hoàng Thị Lan Anh",
}

// params are the seeded details of one document.
type params struct {
	ward              ward
	number            int
	date              time.Time
	signer, person    string
	deputy            bool // signed "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
	shopNo, idNumber  int
	capital, staff    int
	meetingDay, month int
}

func newParams(rng *rand.Rand) params {
	p := params{
		ward:   wards[rng.Intn(len(wards))],
		number: 1 + rng.Intn(980),
		date:   time.Date(2026, time.Month(1+rng.Intn(12)), 1+rng.Intn(28), 0, 0, 0, 0, time.UTC),
		signer: people[rng.Intn(len(people))],
		deputy: rng.Intn(2) == 0,
	}
	for p.person = p.signer; p.person == p.signer; {
		p.person = people[rng.Intn(len(people))]
	}
	p.shopNo = 2 + rng.Intn(180)
	p.idNumber = 1000000 + rng.Intn(8999999)
	p.capital = 50 + 10*rng.Intn(30)
	p.staff = 2 + rng.Intn(8)
	p.meetingDay = 2 + rng.Intn(26)
	p.month = int(p.date.Month())
	return p
}

// dateLine writes "Hoàn Kiếm, ngày 05 tháng 6 năm 2026": Decree 30 pads
// days below 10 and the months 1 and 2 with a zero.
func dateLine(place string, t time.Time) string {
	return place + ", " + viDate(t)
}

func viDate(t time.Time) string {
	m := fmt.Sprint(int(t.Month()))
	if t.Month() <= 2 {
		m = "0" + m
	}
	return fmt.Sprintf("ngày %02d tháng %s năm %d", t.Day(), m, t.Year())
}

func (p params) issuer() string { return "Ủy ban nhân dân phường " + p.ward.name }

func (p params) signerTitle() string {
	if p.deputy {
		return "Phó Chủ tịch"
	}
	return "Chủ tịch"
}

// header is the top block of the first page and the closing block of the last.
type header struct {
	number  string   // "123/QĐ-UBND"
	vv      []string // công văn: summary under the number ("V/v ...")
	title   string   // centred type in capitals; "" for a công văn
	summary []string // centred summary lines under the title
	kinhGui string   // công văn: "Kính gửi: ..."
	noiNhan []string // recipients, after "Nơi nhận:"
}

// docSpec is a document before layout.
type docSpec struct {
	name string
	meta Meta
	p    params
	h    header
	body []para
}

// para is a body paragraph.
type para struct {
	text   string
	center bool
	bold   bool
	indent bool // first-line indent
}

func plain(s string) para  { return para{text: s, indent: true} }
func centre(s string) para { return para{text: s, center: true, bold: true} }
func line(s string) para   { return para{text: s} }

// Documents returns the fixed set of sample documents, with details drawn
// from seed: a decision (2 pages), a certificate (1 page), an official
// letter (1 page), a notice (2 pages) and a plan (2 pages).
func Documents(seed int64) []Doc {
	rng := rand.New(rand.NewSource(seed))
	specs := []docSpec{
		quyetDinh(newParams(rng)),
		giayChungNhan(newParams(rng)),
		congVan(newParams(rng)),
		thongBao(newParams(rng)),
		keHoach(newParams(rng)),
	}
	docs := make([]Doc, len(specs))
	for i, s := range specs {
		docs[i] = layout(s)
	}
	return docs
}

func meta(p params, number, typ, summary string) Meta {
	return Meta{
		Issuer: p.issuer(), Number: number, Place: p.ward.name,
		Date: p.date.Format("2006-01-02"), Type: typ, Summary: summary,
		Signer: p.signer, SignerTitle: p.signerTitle(),
	}
}

func quyetDinh(p params) docSpec {
	num := fmt.Sprintf("%d/QĐ-UBND", p.number)
	summary := "Về việc ban hành Quy chế số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"
	w := p.ward.name
	return docSpec{
		name: "quyet-dinh",
		meta: meta(p, num, "Quyết định", summary),
		p:    p,
		h: header{
			number: num, title: "QUYẾT ĐỊNH",
			summary: []string{"Về việc ban hành Quy chế số hóa hồ sơ, kết quả", "giải quyết thủ tục hành chính"},
			noiNhan: []string{"- Như Điều 4;", "- UBND " + p.ward.city + ";", "- Chủ tịch, các PCT UBND phường;", "- Lưu: VT, VP."},
		},
		body: []para{
			centre("CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG " + strings.ToUpper(w)),
			plain("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"),
			plain("Căn cứ Luật Giao dịch điện tử ngày 22 tháng 6 năm 2023;"),
			plain("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;"),
			plain("Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục hành chính trên môi trường điện tử;"),
			plain("Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường."),
			centre("QUYẾT ĐỊNH:"),
			plain("Điều 1. Ban hành kèm theo Quyết định này Quy chế số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Bộ phận Một cửa phường " + w + "."),
			plain("Điều 2. Quy chế áp dụng đối với công chức, người lao động làm việc tại Bộ phận Một cửa và các tổ chức, cá nhân có liên quan. Việc số hóa phải bảo đảm các yêu cầu sau:"),
			plain("1. Bản điện tử phải đầy đủ, chính xác, toàn vẹn so với bản giấy; mỗi trang có thông tin đều được quét, không bỏ sót trang nào."),
			plain("2. Văn bản được quét ở độ phân giải tối thiểu 200 dpi, chế độ màu đen trắng hoặc thang xám; trang có ảnh, con dấu màu được quét ở chế độ màu."),
			plain("3. Tệp kết quả được nhận dạng ký tự, lưu ở định dạng PDF và được ký số bằng chữ ký số của cơ quan trước khi đưa vào kho dữ liệu."),
			plain("4. Thông tin mô tả gồm số, ký hiệu, ngày ban hành, cơ quan ban hành, trích yếu và người ký được nhập đầy đủ, thống nhất với bản giấy."),
			plain("Điều 3. Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường có trách nhiệm bố trí trang thiết bị, phân công công chức thực hiện, định kỳ hằng tháng tổng hợp kết quả số hóa, báo cáo Chủ tịch Ủy ban nhân dân phường. Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các bộ phận kịp thời phản ánh để xem xét, giải quyết."),
			plain("Điều 4. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường, Trưởng các phòng chuyên môn, công chức Bộ phận Một cửa và các tổ chức, cá nhân có liên quan chịu trách nhiệm thi hành Quyết định này./."),
		},
	}
}

func giayChungNhan(p params) docSpec {
	num := fmt.Sprintf("%d/GCN-UBND", p.number)
	summary := "Đăng ký hộ kinh doanh"
	return docSpec{
		name: "giay-chung-nhan",
		meta: meta(p, num, "Giấy chứng nhận", summary),
		p:    p,
		h: header{
			number: num, title: "GIẤY CHỨNG NHẬN", summary: []string{summary},
			noiNhan: []string{"- Hộ kinh doanh;", "- Thuế cơ sở;", "- Lưu: VT."},
		},
		body: []para{
			plain("Chủ tịch Ủy ban nhân dân phường " + p.ward.name + " chứng nhận:"),
			plain("Tên hộ kinh doanh: Cửa hàng sách Bình Minh"),
			plain("Chủ hộ kinh doanh: " + p.person),
			plain(fmt.Sprintf("Số định danh cá nhân: 0010850%05d", p.idNumber%100000)),
			plain(fmt.Sprintf("Địa chỉ kinh doanh: số %d đường %s, phường %s, %s.", p.shopNo, p.ward.short, p.ward.name, p.ward.city)),
			plain("Ngành, nghề kinh doanh: bán lẻ sách, báo, tạp chí và văn phòng phẩm."),
			plain(fmt.Sprintf("Vốn kinh doanh: %d.000.000 đồng.", p.capital)),
			plain(fmt.Sprintf("Số lượng lao động: %02d người.", p.staff)),
			plain("Hộ kinh doanh có trách nhiệm kinh doanh đúng ngành, nghề đã đăng ký, thực hiện đầy đủ nghĩa vụ thuế và các quy định của pháp luật có liên quan."),
			plain("Giấy chứng nhận này có giá trị kể từ ngày ký và phải được lưu giữ tại địa điểm kinh doanh./."),
		},
	}
}

func congVan(p params) docSpec {
	num := fmt.Sprintf("%d/UBND-VP", p.number)
	summary := "V/v triển khai số hóa kết quả giải quyết thủ tục hành chính"
	return docSpec{
		name: "cong-van",
		meta: meta(p, num, "Công văn", summary),
		p:    p,
		h: header{
			number:  num,
			vv:      []string{"V/v triển khai số hóa kết quả", "giải quyết thủ tục hành chính"},
			kinhGui: "Kính gửi: Trưởng các tổ dân phố trên địa bàn phường.",
			noiNhan: []string{"- Như trên;", "- Chủ tịch UBND phường;", "- Lưu: VT, VP."},
		},
		body: []para{
			plain("Thực hiện chỉ đạo của Ủy ban nhân dân " + p.ward.city + " về đẩy mạnh chuyển đổi số trong giải quyết thủ tục hành chính, Ủy ban nhân dân phường " + p.ward.name + " đề nghị Trưởng các tổ dân phố thực hiện một số nội dung sau:"),
			plain("1. Thông báo rộng rãi đến người dân về việc Bộ phận Một cửa phường tiếp nhận bản chính giấy tờ để số hóa, cấp bản sao điện tử có chứng thực miễn phí trong thời gian triển khai."),
			plain("2. Hướng dẫn người dân mang theo bản chính các kết quả giải quyết thủ tục hành chính còn hiệu lực như giấy khai sinh, giấy chứng nhận kết hôn, giấy xác nhận tình trạng hôn nhân."),
			plain("3. Tổng hợp khó khăn, vướng mắc của người dân trong quá trình thực hiện, gửi về Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường trước ngày 25 hằng tháng."),
			plain("Ủy ban nhân dân phường đề nghị Trưởng các tổ dân phố quan tâm, phối hợp thực hiện./."),
		},
	}
}

func thongBao(p params) docSpec {
	num := fmt.Sprintf("%d/TB-UBND", p.number)
	summary := fmt.Sprintf("Kết luận của Chủ tịch Ủy ban nhân dân phường tại cuộc họp giao ban tháng %d năm %d", p.month, p.date.Year())
	return docSpec{
		name: "thong-bao",
		meta: meta(p, num, "Thông báo", summary),
		p:    p,
		h: header{
			number: num, title: "THÔNG BÁO",
			summary: []string{"Kết luận của Chủ tịch Ủy ban nhân dân phường", fmt.Sprintf("tại cuộc họp giao ban tháng %d năm %d", p.month, p.date.Year())},
			noiNhan: []string{"- Các phòng chuyên môn;", "- Bộ phận Một cửa;", "- Lưu: VT, VP."},
		},
		body: []para{
			plain(fmt.Sprintf("Ngày %02d tháng %d năm %d, Chủ tịch Ủy ban nhân dân phường %s chủ trì cuộc họp giao ban đánh giá kết quả thực hiện nhiệm vụ trong tháng và triển khai nhiệm vụ thời gian tới. Tham dự cuộc họp có các Phó Chủ tịch Ủy ban nhân dân phường, lãnh đạo các phòng chuyên môn và công chức Bộ phận Một cửa.", p.meetingDay, p.month, p.date.Year(), p.ward.name)),
			plain("Sau khi nghe báo cáo và ý kiến của các đại biểu dự họp, Chủ tịch Ủy ban nhân dân phường kết luận như sau:"),
			plain("1. Trong tháng, Bộ phận Một cửa đã tiếp nhận và giải quyết đúng hạn các hồ sơ thủ tục hành chính; tỷ lệ hồ sơ trực tuyến tiếp tục tăng; không có hồ sơ quá hạn. Công tác số hóa hồ sơ, kết quả giải quyết thủ tục hành chính được triển khai theo đúng kế hoạch."),
			plain("2. Bên cạnh kết quả đạt được, việc số hóa hồ sơ lưu trữ các năm trước còn chậm; một số bản quét chưa rõ nét, phải quét lại; thông tin mô tả của một số văn bản còn thiếu số, ký hiệu hoặc ngày ban hành."),
			plain("3. Nhiệm vụ trọng tâm trong thời gian tới:"),
			plain("a) Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường rà soát toàn bộ hồ sơ đã số hóa, lập danh mục các bản quét cần quét lại, hoàn thành trước ngày 30 của tháng tiếp theo."),
			plain("b) Bộ phận Một cửa kiểm tra chất lượng bản quét ngay khi tiếp nhận; bản quét phải rõ chữ, đủ trang, đúng thứ tự trước khi ký số và lưu vào kho dữ liệu."),
			plain("c) Phòng Văn hóa - Xã hội phối hợp với các tổ dân phố tuyên truyền, hướng dẫn người dân sử dụng dịch vụ công trực tuyến và bản sao điện tử có chứng thực."),
			plain("d) Các phòng chuyên môn báo cáo kết quả thực hiện về Văn phòng trước ngày 25 hằng tháng để tổng hợp, báo cáo Chủ tịch Ủy ban nhân dân phường."),
			plain("Ủy ban nhân dân phường thông báo để các cơ quan, đơn vị biết, thực hiện./."),
		},
	}
}

func keHoach(p params) docSpec {
	num := fmt.Sprintf("%d/KH-UBND", p.number)
	summary := fmt.Sprintf("Số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực năm %d", p.date.Year())
	w := p.ward.name
	return docSpec{
		name: "ke-hoach",
		meta: meta(p, num, "Kế hoạch", summary),
		p:    p,
		h: header{
			number: num, title: "KẾ HOẠCH",
			summary: []string{"Số hóa kết quả giải quyết thủ tục hành chính", fmt.Sprintf("còn hiệu lực năm %d", p.date.Year())},
			noiNhan: []string{"- UBND " + p.ward.city + ";", "- Các phòng chuyên môn;", "- Lưu: VT, VP."},
		},
		body: []para{
			plain("Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục hành chính trên môi trường điện tử, Ủy ban nhân dân phường " + w + " ban hành Kế hoạch số hóa kết quả giải quyết thủ tục hành chính còn hiệu lực như sau:"),
			line("I. MỤC ĐÍCH, YÊU CẦU"),
			plain("1. Số hóa toàn bộ kết quả giải quyết thủ tục hành chính còn hiệu lực đang lưu trữ tại phường, bảo đảm dữ liệu được khai thác, sử dụng lại, người dân không phải nộp lại giấy tờ đã được cơ quan nhà nước cấp."),
			plain("2. Việc số hóa phải bảo đảm đúng quy trình, đầy đủ, chính xác; bản điện tử có giá trị pháp lý như bản giấy khi được ký số theo quy định; không để thất lạc, hư hỏng hồ sơ gốc trong quá trình thực hiện."),
			line("II. NỘI DUNG THỰC HIỆN"),
			plain("1. Rà soát, phân loại hồ sơ: lập danh mục kết quả giải quyết thủ tục hành chính còn hiệu lực theo từng lĩnh vực hộ tịch, chứng thực, đất đai, kinh doanh; xác định số lượng trang cần số hóa của từng năm."),
			plain("2. Chuẩn bị trang thiết bị: bố trí máy quét có khay nạp tự động, máy tính có cài đặt phần mềm nhận dạng ký tự tiếng Việt và thiết bị ký số của cơ quan; kiểm tra đường truyền kết nối với kho dữ liệu."),
			plain("3. Tổ chức quét và nhận dạng: văn bản được quét ở độ phân giải từ 200 dpi đến 300 dpi; kết quả nhận dạng được kiểm tra, hiệu đính đối với các trang có độ tin cậy thấp trước khi đóng gói."),
			plain("4. Nhập thông tin mô tả: số, ký hiệu, ngày ban hành, cơ quan ban hành, trích yếu, người ký và số trang của từng văn bản được nhập thống nhất với bản giấy."),
			plain("5. Ký số và lưu trữ: tệp PDF sau khi nhận dạng được ký số bằng chữ ký số của người có thẩm quyền và của cơ quan, lưu vào kho dữ liệu và gửi lên hệ thống thông tin giải quyết thủ tục hành chính."),
			line("III. TỔ CHỨC THỰC HIỆN"),
			plain("1. Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường là đơn vị chủ trì, hướng dẫn, kiểm tra việc thực hiện Kế hoạch; tổng hợp kết quả, báo cáo Chủ tịch Ủy ban nhân dân phường hằng tháng."),
			plain("2. Các phòng chuyên môn phối hợp rà soát hồ sơ thuộc lĩnh vực phụ trách, cử công chức tham gia kiểm tra chất lượng bản quét và thông tin mô tả."),
			plain("3. Kinh phí thực hiện Kế hoạch được bố trí từ nguồn ngân sách phường năm " + fmt.Sprint(p.date.Year()) + " và các nguồn hợp pháp khác theo quy định."),
			plain("Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị kịp thời báo cáo Ủy ban nhân dân phường để xem xét, giải quyết./."),
		},
	}
}
