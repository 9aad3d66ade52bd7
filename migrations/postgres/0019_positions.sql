-- Positions: the trades users say they took (`✅ I took it` under a buy or sell). Opened at the
-- signal's entry; the user may set their own entry and size by replying to the bot's
-- confirmation (`message_id`). Closed once, by the signal's close (an engine close, a reported
-- outcome, expiry at a known price), a target or stop hit, or the user's Close button at the last
-- known price. Prices are decimal text, exactly as written. Erased with the user.
CREATE TABLE positions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    signal_id     TEXT NOT NULL REFERENCES signals(id),
    asset         TEXT NOT NULL,
    direction     TEXT NOT NULL,
    entry         TEXT NOT NULL,
    size          TEXT,
    opened_at     BIGINT NOT NULL,
    closed_at     BIGINT,
    exit_price    TEXT,
    close_reason  TEXT,
    message_id    BIGINT
);
-- One position per user per signal: a second tap finds the first.
CREATE UNIQUE INDEX positions_user_signal ON positions (user_id, signal_id);
-- A signal's close finds the positions still open on it.
CREATE INDEX positions_open_by_signal ON positions (signal_id) WHERE closed_at IS NULL;

-- Muted assets (`🔕 Mute` under a signal): never sent, followed or not.
ALTER TABLE user_preferences ADD COLUMN muted_assets TEXT NOT NULL DEFAULT '[]';
