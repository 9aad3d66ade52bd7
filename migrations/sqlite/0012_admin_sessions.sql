-- Admin tokens name a generation: logout, a new password and disabling the admin bump it, and a
-- token of an older generation is refused. A disabled admin can neither log in nor use a token.
ALTER TABLE admins ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admins ADD COLUMN disabled_at BIGINT;

-- Failed logins per (admin name, client address): one address guessing is slowed and locked out
-- by itself, so it cannot lock the admin out for everyone; `admins.failed_attempts` still counts
-- every failure, for the lock that stops a guess spread over many addresses.
CREATE TABLE admin_login_failures (
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    locked_until    BIGINT,
    last_failure_at BIGINT NOT NULL,
    PRIMARY KEY (name, address)
);
CREATE INDEX admin_login_failures_age ON admin_login_failures (last_failure_at);
