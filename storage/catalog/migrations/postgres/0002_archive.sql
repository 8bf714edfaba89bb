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
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, code),
    CHECK ((status = 'replaced') = (replaced_by IS NOT NULL))
);
-- Lookup by owner (+ procedure), paged by id.
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
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    result_id TEXT NOT NULL REFERENCES results (id),
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    changes   TEXT
);
CREATE INDEX result_events_result ON result_events (result_id, seq);

-- Append-only, hash-chained audit log. detail is TEXT (not JSONB) so its
-- bytes, which the hash covers, are kept exactly.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only / nhật ký kiểm toán chỉ được ghi thêm';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- API keys: only the SHA-256 of the secret is kept.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    secret_sha256 TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    office_id     TEXT NOT NULL DEFAULT '',
    offices       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);

-- Full-text search over OCR text, accent-insensitive through unaccent
-- (trusted since PostgreSQL 13: a database owner may create it).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TABLE document_text (
    document_id     TEXT PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
    body            TEXT NOT NULL,
    tsv             TSVECTOR NOT NULL,
    issuer_folded   TEXT NOT NULL DEFAULT '',
    doc_type_folded TEXT NOT NULL DEFAULT '',
    issue_date      TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX document_text_tsv ON document_text USING GIN (tsv);
CREATE INDEX document_text_date ON document_text (issue_date);

-- +goose Down
DROP TABLE document_text;
DROP TABLE api_keys;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE result_events;
DROP TABLE result_documents;
DROP TABLE results;
ALTER TABLE batches DROP COLUMN office_id;
