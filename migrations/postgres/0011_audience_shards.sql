-- Every change to the audience bumped the one `audience_version` row, so concurrent preference
-- writes queued on its lock (50 users changing settings at once: 3.5 ms per write). The counter
-- is now 16 rows; a transaction bumps the row of its connection, so writers on different
-- connections rarely meet, and readers add the rows up: every committed bump still changes the
-- sum. (SQLite has one writer at a time anyway and keeps one row.)
ALTER TABLE audience_version DROP CONSTRAINT audience_version_id_check;
ALTER TABLE audience_version ADD CONSTRAINT audience_version_shard CHECK (id BETWEEN 1 AND 16);
INSERT INTO audience_version (id, version) SELECT n, 0 FROM generate_series(2, 16) AS n;

CREATE OR REPLACE FUNCTION bump_audience_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audience_version SET version = version + 1 WHERE id = 1 + pg_backend_pid() % 16;
    RETURN NULL;
END
$$;
