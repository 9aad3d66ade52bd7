-- The audience (who may receive a signal) is cached in memory between signals. Every change that
-- can alter it bumps this counter in the same transaction, so a cache read under an unchanged
-- version is exactly what the tables hold, on every replica.
CREATE TABLE audience_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO audience_version (id, version) VALUES (1, 0);

CREATE FUNCTION bump_audience_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audience_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

-- Row-level with WHEN, so updates that change nothing the audience depends on (last_seen_at, names)
-- neither bump nor lock the counter.
CREATE TRIGGER users_audience_insert_delete AFTER INSERT OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION bump_audience_version();
CREATE TRIGGER users_audience_update AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.telegram_id IS DISTINCT FROM NEW.telegram_id
        OR OLD.is_active IS DISTINCT FROM NEW.is_active
        OR OLD.disclaimer_accepted_at IS DISTINCT FROM NEW.disclaimer_accepted_at)
    EXECUTE FUNCTION bump_audience_version();
CREATE TRIGGER subscriptions_audience AFTER INSERT OR UPDATE OR DELETE ON user_subscriptions
    FOR EACH ROW EXECUTE FUNCTION bump_audience_version();
CREATE TRIGGER preferences_audience AFTER INSERT OR UPDATE OR DELETE ON user_preferences
    FOR EACH ROW EXECUTE FUNCTION bump_audience_version();

-- A fan-out writes one delivery row per recipient inside the 202's transaction, so every index
-- and check on this table is paid per recipient (measured, 10,000 rows: 210 ms → about 100 ms):
-- * the signal reference holds by construction: the signal row is inserted first, in the same
--   transaction, and signals are never deleted;
-- * the user reference is kept by `erase_user`, which clears a user's rows before deleting the
--   user, and by the dispatcher, which reads each row's user as it claims it and skips rows whose
--   user is gone or inactive (that also covers a signal that raced an erasure);
-- * (signal_id, user_id) is unique by construction (one row per audience member, written once
--   under the signal's primary key); the per-user index, keyed (user_id, signal_id), serves the
--   per-user lookups and the "did this user receive that signal" probes in one.
ALTER TABLE signal_deliveries DROP CONSTRAINT signal_deliveries_signal_id_fkey;
ALTER TABLE signal_deliveries DROP CONSTRAINT signal_deliveries_user_id_fkey;
ALTER TABLE signal_deliveries DROP CONSTRAINT signal_deliveries_signal_id_user_id_key;
DROP INDEX deliveries_user;
CREATE INDEX deliveries_user ON signal_deliveries (user_id, signal_id);
