-- Operations: leases on the update inbox, so that several replicas can handle webhook updates,
-- each update once and in order within its chat (see README "Choices"); who handled an update;
-- and an index for the active-user gauges.

ALTER TABLE telegram_updates ADD COLUMN handled_by TEXT;

-- One row per chat whose unhandled updates a replica is working on. `chat_key` is the chat id, or 0
-- for updates that belong to no chat. A lease past `expires_at` (its holder died) can be taken over.
CREATE TABLE inbox_leases (
    chat_key    BIGINT PRIMARY KEY,
    owner       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX inbox_leases_owner ON inbox_leases (owner);

CREATE INDEX telegram_updates_unhandled_chat ON telegram_updates (chat_id, update_id)
    WHERE handled_at IS NULL;
CREATE INDEX users_last_seen ON users (last_seen_at);
