-- +goose Up
-- Timestamps are fixed-width UTC text (2006-01-02T15:04:05.000000Z) so that they sort as they compare.
CREATE TABLE batches (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE documents (
    id            TEXT PRIMARY KEY,
    batch_id      TEXT NOT NULL REFERENCES batches (id),
    source_name   TEXT NOT NULL DEFAULT '',
    source_sha256 TEXT NOT NULL DEFAULT '',
    page_count    INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('ocr', 'assembling', 'signing', 'signed', 'failed')),
    error         TEXT NOT NULL DEFAULT '',
    text_len      INTEGER NOT NULL DEFAULT 0,
    pdf_key       TEXT NOT NULL DEFAULT '',
    pdf_sha256    TEXT NOT NULL DEFAULT '',
    signed_key    TEXT NOT NULL DEFAULT '',
    signed_sha256 TEXT NOT NULL DEFAULT '',
    signed_size   INTEGER NOT NULL DEFAULT 0,
    metadata      TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
-- Documents(batch): listing in order; Progress: counts by status.
CREATE INDEX documents_batch_source ON documents (batch_id, source_name, id);
CREATE INDEX documents_batch_status ON documents (batch_id, status);
-- Unfinished: documents stuck in assembling / signing.
CREATE INDEX documents_status_updated ON documents (status, updated_at);

CREATE TABLE pages (
    id          TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    batch_id    TEXT NOT NULL REFERENCES batches (id),
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    blob_key    TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT '',
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    dpi         INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('received', 'ocr_done', 'failed')),
    error       TEXT NOT NULL DEFAULT '',
    text_len    INTEGER NOT NULL DEFAULT 0,
    confidence  REAL NOT NULL DEFAULT 0,
    ocr_key     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (document_id, seq)
);
-- Pages(document) ordered by seq is served by the UNIQUE index above;
-- MarkPageOCRed counts a document's pages by status.
CREATE INDEX pages_document_status ON pages (document_id, status);
-- Progress: page counts by batch and status.
CREATE INDEX pages_batch_status ON pages (batch_id, status);
-- Unfinished: pages still waiting for OCR.
CREATE INDEX pages_received_updated ON pages (updated_at) WHERE status = 'received';

-- +goose Down
DROP TABLE pages;
DROP TABLE documents;
DROP TABLE batches;
