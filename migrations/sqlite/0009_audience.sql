-- The audience (who may receive a signal) is cached in memory between signals. Every change that
-- can alter it bumps this counter in the same transaction, so a cache read under an unchanged
-- version is exactly what the tables hold.
CREATE TABLE audience_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO audience_version (id, version) VALUES (1, 0);

CREATE TRIGGER users_audience_insert AFTER INSERT ON users
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_audience_delete AFTER DELETE ON users
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
-- Updates that change nothing the audience depends on (last_seen_at, names) do not bump.
CREATE TRIGGER users_audience_update AFTER UPDATE ON users
WHEN OLD.telegram_id IS NOT NEW.telegram_id OR OLD.is_active IS NOT NEW.is_active
    OR OLD.disclaimer_accepted_at IS NOT NEW.disclaimer_accepted_at
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER subscriptions_audience_insert AFTER INSERT ON user_subscriptions
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER subscriptions_audience_update AFTER UPDATE ON user_subscriptions
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER subscriptions_audience_delete AFTER DELETE ON user_subscriptions
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER preferences_audience_insert AFTER INSERT ON user_preferences
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER preferences_audience_update AFTER UPDATE ON user_preferences
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER preferences_audience_delete AFTER DELETE ON user_preferences
BEGIN UPDATE audience_version SET version = version + 1 WHERE id = 1; END;
