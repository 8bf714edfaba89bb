-- +goose Up
-- Batch reports and archival export page through a batch's pages and
-- documents by ID (keyset paging: as cheap at the millionth row as at the first).
CREATE INDEX pages_batch_id ON pages (batch_id, id);
CREATE INDEX documents_batch_id ON documents (batch_id, id);

-- +goose Down
DROP INDEX documents_batch_id;
DROP INDEX pages_batch_id;
