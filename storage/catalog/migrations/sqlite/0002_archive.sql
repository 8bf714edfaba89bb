-- +goose Up
-- Tenancy: the office a batch (and so its documents) belongs to; '' until claimed.
ALTER TABLE batches ADD COLUMN office_id TEXT NOT NULL DEFAULT '';

-- The archive of procedure results. Dates are YYYY-MM-DD text; "expired"
-- is derived from valid_until when read, never stored.
CREATE TABLE results (
    id             TEXT PRIMARY KEY,
    code           TEXT NOT NULL,
    office_id      TEXT NOT NULL DEFAULT '',
    owner_id       TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    name           TEXT NOT NULL,
    number_symbol  TEXT NOT NULL DEFAULT '',
    issuer         TEXT NOT NULL DEFAULT '',
    issue_date     TEXT NOT NULL,
    valid_until    TEXT,
    status         TEXT NOT NULL CHECK (status IN ('valid', 'revoked', 'replaced')),
    replaced_by    TEXT REFERENCES results (id),
    status_reason  TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (office_id, code),
    CHECK ((status = 'replaced') = (replaced_by IS NOT NULL))
);
CREATE INDEX results_owner ON results (owner_id, procedure_code, id);
CREATE INDEX results_code ON results (code);
CREATE INDEX results_number ON results (number_symbol);

CREATE TABLE result_documents (
    result_id   TEXT NOT NULL REFERENCES results (id),
    document_id TEXT NOT NULL REFERENCES documents (id),
    PRIMARY KEY (result_id, document_id)
);
CREATE INDEX result_documents_document ON result_documents (document_id);

CREATE TABLE result_events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    result_id TEXT NOT NULL REFERENCES results (id),
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    changes   TEXT
);
CREATE INDEX result_events_result ON result_events (result_id, seq);

-- Append-only, hash-chained audit log.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    office_id TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only / nhật ký kiểm toán chỉ được ghi thêm');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only / nhật ký kiểm toán chỉ được ghi thêm');
END;
-- +goose StatementEnd

-- API keys: only the SHA-256 of the secret is kept.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    secret_sha256 TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    office_id     TEXT NOT NULL DEFAULT '',
    offices       TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

-- Full-text search over OCR text. body in document_fts is folded (no
-- accents, đ as d, lower case) by the Go code, because unicode61's
-- remove_diacritics leaves đ alone; its rowid is document_text's.
CREATE TABLE document_text (
    rowid_          INTEGER PRIMARY KEY,
    document_id     TEXT NOT NULL UNIQUE REFERENCES documents (id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    issuer_folded   TEXT NOT NULL DEFAULT '',
    doc_type_folded TEXT NOT NULL DEFAULT '',
    issue_date      TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL
);
CREATE INDEX document_text_date ON document_text (issue_date);
CREATE VIRTUAL TABLE document_fts USING fts5(folded, tokenize = 'unicode61 remove_diacritics 2');

-- +goose Down
DROP TABLE document_fts;
DROP TABLE document_text;
DROP TABLE api_keys;
DROP TABLE audit_log;
DROP TABLE result_events;
DROP TABLE result_documents;
DROP TABLE results;
ALTER TABLE batches DROP COLUMN office_id;
