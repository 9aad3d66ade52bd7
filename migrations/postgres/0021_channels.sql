-- Channels and groups Herald posts signals to (`herald channel add`): one post per matching
-- channel, as a subscriber with these preferences would get it. Their delivery rows have no user:
-- `signal_deliveries.user_id` is NULL and `chat_id` is the channel's (negative) id.
CREATE TABLE channels (
    chat_id       BIGINT PRIMARY KEY,
    title         TEXT NOT NULL,
    username      TEXT,
    tier          TEXT NOT NULL,
    signal_types  TEXT NOT NULL,
    assets        TEXT NOT NULL,
    language      TEXT NOT NULL,
    format        TEXT NOT NULL,
    added_at      BIGINT NOT NULL
);
