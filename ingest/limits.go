package ingest

import "fmt"

// Limits bound what Split accepts from one input file.
type Limits struct {
	// MaxBytes is the largest file accepted. Default 200 MiB: a 2,000-page
	// bilevel scan is about 100 MiB; a colour PDF of a thick dossier fits.
	MaxBytes int64
	// MaxPixels is the largest page accepted, checked from the image
	// header before anything is decoded. Default 100 Mpx: A3 at 600 dpi is
	// 70 Mpx, so every real scan fits, while a decoded page stays under
	// 400 MB even as RGBA; anything larger is a decompression bomb.
	MaxPixels int64
	// MaxPages is the most pages one file may have. Default 2000.
	MaxPages int
	// MaxObjects is the most objects a PDF may hold. A PDF is parsed
	// whole into memory, at some hundreds of bytes per object, so this is
	// what bounds the memory a PDF of MaxBytes can take. Zero means 64 per
	// page allowed (MaxPages) plus 1024: a scan needs three or four per
	// page, a searchable scan with fonts a dozen.
	MaxObjects int
	// MinDPI and MaxDPI (default 150 and 600) bound the resolution a file
	// may declare. A declared resolution outside them (scanners and phones
	// often write 72 or 96 dpi whatever they scanned at) or none at all is
	// not trusted: the resolution is inferred from the pixel size assuming
	// an A4 page, rounded to the nearest of 150, 200, 300, 400, 600 dpi,
	// and a warning is logged. Pages are never refused for their DPI.
	MinDPI, MaxDPI int
}

// DefaultLimits returns the limits used where none are configured.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 200 << 20, MaxPixels: 100_000_000, MaxPages: 2000, MinDPI: 150, MaxDPI: 600}
}

// orDefault fills the zero fields of l from DefaultLimits.
func (l Limits) orDefault() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = 64*l.MaxPages + 1024
	}
	if l.MinDPI <= 0 {
		l.MinDPI = d.MinDPI
	}
	if l.MaxDPI <= 0 {
		l.MaxDPI = d.MaxDPI
	}
	return l
}

// Codes of InputError.
const (
	CodeEmpty         = "empty"
	CodeUnsupported   = "unsupported"
	CodeTruncated     = "truncated"
	CodeCorrupt       = "corrupt"
	CodeTooLarge      = "too_large"
	CodeTooManyPixels = "too_many_pixels"
	CodeTooManyPages  = "too_many_pages"
	CodeEncrypted     = "encrypted"
	// CodeActiveContent: a PDF that can run something (JavaScript, a
	// program launch, an attached file, an XFA form). Scanners make none.
	CodeActiveContent = "active_content"
	// CodePolyglot: a file that is two formats at once (an image with a
	// PDF or ZIP inside or after it, a PDF behind another header).
	CodePolyglot = "polyglot"
	// CodeTooManyObjects: a PDF with more objects than Limits.MaxObjects.
	CodeTooManyObjects = "too_many_objects"
)

// InputError says why an input file (or one of its pages) cannot be
// taken, in Vietnamese and in English.
type InputError struct {
	File string
	Page int // 1-based; 0 when the error is about the whole file
	Code string
	VI   string
	EN   string
}

func (e *InputError) Error() string {
	where := e.File
	if e.Page > 0 {
		where = fmt.Sprintf("%s, trang %d / page %d", e.File, e.Page, e.Page)
	}
	return fmt.Sprintf("%s: %s / %s", where, e.VI, e.EN)
}

func inputErr(file string, page int, code, vi, en string) *InputError {
	return &InputError{File: file, Page: page, Code: code, VI: vi, EN: en}
}

func tooLarge(file string, max int64) *InputError {
	return inputErr(file, 0, CodeTooLarge,
		fmt.Sprintf("tệp quá lớn (tối đa %d MiB)", max>>20),
		fmt.Sprintf("file too large (limit %d MiB)", max>>20))
}

func tooManyPages(file string, n, max int) *InputError {
	return inputErr(file, 0, CodeTooManyPages,
		fmt.Sprintf("tệp có quá nhiều trang: %d (tối đa %d)", n, max),
		fmt.Sprintf("too many pages: %d (limit %d)", n, max))
}

func tooManyPixels(file string, page, w, h int, max int64) *InputError {
	return inputErr(file, page, CodeTooManyPixels,
		fmt.Sprintf("trang quá lớn: %d×%d điểm ảnh (tối đa %d triệu điểm ảnh)", w, h, max/1_000_000),
		fmt.Sprintf("page too large: %d×%d pixels (limit %d megapixels)", w, h, max/1_000_000))
}

func unsupported(file string) *InputError {
	return inputErr(file, 0, CodeUnsupported,
		"định dạng không được hỗ trợ (chấp nhận PDF, TIFF, PNG, JPEG)",
		"unsupported file type (accepted: PDF, TIFF, PNG, JPEG)")
}

func encrypted(file string) *InputError {
	return inputErr(file, 0, CodeEncrypted,
		"PDF được mã hóa, hãy gửi bản không đặt mật khẩu",
		"encrypted PDF, send it without a password")
}

func truncated(file string, page int) *InputError {
	return inputErr(file, page, CodeTruncated,
		"tệp bị cắt cụt, không đọc được hết", "truncated file")
}

func corrupt(file string, page int, err error) *InputError {
	return inputErr(file, page, CodeCorrupt,
		"tệp bị hỏng: "+err.Error(), "corrupt file: "+err.Error())
}

func tooManyObjects(file string, n, max int) *InputError {
	return inputErr(file, 0, CodeTooManyObjects,
		fmt.Sprintf("PDF có quá nhiều đối tượng: ít nhất %d (tối đa %d)", n, max),
		fmt.Sprintf("PDF has too many objects: at least %d (limit %d)", n, max))
}

func activeContent(file, what string) *InputError {
	return inputErr(file, 0, CodeActiveContent,
		"PDF chứa JavaScript hoặc nội dung chủ động ("+what+"), không nhận",
		"PDF contains JavaScript or active content ("+what+"), refused")
}

func polyglot(file, whyVI, whyEN string) *InputError {
	return inputErr(file, 0, CodePolyglot,
		"tệp mang hai định dạng: "+whyVI, "polyglot file, two formats in one: "+whyEN)
}
