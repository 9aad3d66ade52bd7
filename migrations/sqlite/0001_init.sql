-- Herald schema, SQLite flavour. Times are Unix epoch milliseconds (BIGINT) and ids are UUID text, as
-- in the PostgreSQL schema, so one set of queries serves both backends. Flags are 0/1 INTEGER here
-- (sqlx's Any driver cannot read columns declared BOOLEAN in SQLite) and BOOLEAN there.

CREATE TABLE users (
    id                      TEXT PRIMARY KEY,
    telegram_id             BIGINT NOT NULL UNIQUE,
    username                TEXT,
    first_name              TEXT,
    last_name               TEXT,
    language_code           TEXT,
    created_at              BIGINT NOT NULL,
    is_active               INTEGER NOT NULL DEFAULT TRUE,
    is_admin                INTEGER NOT NULL DEFAULT FALSE,
    disclaimer_accepted_at  BIGINT,
    onboarding_step         TEXT NOT NULL DEFAULT 'disclaimer',
    referral                TEXT,
    deactivated_reason      TEXT,
    last_seen_at            BIGINT
);

CREATE TABLE user_preferences (
    user_id                       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    signal_types                  TEXT NOT NULL,
    confidence_threshold          INTEGER NOT NULL DEFAULT 0,
    notification_hours_start      INTEGER NOT NULL DEFAULT 0,
    notification_hours_end        INTEGER NOT NULL DEFAULT 0,
    signal_format                 TEXT NOT NULL DEFAULT 'detailed',
    performance_update_frequency  TEXT NOT NULL DEFAULT 'weekly',
    timezone                      TEXT NOT NULL DEFAULT 'UTC',
    language                      TEXT NOT NULL DEFAULT 'en',
    assets                        TEXT NOT NULL DEFAULT '[]',
    updated_at                    BIGINT NOT NULL
);

CREATE TABLE user_subscriptions (
    user_id            TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    subscription_type  TEXT NOT NULL DEFAULT 'free',
    started_at         BIGINT NOT NULL,
    expires_at         BIGINT,
    is_active          INTEGER NOT NULL DEFAULT FALSE
);

CREATE TABLE signals (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    asset          TEXT NOT NULL,
    confidence     INTEGER NOT NULL,
    source_model   TEXT,
    generated_at   BIGINT NOT NULL,
    accepted_at    BIGINT NOT NULL,
    closes         TEXT REFERENCES signals(id),
    body           TEXT NOT NULL,
    request        TEXT NOT NULL,
    context        TEXT NOT NULL DEFAULT '{}',
    recipients     INTEGER NOT NULL
);
CREATE INDEX signals_accepted ON signals (accepted_at);
CREATE INDEX signals_asset ON signals (asset, accepted_at);

CREATE TABLE signal_deliveries (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    signal_id            TEXT NOT NULL REFERENCES signals(id),
    user_id              TEXT REFERENCES users(id) ON DELETE SET NULL,
    chat_id              BIGINT,
    status               TEXT NOT NULL,
    skip_reason          TEXT,
    lang                 TEXT NOT NULL,
    format               TEXT NOT NULL,
    silent               INTEGER NOT NULL DEFAULT FALSE,
    protect_content      INTEGER NOT NULL DEFAULT FALSE,
    reply_to_message_id  BIGINT,
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      BIGINT NOT NULL,
    accepted_at          BIGINT NOT NULL,
    telegram_message_id  BIGINT,
    delivered_at         BIGINT,
    latency_ms           BIGINT,
    last_error           TEXT,
    read_at              BIGINT,
    was_uncertain        INTEGER NOT NULL DEFAULT FALSE,
    UNIQUE (signal_id, user_id)
);
-- The dispatcher's queue: only unfinished rows are indexed, so the index stays small.
CREATE INDEX deliveries_queue ON signal_deliveries (id)
    WHERE status IN ('pending', 'uncertain', 'sending');
CREATE INDEX deliveries_chat_queue ON signal_deliveries (chat_id, id)
    WHERE status IN ('pending', 'uncertain', 'sending');
CREATE INDEX deliveries_signal ON signal_deliveries (signal_id, status);
CREATE INDEX deliveries_user ON signal_deliveries (user_id, id);
CREATE INDEX deliveries_message ON signal_deliveries (chat_id, telegram_message_id);

-- Updates from Telegram (polling or webhook) are stored before they are confirmed, so a crash
-- cannot drop a command, and a redelivered update_id is ignored.
CREATE TABLE telegram_updates (
    update_id    BIGINT PRIMARY KEY,
    chat_id      BIGINT,
    payload      TEXT NOT NULL,
    received_at  BIGINT NOT NULL,
    handled_at   BIGINT,
    attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX telegram_updates_unhandled ON telegram_updates (update_id) WHERE handled_at IS NULL;

CREATE TABLE kv_state (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
