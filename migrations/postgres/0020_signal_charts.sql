-- Charts on signals (issue 16 item 2).
--
-- The prices of each asset from POST /api/prices, one per minute (the last seen in that minute),
-- so a signal's chart can draw the asset's recent course. `minute_at` is the minute's start in
-- epoch milliseconds; `at` is when that price was quoted. Rows older than the longest chart
-- window are purged by the retention job.
CREATE TABLE price_history (
    asset      TEXT NOT NULL,
    minute_at  BIGINT NOT NULL,
    price      TEXT NOT NULL,
    at         BIGINT NOT NULL,
    PRIMARY KEY (asset, minute_at)
);
CREATE INDEX price_history_age ON price_history (minute_at);

-- The user's switch for charts on signals; on by default, and honoured only where the
-- tier includes charts. The chart's file_id is kept in chart_files (migration 0005), keyed by
-- signal and language.
ALTER TABLE user_preferences ADD COLUMN charts BOOLEAN NOT NULL DEFAULT TRUE;
