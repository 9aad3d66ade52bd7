-- Outgoing webhooks (Standard Webhooks). An event is written in the same transaction as what it
-- reports (a signal, an outcome, a payment), so none is lost; the leader then fans each one out
-- to the endpoints subscribed to its type, one delivery row per endpoint, and sends those with
-- retries for a day. `fanned_out_at` rather than a cursor: ids do not commit in order.
CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY,
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    description      TEXT,
    created_at       BIGINT NOT NULL,
    disabled_at      BIGINT,
    disabled_reason  TEXT
);

CREATE TABLE webhook_events (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    subject         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    body            TEXT,
    fanned_out_at   BIGINT
);
CREATE INDEX webhook_events_waiting ON webhook_events (created_at) WHERE fanned_out_at IS NULL;
CREATE INDEX webhook_events_age ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_until      BIGINT,
    last_status      INTEGER,
    last_error       TEXT,
    delivered_at     BIGINT,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
