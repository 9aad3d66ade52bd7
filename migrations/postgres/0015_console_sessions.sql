-- Sessions of the operator console (`/console`). The cookie holds a random token; only its
-- SHA-256 is stored, so a copy of the table opens no session. A session ends after 15 idle
-- minutes, at its absolute end, at logout, or when the admin's token generation moves on
-- (logout everywhere, a new password, disabling), like the API's tokens.
CREATE TABLE console_sessions (
    token_hash        TEXT PRIMARY KEY,
    admin_id          TEXT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    generation        INTEGER NOT NULL,
    csrf_token        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    last_seen_at      BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);
CREATE INDEX console_sessions_admin ON console_sessions (admin_id);
CREATE INDEX console_sessions_seen ON console_sessions (last_seen_at);
