package main

// prose is the text of the born-digital PDFs: Vietnamese written for this
// benchmark, distinct from the synthetic documents and from the text the
// post-correction's syllable frequencies are built from
// (ocr/vncorrect/testdata), so that no evaluation is circular.
var prose = []string{
	"Thực hiện chương trình chuyển đổi số quốc gia, các cơ quan hành chính nhà nước đẩy mạnh việc số hóa hồ sơ, tài liệu lưu trữ. Mỗi hồ sơ sau khi được quét phải bảo đảm hình ảnh rõ nét, đầy đủ các trang có thông tin và được gắn với dữ liệu đặc tả để phục vụ việc tra cứu, khai thác lâu dài.",
	"Người dân khi đến bộ phận một cửa có thể yêu cầu chứng thực bản sao điện tử từ bản chính. Công chức tiếp nhận kiểm tra bản chính, thực hiện việc chụp hoặc quét, đối chiếu nội dung và ký số trên bản sao. Kết quả được trả vào kho dữ liệu của tổ chức, cá nhân trên cổng dịch vụ công.",
	"Trong năm qua, ủy ban nhân dân huyện đã tiếp nhận hơn mười hai nghìn hồ sơ thủ tục hành chính, trong đó phần lớn được giải quyết đúng hạn. Một số hồ sơ về đất đai còn chậm do phải xác minh nguồn gốc sử dụng đất, ranh giới thửa đất và nghĩa vụ tài chính của người sử dụng đất.",
	"Để nâng cao chất lượng phục vụ, đơn vị tổ chức tập huấn cho cán bộ về kỹ năng giao tiếp, quy trình tiếp nhận và trả kết quả. Những phản ánh, kiến nghị của người dân được tổng hợp hằng tháng, báo cáo lãnh đạo để chỉ đạo khắc phục kịp thời, tránh để xảy ra sai sót kéo dài.",
	"Kinh phí thực hiện đề án được bố trí từ nguồn vốn ngân sách địa phương và các nguồn hợp pháp khác. Sở Tài chính chủ trì, phối hợp với các sở, ngành liên quan thẩm định dự toán, hướng dẫn thanh toán, quyết toán theo đúng quy định hiện hành về quản lý tài chính công.",
	"Việc bảo quản tài liệu giấy cần bảo đảm nhiệt độ, độ ẩm phù hợp, phòng chống mối mọt, ẩm mốc và cháy nổ. Những tài liệu đã hết giá trị được hội đồng xác định giá trị tài liệu xem xét, lập danh mục đề nghị tiêu hủy, trình cấp có thẩm quyền phê duyệt trước khi thực hiện.",
	"Trường hợp phát hiện sai sót trong giấy tờ đã cấp, người yêu cầu nộp đơn đề nghị đính chính kèm theo bản chính giấy tờ. Cơ quan có thẩm quyền kiểm tra, nếu sai sót do lỗi của cán bộ thì thực hiện đính chính ngay trong ngày làm việc, không thu phí và thông báo kết quả cho người yêu cầu.",
	"Các xã, phường, thị trấn rà soát, cập nhật thông tin về dân cư, hộ gia đình và nhà ở vào cơ sở dữ liệu quốc gia. Thông tin sai lệch phải được điều chỉnh dứt điểm, bảo đảm dữ liệu đúng, đủ, sạch, sống, phục vụ hiệu quả cho công tác quản lý nhà nước và phát triển kinh tế xã hội.",
}
