package web

// archiveTexts is the archive console's wording in each language; the
// keys the shared sign-in and error pages use ("badkey", "internal",
// "notfound"...) are here too.
var archiveTexts = map[string]map[string]string{
	"vi": {
		"app": "Kho lưu trữ số hóa", "switch": "English", "login": "Đăng nhập", "logout": "Đăng xuất",
		"token": "Khóa API của lưu trữ viên", "tokenhelp": "Dán khóa (bắt đầu bằng sohoa_) do quản trị viên cấp, có quyền lưu trữ (archivist).",
		"badkey": "Khóa không đúng, đã thu hồi hoặc không có quyền lưu trữ.", "skip": "Bỏ qua đến nội dung chính",
		"batches": "Các lô số hóa", "batch": "Lô", "name": "Tên lô", "created": "Tạo lúc",
		"received": "Trang đã nhận", "ocred": "Đã nhận dạng (OCR)", "failed": "Lỗi", "qc": "Chờ kiểm tra (QC)",
		"signed": "Tài liệu đã ký", "docs": "Tài liệu", "rate": "Tốc độ (trang/phút)", "eta": "Dự kiến xong sau",
		"done": "Hoàn tất", "running": "Đang xử lý", "unknown": "chưa rõ", "state": "Trạng thái",
		"none": "Chưa có lô nào.", "live": "Cập nhật trực tiếp", "failures": "Tài liệu lỗi và lý do",
		"reason": "Lý do", "doc": "Tài liệu", "pages": "Số trang", "status": "Trạng thái", "morepages": "Trang sau",
		"alldocs": "Tài liệu của lô", "back": "Về danh sách lô", "error": "Lỗi",
		"notfound": "Không tìm thấy hoặc không thuộc cơ quan của bạn.", "internal": "Lỗi hệ thống, hãy thử lại.",
		"landing": "Hệ thống số hóa sohoa", "clerkdesk": "Bàn chứng thực bản sao (cán bộ một cửa)",
		"archive": "Bàn làm việc của lưu trữ viên (lô, kiểm tra chất lượng)",
		"st_ocr":  "Đang nhận dạng", "st_assembling": "Đang ghép PDF", "st_signing": "Đang ký số", "st_signed": "Đã ký số", "st_failed": "Lỗi",
		"min": "phút", "sec": "giây", "empty": "Chưa có tài liệu",
	},
	"en": {
		"app": "Digitization archive", "switch": "Tiếng Việt", "login": "Sign in", "logout": "Sign out",
		"token": "Archivist's API key", "tokenhelp": "Paste the key (starting with sohoa_) your administrator gave you, with the archivist scope.",
		"badkey": "The key is wrong, revoked, or has no archivist scope.", "skip": "Skip to main content",
		"batches": "Digitization batches", "batch": "Batch", "name": "Batch name", "created": "Created",
		"received": "Pages received", "ocred": "Recognised (OCR)", "failed": "Failed", "qc": "Held for QC",
		"signed": "Documents signed", "docs": "Documents", "rate": "Throughput (pages/min)", "eta": "Done in",
		"done": "Done", "running": "Running", "unknown": "unknown", "state": "State",
		"none": "No batch yet.", "live": "Live updates", "failures": "Failed documents and why",
		"reason": "Reason", "doc": "Document", "pages": "Pages", "status": "Status", "morepages": "Next page",
		"alldocs": "Documents of the batch", "back": "Back to the batches", "error": "Error",
		"notfound": "Not found, or not your office's.", "internal": "System error; try again.",
		"landing": "sohoa digitization", "clerkdesk": "Certified copies desk (one-stop clerks)",
		"archive": "Archivist's desk (batches, quality control)",
		"st_ocr":  "Recognising", "st_assembling": "Assembling the PDF", "st_signing": "Signing", "st_signed": "Signed", "st_failed": "Failed",
		"min": "min", "sec": "s", "empty": "No document yet",
	},
}
