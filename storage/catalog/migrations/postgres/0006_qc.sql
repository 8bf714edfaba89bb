-- +goose Up
-- Quality control (issue 7): the OCR stage flags pages an archivist should
-- look at (blank, low_confidence, unreadable, skewed). A flagged page is
-- "pending" and holds its document before assembly and signing until a
-- person accepts it or replaces it with a rescan.
ALTER TABLE pages ADD COLUMN qc_flags TEXT NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN qc_state TEXT NOT NULL DEFAULT ''
    CHECK (qc_state IN ('', 'pending', 'accepted'));
ALTER TABLE pages ADD COLUMN qc_by TEXT NOT NULL DEFAULT '';
ALTER TABLE pages ADD COLUMN qc_note TEXT NOT NULL DEFAULT '';
-- The QC queue of a batch, in page order.
CREATE INDEX pages_qc_pending ON pages (batch_id, id) WHERE qc_state = 'pending';

-- Every image a page had before a rescan replaced it: nothing is lost and
-- the page's history stays readable (the old image stays in storage).
CREATE TABLE page_versions (
    page_id     TEXT NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version >= 1),
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    format      TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    dpi         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT NOT NULL,
    confidence  DOUBLE PRECISION NOT NULL,
    qc_flags    TEXT NOT NULL,
    replaced_at TIMESTAMPTZ NOT NULL,
    replaced_by TEXT NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (page_id, version)
);

-- +goose Down
DROP TABLE page_versions;
DROP INDEX pages_qc_pending;
ALTER TABLE pages DROP COLUMN qc_note;
ALTER TABLE pages DROP COLUMN qc_by;
ALTER TABLE pages DROP COLUMN qc_state;
ALTER TABLE pages DROP COLUMN qc_flags;
