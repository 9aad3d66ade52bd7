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

ALTER TABLE signal_deliveries ALTER COLUMN signal_id DROP NOT NULL;
ALTER TABLE signal_deliveries ADD COLUMN broadcast_id TEXT REFERENCES broadcasts(id);
CREATE UNIQUE INDEX deliveries_broadcast ON signal_deliveries (broadcast_id, user_id)
    WHERE broadcast_id IS NOT NULL;

-- Premium expiry reminders, 7 days and 1 day before; reset by /grant.
ALTER TABLE user_subscriptions ADD COLUMN reminded_7d_at BIGINT;
ALTER TABLE user_subscriptions ADD COLUMN reminded_1d_at BIGINT;
CREATE INDEX users_created ON users (created_at);
