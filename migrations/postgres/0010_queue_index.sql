-- The dispatcher walks due rows through this index in id order, and for each asks "is an earlier
-- row of this chat still unfinished?" through deliveries_chat_queue. The index used to cover
-- `sending` rows too, so that probe could use either index; with statistics taken while the queue
-- was empty, PostgreSQL chose to walk all of this one for every candidate (68 ms for the first 64
-- of 10,000 queued rows). Without `sending` (a handful of rows at any moment) only the per-chat
-- index answers the probe: 1.6 ms.
DROP INDEX deliveries_queue;
CREATE INDEX deliveries_queue ON signal_deliveries (id) WHERE status IN ('pending', 'uncertain');
