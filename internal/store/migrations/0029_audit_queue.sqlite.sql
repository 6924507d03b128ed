-- SQLite has one writer at a time, so each transaction chains its own
-- audit entries onto audit_log and this queue (PostgreSQL's, see the
-- PostgreSQL migration) stays empty. It exists so that the queries that
-- read both are the same on both engines.
CREATE TABLE audit_queue (
    qid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    at           TIMESTAMPTZ NOT NULL,
    org_id       TEXT,
    actor_id     TEXT,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    summary      TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE TRIGGER audit_queue_no_write BEFORE INSERT ON audit_queue
BEGIN SELECT RAISE(ABORT, 'SQLite chains audit entries in the writing transaction'); END;
