-- A signal's fan-out: committed with the signal (the 202 waits for nothing else), then expanded
-- into delivery rows chunk by chunk by the leader, in the recipients' send order: paying
-- recipients (`phase` 0), then the rest (1), each phase in chat order; 2 is done. Each chunk's
-- rows and the cursor that passes them commit together, so a crash resumes at the next chunk and
-- writes no row twice. `accepted_at` is the moment every recipient decision is taken at.
CREATE TABLE fanout_jobs (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    signal_id    TEXT NOT NULL UNIQUE REFERENCES signals(id),
    accepted_at  BIGINT NOT NULL,
    phase        INTEGER NOT NULL DEFAULT 0,
    after_chat   BIGINT NOT NULL,
    written      BIGINT NOT NULL DEFAULT 0,
    finished_at  BIGINT
);
CREATE INDEX fanout_jobs_open ON fanout_jobs (seq) WHERE phase < 2;
CREATE INDEX subscriptions_paying ON user_subscriptions (user_id) WHERE subscription_type <> 'free';
