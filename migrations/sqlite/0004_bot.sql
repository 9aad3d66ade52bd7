-- The bot conversation (issue 4): pending inputs, admin two-factor, broadcasts, premium reminders.

-- What the bot waits for from a chat: a typed time zone, or an admin's TOTP code for a pending
-- action (payload = the action as JSON). One row per chat; old rows expire (checked on read).
CREATE TABLE bot_chat_state (
    telegram_id  BIGINT PRIMARY KEY,
    awaiting     TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);

-- Admin authenticator secrets (sealed with HERALD_ENCRYPTION_KEY), the last accepted TOTP step
-- (codes are single-use), and the wrong-code lock.
CREATE TABLE admin_totp (
    telegram_id   BIGINT PRIMARY KEY,
    secret        TEXT NOT NULL,
    last_step     BIGINT,
    failures      INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL
);

-- An admin's /broadcast; its delivery rows live in signal_deliveries with broadcast_id set and
-- signal_id NULL, so the one dispatcher paces broadcasts and signals together.
CREATE TABLE broadcasts (
    id          TEXT PRIMARY KEY,
    text        TEXT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    recipients  INTEGER NOT NULL
);

-- SQLite cannot drop a NOT NULL constraint, so signal_deliveries is rebuilt (SQLite's documented
-- 12-step procedure; nothing references this table, and the column list is 0001's).
-- MERGE NOTE: a column added to signal_deliveries by an earlier migration must be copied here too.
CREATE TABLE signal_deliveries_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    signal_id            TEXT REFERENCES signals(id),
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
    broadcast_id         TEXT REFERENCES broadcasts(id),
    UNIQUE (signal_id, user_id)
);
INSERT INTO signal_deliveries_new (id, signal_id, user_id, chat_id, status, skip_reason, lang, format, silent, protect_content, reply_to_message_id, attempts, next_attempt_at, accepted_at, telegram_message_id, delivered_at, latency_ms, last_error, read_at, was_uncertain)
    SELECT id, signal_id, user_id, chat_id, status, skip_reason, lang, format, silent, protect_content, reply_to_message_id, attempts, next_attempt_at, accepted_at, telegram_message_id, delivered_at, latency_ms, last_error, read_at, was_uncertain FROM signal_deliveries;
DROP TABLE signal_deliveries;
ALTER TABLE signal_deliveries_new RENAME TO signal_deliveries;
CREATE INDEX deliveries_queue ON signal_deliveries (id)
    WHERE status IN ('pending', 'uncertain', 'sending');
CREATE INDEX deliveries_chat_queue ON signal_deliveries (chat_id, id)
    WHERE status IN ('pending', 'uncertain', 'sending');
CREATE INDEX deliveries_signal ON signal_deliveries (signal_id, status);
CREATE INDEX deliveries_user ON signal_deliveries (user_id, id);
CREATE INDEX deliveries_message ON signal_deliveries (chat_id, telegram_message_id);
CREATE UNIQUE INDEX deliveries_broadcast ON signal_deliveries (broadcast_id, user_id)
    WHERE broadcast_id IS NOT NULL;

-- Premium expiry reminders, 7 days and 1 day before; reset by /grant.
ALTER TABLE user_subscriptions ADD COLUMN reminded_7d_at BIGINT;
ALTER TABLE user_subscriptions ADD COLUMN reminded_1d_at BIGINT;
CREATE INDEX users_created ON users (created_at);
