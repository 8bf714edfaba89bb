-- +goose Up
-- What a certified copy stands on: the procedure result it was found to be
-- (cert_entries.result_id, with copies.validity and copies.warning_ack), or,
-- when it is linked to none, the reason recorded by the clerk (for example
-- "the original was issued by another authority"). The book shows it and
-- so does the public verification page. Lines written before this release
-- keep '' (no reason was asked then).
ALTER TABLE cert_entries ADD COLUMN no_result_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cert_entries DROP COLUMN no_result_reason;
