-- Signal performance: outcomes, last known prices, scheduled reports and the chart upload cache.

-- When a buy or sell was closed; NULL while it is open. The guard `closed_at IS NULL` in the
-- closing UPDATE is what lets exactly one of several racing closes win.
ALTER TABLE signals ADD COLUMN closed_at BIGINT;
CREATE INDEX signals_open ON signals (asset) WHERE kind IN ('buy', 'sell') AND closed_at IS NULL;

-- One row per closed buy/sell, with the facts statistics group by copied from the signal, so
-- figures over a million trades never parse a signal body.
CREATE TABLE signal_outcomes (
    signal_id     TEXT PRIMARY KEY REFERENCES signals(id),
    asset         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    source_model  TEXT,
    timeframe     TEXT,
    confidence    INTEGER NOT NULL,
    entry_price   TEXT NOT NULL,
    exit_price    TEXT,
    return_pct    DOUBLE PRECISION,
    risk_pct      DOUBLE PRECISION,
    reason        TEXT NOT NULL,
    note          TEXT,
    closed_by     TEXT,
    opened_at     BIGINT NOT NULL,
    closed_at     BIGINT NOT NULL,
    recorded_at   BIGINT NOT NULL
);
CREATE INDEX signal_outcomes_closed ON signal_outcomes (closed_at);
CREATE INDEX signal_outcomes_asset ON signal_outcomes (asset, closed_at);

-- The latest price seen per asset (from POST /api/prices), for closing expired signals.
CREATE TABLE asset_prices (
    asset  TEXT PRIMARY KEY,
    price  TEXT NOT NULL,
    at     BIGINT NOT NULL
);

-- Scheduled reports, one per user and period (the UNIQUE key is what keeps a report from going
-- out twice across restarts and replicas), sent from this table like a small delivery queue.
CREATE TABLE reports (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id              TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id              BIGINT NOT NULL,
    period               TEXT NOT NULL,
    body                 TEXT NOT NULL,
    status               TEXT NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      BIGINT NOT NULL,
    created_at           BIGINT NOT NULL,
    telegram_message_id  BIGINT,
    sent_at              BIGINT,
    last_error           TEXT,
    UNIQUE (user_id, period)
);
CREATE INDEX reports_queue ON reports (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Telegram file_ids of uploaded charts, keyed by a hash of what the chart shows, so a chart
-- many users ask for is uploaded once and re-sent by file_id.
CREATE TABLE chart_files (
    chart_key   TEXT PRIMARY KEY,
    file_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
