-- +goose Up
-- Electronic certification books (sổ chứng thực bản sao điện tử): one
-- counter row per office, year and book; next_number is the number the
-- next allocation takes. It is incremented in the same transaction that
-- inserts the book entry, so numbers never repeat and never skip.
CREATE TABLE cert_books (
    office_id   TEXT NOT NULL,
    year        INTEGER NOT NULL,
    book        TEXT NOT NULL,
    next_number INTEGER NOT NULL DEFAULT 1 CHECK (next_number >= 1),
    PRIMARY KEY (office_id, year, book)
);

-- One line of a book. A line is pending from allocation until the copy
-- carrying its number is stored (issued) or the number is given up with a
-- reason (voided); a pending line left by a crash is voided by recovery.
CREATE TABLE cert_entries (
    id          TEXT PRIMARY KEY,
    office_id   TEXT NOT NULL,
    year        INTEGER NOT NULL,
    book        TEXT NOT NULL,
    number      INTEGER NOT NULL CHECK (number >= 1),
    day         TEXT NOT NULL, -- YYYY-MM-DD in Vietnam: the book's date column
    status      TEXT NOT NULL CHECK (status IN ('pending', 'issued', 'voided')),
    document_id TEXT NOT NULL REFERENCES documents (id),
    result_id   TEXT REFERENCES results (id),
    title       TEXT NOT NULL DEFAULT '',
    requester   TEXT NOT NULL DEFAULT '',
    certifier   TEXT NOT NULL DEFAULT '',
    fee         BIGINT NOT NULL DEFAULT 0,
    notes       TEXT NOT NULL DEFAULT '',
    void_reason TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (office_id, year, book, number),
    FOREIGN KEY (office_id, year, book) REFERENCES cert_books (office_id, year, book),
    CHECK ((status = 'voided') = (void_reason <> ''))
);
CREATE INDEX cert_entries_pending ON cert_entries (created_at) WHERE status = 'pending';
CREATE INDEX cert_entries_office_day ON cert_entries (office_id, book, day);

-- Issued certified copies, immutable once written.
CREATE TABLE copies (
    id          TEXT PRIMARY KEY,
    entry_id    TEXT NOT NULL UNIQUE REFERENCES cert_entries (id),
    office_id   TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (id),
    result_id   TEXT REFERENCES results (id),
    code        TEXT NOT NULL UNIQUE,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    page_count  INTEGER NOT NULL,
    validity    TEXT NOT NULL DEFAULT '',
    warning_ack TEXT NOT NULL DEFAULT '',
    issued_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX copies_document ON copies (document_id);
CREATE INDEX copies_office_issued ON copies (office_id, issued_at);

-- +goose Down
DROP TABLE copies;
DROP TABLE cert_entries;
DROP TABLE cert_books;
