package separator

import (
	"fmt"
	"io"
	"os"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// WritePDF writes a document's page images (PNG, JPEG or TIFF files, in
// order) as a PDF of one image per A4 page: the form ingest takes a
// scanned document in. Pages are read from their files as pdfcpu needs
// them; none is decoded here.
func WritePDF(w io.Writer, pages []Page) error {
	files := make([]io.Reader, 0, len(pages))
	for _, p := range pages {
		f, err := os.Open(p.Path)
		if err != nil {
			return fmt.Errorf("separator: page %d: %w", p.Seq, err)
		}
		defer f.Close()
		files = append(files, f)
	}
	if err := api.ImportImages(nil, w, files, a4(), nil); err != nil {
		return fmt.Errorf("separator: PDF of %d pages: %w", len(pages), err)
	}
	return nil
}

// a4 imports each image to fill an A4 page.
func a4() *pdfcpu.Import {
	imp := pdfcpu.DefaultImportConfig() // A4
	// Centred at scale 1 the image fits the A4 page; "full" would make the
	// page as many points as the image has pixels.
	imp.Pos, imp.Scale = types.Center, 1
	return imp
}
