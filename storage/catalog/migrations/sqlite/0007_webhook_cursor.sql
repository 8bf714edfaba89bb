-- +goose Up
-- Webhook events come from the audit log, which records copy issuances and
-- result status changes in the transaction that makes them: the
-- dispatcher follows it from this cursor (the last entry it turned into
-- deliveries), so an event whose process died after the commit is still
-- delivered.
CREATE TABLE webhook_cursor (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL CHECK (seq >= 0)
);
-- Start at the present: events before this release were emitted then.
INSERT INTO webhook_cursor (name, seq) SELECT 'audit', COALESCE(MAX(seq), 0) FROM audit_log;

-- +goose Down
DROP TABLE webhook_cursor;
