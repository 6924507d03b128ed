-- The counts per status (0017) and the evidence counts (0024) are kept
-- in shards: see the PostgreSQL half of this pair. SQLite has one writer,
-- so every count is on shard 0 (the column's default) and a count is
-- still the sum over its shards. SQLite cannot alter a primary key: each
-- table is made anew with the shard in its key, the rows copied, the old
-- table dropped and the new one renamed (neither has an index besides
-- its key). The triggers of 0017 name the table, so they are dropped
-- first and made again, writing each change as an upsert on the shard.
DROP TRIGGER events_count_ai;
DROP TRIGGER events_count_au;
DROP TRIGGER events_count_ad;

CREATE TABLE event_status_counts_new (
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    status  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    shard   SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, status, shard)
);
INSERT INTO event_status_counts_new (org_id, status, n, shard) SELECT org_id, status, n, 0 FROM event_status_counts;
DROP TABLE event_status_counts;
ALTER TABLE event_status_counts_new RENAME TO event_status_counts;

CREATE TABLE evidence_counts_new (
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    dim      TEXT NOT NULL,
    value    TEXT NOT NULL,
    day      TEXT NOT NULL,
    n        BIGINT NOT NULL,
    minutes  BIGINT NOT NULL DEFAULT 0,
    shard    SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, dim, value, day, shard)
);
INSERT INTO evidence_counts_new (org_id, dim, value, day, n, minutes, shard) SELECT org_id, dim, value, day, n, minutes, 0 FROM evidence_counts;
DROP TABLE evidence_counts;
ALTER TABLE evidence_counts_new RENAME TO evidence_counts;

CREATE TRIGGER events_count_ai AFTER INSERT ON events BEGIN
    INSERT INTO event_status_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER events_count_au AFTER UPDATE OF status ON events WHEN old.status <> new.status BEGIN
    INSERT INTO event_status_counts (org_id, status, n) VALUES (old.org_id, old.status, -1)
        ON CONFLICT (org_id, status, shard) DO UPDATE SET n = n + excluded.n;
    INSERT INTO event_status_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status, shard) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER events_count_ad AFTER DELETE ON events BEGIN
    INSERT INTO event_status_counts (org_id, status, n) VALUES (old.org_id, old.status, -1)
        ON CONFLICT (org_id, status, shard) DO UPDATE SET n = n + excluded.n;
END;
