-- Stars payments, one row per Telegram charge: the unique charge id is what makes a replayed
-- `successful_payment` grant once. `paid_until` is fixed when the row is written, so granting it
-- again after a crash gives the same end date. Rows outlive the user (accounting and refunds):
-- `/delete` clears `user_id` and keeps the charge, its amount and the Telegram id refunds need.
CREATE TABLE payments (
    charge_id           TEXT PRIMARY KEY,
    provider_charge_id  TEXT NOT NULL,
    user_id             TEXT REFERENCES users(id) ON DELETE SET NULL,
    telegram_id         BIGINT NOT NULL,
    plan                TEXT NOT NULL,
    tier                TEXT NOT NULL,
    stars               INTEGER NOT NULL,
    recurring           INTEGER NOT NULL,
    first_recurring     INTEGER NOT NULL,
    paid_at             BIGINT NOT NULL,
    paid_until          BIGINT NOT NULL,
    granted_at          BIGINT,
    refunded_at         BIGINT,
    refunded_by         TEXT
);
CREATE INDEX payments_paid_at ON payments (paid_at);
CREATE INDEX payments_user ON payments (user_id);
