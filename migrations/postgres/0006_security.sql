-- Admin accounts, API keys and the audit/security log (issue 6). Same shapes as the SQLite
-- migration: times in epoch milliseconds, ids as text.

-- Operators of the admin API. The password is an Argon2id PHC string; the TOTP secret is sealed
-- with HERALD_ENCRYPTION_KEY; totp_last_step makes every code single-use.
CREATE TABLE admins (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    password_hash     TEXT NOT NULL,
    totp_secret       TEXT NOT NULL,
    totp_last_step    BIGINT,
    role              TEXT NOT NULL DEFAULT 'admin',
    failed_attempts   INTEGER NOT NULL DEFAULT 0,
    locked_until      BIGINT,
    created_at        BIGINT NOT NULL,
    last_login_at     BIGINT
);

-- API keys are stored as the SHA-256 of the whole key; `id` is the public part of the key, used
-- to find the row, so a lookup never scans.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    revoked_at    BIGINT
);

-- One table for the audit trail (who changed what, before/after) and the security log (every
-- authentication attempt and denial); `category` tells them apart.
CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           BIGINT NOT NULL,
    category     TEXT NOT NULL,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT,
    actor_name   TEXT,
    target_kind  TEXT,
    target_id    TEXT,
    ip           TEXT,
    state_before TEXT,
    state_after  TEXT,
    detail       TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_category ON audit_log (category, id);
CREATE INDEX audit_log_target ON audit_log (target_id, id);

-- Retention purges finished deliveries by age.
CREATE INDEX deliveries_accepted ON signal_deliveries (accepted_at);
CREATE INDEX telegram_updates_handled ON telegram_updates (handled_at) WHERE handled_at IS NOT NULL;
