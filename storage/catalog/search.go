package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa-vn/sohoa/results"
)

// Fold maps text for accent-insensitive matching: lower case, Vietnamese
// tone and vowel marks removed, đ as d. It maps rune for rune, so the
// n-th rune of Fold(s) comes from the n-th rune of s (s in NFC).
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func foldRune(r rune) rune {
	switch {
	case r == 'đ' || r == 'Đ':
		return 'd'
	case r < utf8.RuneSelf:
		return unicode.ToLower(r)
	}
	base, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r)))
	return unicode.ToLower(base)
}

// words splits folded text into its words (letters and digits).
func words(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// SetDocumentText records the OCR text of a document for full-text
// search, with the issuer, type and date of its stored metadata (so call
// it after SetAssembled). Calling it again replaces the text.
func (db *DB) SetDocumentText(ctx context.Context, docID, text string) error {
	return db.SetDocumentTextWithMetadata(ctx, docID, text, nil)
}

// SetDocumentTextWithMetadata is SetDocumentText with the metadata given
// rather than read from the document, so that the text can be recorded
// before the document moves on (SetAssembled) and a crash in between
// repeats the step instead of losing the text. nil metadata reads the
// document's.
func (db *DB) SetDocumentTextWithMetadata(ctx context.Context, docID, text string, metadata json.RawMessage) error {
	text = norm.NFC.String(text)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var meta sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT metadata FROM documents WHERE id = $1`, docID).Scan(&meta)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if metadata != nil {
			meta = sql.NullString{String: string(metadata), Valid: true}
		}
		var m struct {
			Issuer, Type, Date *struct{ Value string }
		}
		if meta.Valid {
			_ = json.Unmarshal([]byte(meta.String), &m) // metadata is only a filter: unreadable means none
		}
		val := func(f *struct{ Value string }) string {
			if f == nil {
				return ""
			}
			return strings.TrimSpace(f.Value)
		}
		issuer, typ, date := Fold(val(m.Issuer)), Fold(val(m.Type)), val(m.Date)
		if _, err := results.ParseDate(date); err != nil {
			date = ""
		}
		t := db.ts(now())
		if db.postgres {
			_, err = tx.ExecContext(ctx, `INSERT INTO document_text
				(document_id, body, tsv, issuer_folded, doc_type_folded, issue_date, updated_at)
				VALUES ($1, $2, to_tsvector('simple', unaccent($2)), $3, $4, $5, $6)
				ON CONFLICT (document_id) DO UPDATE SET body = excluded.body, tsv = excluded.tsv,
				issuer_folded = excluded.issuer_folded, doc_type_folded = excluded.doc_type_folded,
				issue_date = excluded.issue_date, updated_at = excluded.updated_at`,
				docID, text, issuer, typ, date, t)
			return err
		}
		var rowid int64
		err = tx.QueryRowContext(ctx, `INSERT INTO document_text
			(document_id, body, issuer_folded, doc_type_folded, issue_date, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (document_id) DO UPDATE SET body = excluded.body,
			issuer_folded = excluded.issuer_folded, doc_type_folded = excluded.doc_type_folded,
			issue_date = excluded.issue_date, updated_at = excluded.updated_at
			RETURNING rowid_`, docID, text, issuer, typ, date, t).Scan(&rowid)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM document_fts WHERE rowid = $1`, rowid); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO document_fts (rowid, folded) VALUES ($1, $2)`, rowid, Fold(text))
		return err
	})
	if err != nil {
		return fmt.Errorf("catalog: set text of document %s: %w", docID, err)
	}
	return nil
}

// SearchQuery selects documents by their OCR text and filters. Text is
// matched word by word (every word must occur), ignoring case and accents.
type SearchQuery struct {
	Text     string
	Issuer   string         // part of the issuing body's name, accents ignored
	Type     string         // document type (QUYẾT ĐỊNH...), accents ignored
	From, To string         // issue date range, YYYY-MM-DD, inclusive; "" open
	Status   results.Status // validity of a linked result; "" for any
	Today    string         // YYYY-MM-DD in Vietnam, for Status (results.Today)
	Offices  []string       // tenancy: nil for every office
	Limit    int            // 1..200, default 20
	Offset   int
}

// SearchHit is one document found.
type SearchHit struct {
	DocumentID string
	Rank       float64 // higher is better; 0 without Text
	Snippet    string  // text around the first word matched
}

// SearchDocuments returns the documents matching q, best first, and
// whether more follow after this page.
func (db *DB) SearchDocuments(ctx context.Context, q SearchQuery) ([]SearchHit, bool, error) {
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, 200)
	q.Offset = max(q.Offset, 0)
	terms := words(Fold(norm.NFC.String(q.Text)))
	var b sqlBuilder
	var from, rank string
	switch {
	case len(terms) == 0:
		from, rank = `document_text t`, `0`
	case db.postgres:
		from = `document_text t`
		arg := b.arg(strings.Join(terms, " "))
		rank = `ts_rank(t.tsv, plainto_tsquery('simple', unaccent(` + arg + `)))`
		b.where(`t.tsv @@ plainto_tsquery('simple', unaccent(` + arg + `))`)
	default:
		quoted := make([]string, len(terms))
		for i, w := range terms {
			quoted[i] = `"` + w + `"` // words hold no quotes: FTS5 strings, implicit AND
		}
		from, rank = `document_fts f JOIN document_text t ON t.rowid_ = f.rowid`, `-bm25(document_fts)`
		b.where(`document_fts MATCH ` + b.arg(strings.Join(quoted, " ")))
	}
	if s := Fold(strings.TrimSpace(q.Issuer)); s != "" {
		b.where(`t.issuer_folded LIKE ` + b.arg("%"+escapeLike(s)+"%") + ` ESCAPE '\'`)
	}
	if s := Fold(strings.TrimSpace(q.Type)); s != "" {
		b.where(`t.doc_type_folded = ` + b.arg(s))
	}
	if q.From != "" {
		b.where(`t.issue_date <> '' AND t.issue_date >= ` + b.arg(q.From))
	}
	if q.To != "" {
		b.where(`t.issue_date <> '' AND t.issue_date <= ` + b.arg(q.To))
	}
	if q.Status != "" {
		if q.Today == "" {
			return nil, false, fmt.Errorf("catalog: search: Today is required with Status")
		}
		b.where(`EXISTS (SELECT 1 FROM result_documents rd JOIN results r ON r.id = rd.result_id
			WHERE rd.document_id = t.document_id AND ` + b.validityCond("r", q.Status, q.Today) + `)`)
	}
	if q.Offices != nil {
		b.where(`t.document_id IN (SELECT d.id FROM documents d JOIN batches bt ON bt.id = d.batch_id WHERE ` +
			b.in("bt.office_id", q.Offices) + `)`)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT t.document_id, t.body, `+rank+` AS score FROM `+from+
		` WHERE `+b.conds()+fmt.Sprintf(` ORDER BY score DESC, t.document_id LIMIT %d OFFSET %d`, q.Limit+1, q.Offset), b.vals...)
	if err != nil {
		return nil, false, fmt.Errorf("catalog: search: %w", err)
	}
	defer rows.Close()
	var hits []SearchHit
	for rows.Next() {
		var h SearchHit
		var body string
		if err := rows.Scan(&h.DocumentID, &body, &h.Rank); err != nil {
			return nil, false, fmt.Errorf("catalog: search: %w", err)
		}
		h.Snippet = snippet(body, terms)
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("catalog: search: %w", err)
	}
	more := len(hits) > q.Limit
	if more {
		hits = hits[:q.Limit]
	}
	return hits, more, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// snippet returns about 200 characters of body around the first of
// terms found in it (the start of body when none is).
func snippet(body string, terms []string) string {
	folded := Fold(body)
	at := 0
	for _, term := range terms {
		if i := strings.Index(folded, term); i >= 0 {
			at = utf8.RuneCountInString(folded[:i]) // Fold maps rune for rune
			break
		}
	}
	rs := []rune(body)
	start, end := max(0, at-60), min(len(rs), at+140)
	s := strings.Join(strings.Fields(string(rs[start:end])), " ")
	if start > 0 {
		s = "…" + s
	}
	if end < len(rs) {
		s += "…"
	}
	return s
}
