-- Price alerts (`/alert BTC/USD > 50000`); `strict` is INTEGER here: the Any driver cannot read
-- BOOLEAN columns of SQLite. Each is reduced at creation to a level and a
-- direction: it fires at the first price at or past `level` in that direction (`strict`: past
-- only). A `crosses` alert set before any price was known has no direction until the first
-- price tells which side it is on. `level_num` is the level as a float for the index; the
-- exact check uses `level`, the decimal text.
CREATE TABLE price_alerts (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    chat_id       BIGINT NOT NULL,
    asset         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    spec          TEXT NOT NULL,
    level         TEXT NOT NULL,
    level_num     REAL NOT NULL,
    direction     TEXT,
    strict        INTEGER NOT NULL,
    created_at    BIGINT NOT NULL,
    fired_at      BIGINT,
    fired_price   TEXT
);
CREATE INDEX price_alerts_armed ON price_alerts (asset, direction, level_num) WHERE fired_at IS NULL;
CREATE INDEX price_alerts_user ON price_alerts (user_id, created_at);
