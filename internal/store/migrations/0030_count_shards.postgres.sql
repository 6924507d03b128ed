-- The counts per status (0017) and the evidence counts (0024) are kept
-- in shards: every writer adds to (or takes from) its own row of a count,
-- on a shard no other open transaction is writing (count_shard, the
-- column's default), so that writers on different connections rarely
-- wait for each other's row lock until they commit. A count is the sum
-- over its shards; one shard may fall below zero when an event counted on
-- another is taken away, so a row is deleted only when it holds exactly
-- nothing. Counts written before this migration, and by a rebuild, are on
-- shard 0. This pair differs only as the engines do: SQLite has one
-- writer (shard 0) and cannot alter a primary key.
ALTER TABLE event_status_counts ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
-- count_shard picks the shard of a count for the calling transaction: the
-- first, from its connection's (the backend's process id modulo 16), that
-- no other open transaction has taken, so that two writers at once do not
-- write the same row and wait for each other's commit. A shard is taken
-- by an advisory lock held until the transaction ends, and kept for the
-- rest of the transaction in a setting of its own; kind keeps the two
-- tables' shards apart. When all 16 are taken it gives the connection's,
-- and its writes wait.
CREATE FUNCTION count_shard(kind INTEGER) RETURNS SMALLINT LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    kept TEXT := current_setting('clinsafe.count_shard_' || kind, true);
    start INTEGER := pg_backend_pid() % 16;
    pick INTEGER := start;
BEGIN
    IF kept IS NOT NULL AND kept <> '' THEN
        RETURN kept::SMALLINT;
    END IF;
    FOR i IN 0..15 LOOP
        IF pg_try_advisory_xact_lock(7301 + kind, (start + i) % 16) THEN
            pick := (start + i) % 16;
            EXIT;
        END IF;
    END LOOP;
    PERFORM set_config('clinsafe.count_shard_' || kind, pick::TEXT, true);
    RETURN pick;
END;
$$;

ALTER TABLE event_status_counts ALTER COLUMN shard SET DEFAULT count_shard(0);
ALTER TABLE event_status_counts DROP CONSTRAINT event_status_counts_pkey, ADD PRIMARY KEY (org_id, status, shard);

ALTER TABLE evidence_counts ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE evidence_counts ALTER COLUMN shard SET DEFAULT count_shard(1);
ALTER TABLE evidence_counts DROP CONSTRAINT evidence_counts_pkey, ADD PRIMARY KEY (org_id, dim, value, day, shard);

-- Deletes and status changes (row by row, 0017): each is an upsert on
-- the writer's own shard, never an update of every shard of a count. The
-- two counts a status change moves are written in the order of their
-- status, so that two changes never wait for each other in a circle.
CREATE OR REPLACE FUNCTION event_status_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO event_status_counts AS c (org_id, status, n)
            SELECT org_id, status, n FROM (VALUES (OLD.org_id, OLD.status, -1), (NEW.org_id, NEW.status, 1)) AS v (org_id, status, n)
            ORDER BY org_id, status
            ON CONFLICT (org_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO event_status_counts AS c (org_id, status, n) VALUES (OLD.org_id, OLD.status, -1)
            ON CONFLICT (org_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    ELSE
        INSERT INTO event_status_counts AS c (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
            ON CONFLICT (org_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END;
$$;

-- Inserts, once per statement and status (0028).
CREATE OR REPLACE FUNCTION event_status_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_status_counts AS c (org_id, status, n)
        SELECT org_id, status, COUNT(*) FROM inserted GROUP BY org_id, status ORDER BY org_id, status
        ON CONFLICT (org_id, status, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;
