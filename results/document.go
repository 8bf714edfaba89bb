package results

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sohoa-vn/sohoa/metadata"
)

// FromDocument makes a result from a digitized document: draft carries
// what the archivist typed (code, owner, procedure, and any field they
// corrected); its empty NumberSymbol, Issuer, IssueDate and Name are
// filled from meta, the metadata extracted from the document's text
// (metadata.Metadata as JSON, may be empty). The changes say, field by
// field, what was extracted with what confidence and what was kept, for
// the result's history. The document is linked to the result.
func FromDocument(documentID string, meta json.RawMessage, draft Result) (Result, []Change, error) {
	var m metadata.Metadata
	if len(meta) > 0 && string(meta) != "null" {
		if err := json.Unmarshal(meta, &m); err != nil {
			return draft, nil, fmt.Errorf("siêu dữ liệu của tài liệu %s không đọc được / metadata of document %s is unreadable: %w", documentID, documentID, err)
		}
	}
	var changes []Change
	take := func(field string, dst *string, f *metadata.Field) {
		typed := strings.TrimSpace(*dst)
		if f == nil || strings.TrimSpace(f.Value) == "" {
			if typed != "" {
				changes = append(changes, Change{Field: field, To: typed, Note: "nhập tay, không trích xuất được / typed, nothing extracted"})
			}
			return
		}
		extracted := strings.TrimSpace(f.Value)
		conf := fmt.Sprintf("%.2f", f.Confidence)
		switch {
		case typed == "":
			*dst = extracted
			changes = append(changes, Change{Field: field, To: extracted,
				Note: "trích xuất, độ tin cậy " + conf + ", đã xác nhận / extracted, confidence " + conf + ", confirmed"})
		case typed == extracted:
			changes = append(changes, Change{Field: field, To: typed,
				Note: "trích xuất, độ tin cậy " + conf + ", đã xác nhận / extracted, confidence " + conf + ", confirmed"})
		default:
			changes = append(changes, Change{Field: field, From: extracted, To: typed,
				Note: "trích xuất, độ tin cậy " + conf + ", đã sửa / extracted, confidence " + conf + ", corrected"})
		}
	}
	take("number_symbol", &draft.NumberSymbol, m.NumberSymbol)
	take("issuer", &draft.Issuer, m.Issuer)
	take("issue_date", &draft.IssueDate, m.Date)
	take("name", &draft.Name, m.Type)
	if documentID != "" {
		found := false
		for _, id := range draft.DocumentIDs {
			found = found || id == documentID
		}
		if !found {
			draft.DocumentIDs = append(draft.DocumentIDs, documentID)
		}
	}
	if err := Normalize(&draft); err != nil {
		return draft, changes, err
	}
	return draft, changes, nil
}
