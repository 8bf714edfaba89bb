-- +goose Up
-- Webhook subscriptions: an office's receiver URL, the events it wants
-- (a JSON array of event types) and its HMAC secret, sealed (AES-256-GCM,
-- base64) under a key the catalog never holds. A deleted subscription is
-- kept, so that its delivery log stays readable.
CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    office_id     TEXT NOT NULL,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ
);
CREATE INDEX webhooks_office ON webhooks (office_id) WHERE deleted_at IS NULL;

-- One event to send to one subscription. The payload is the exact body
-- sent (and signed) on every attempt. status: pending until a 2xx answer
-- (delivered) or the last retry fails (failed).
CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id),
    office_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_code    INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    next_retry_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (updated_at) WHERE status = 'pending';

-- Every attempt at a delivery: when, the receiver's HTTP status (0 when
-- none came back), the error, how long it took.
CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    n           INTEGER NOT NULL CHECK (n >= 1),
    at          TIMESTAMPTZ NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    duration_ms BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (delivery_id, n)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
