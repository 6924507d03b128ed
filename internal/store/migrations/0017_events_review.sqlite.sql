-- Review of safety events by the patient safety team: the handler's harm
-- gradings (with their history), governance flags, append-only addenda,
-- internal notes apart from the learning summary, merged duplicates, and
-- the full-text search index. Nothing here is ever deleted.
--
-- The tables are the same on both engines; only the search index differs
-- (SQLite FTS5, PostgreSQL tsvector with a GIN index), which is why this
-- migration is a .sqlite.sql/.postgres.sql pair: keep the two in step.

-- One row per reviewed event: what the handler recorded beside the
-- report. Written with the event's version bumped, in one transaction.
CREATE TABLE event_reviews (
    event_id          TEXT PRIMARY KEY REFERENCES events(id),
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    -- Internal notes are for handlers only; the learning summary is shown
    -- to the reporter and may be published.
    notes             TEXT NOT NULL DEFAULT '',
    learning_summary  TEXT NOT NULL DEFAULT '',
    -- A duplicate points at the record that was kept.
    duplicate_of      TEXT REFERENCES events(id),
    -- Duty of candour (Regulation 20): whether it applies, the day the
    -- organisation became aware, the day the patient was told and the day
    -- of the written follow-up (YYYY-MM-DD, '' when not yet).
    candour           TEXT NOT NULL DEFAULT '',  -- '', 'y' or 'n'
    candour_aware_on  TEXT NOT NULL DEFAULT '',
    candour_told_on   TEXT NOT NULL DEFAULT '',
    candour_written_on TEXT NOT NULL DEFAULT '',
    never_event       TEXT NOT NULL DEFAULT '',  -- '', 'y' or 'n'
    never_event_type  TEXT NOT NULL DEFAULT '',  -- events.ListNeverEventType
    cqc_notified      TEXT NOT NULL DEFAULT '',  -- '', 'y' or 'n'
    cqc_notified_on   TEXT NOT NULL DEFAULT '',
    safeguarding      TEXT NOT NULL DEFAULT '',  -- '', 'y' or 'n'
    serious_incident  TEXT NOT NULL DEFAULT '',  -- '', 'y' or 'n'
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_reviews_duplicate ON event_reviews (duplicate_of);

-- Every harm grading a handler gave a patient of an event: the latest per
-- patient is the grading; events.harm is the worst physical harm of the
-- latest gradings. Never updated.
CREATE TABLE event_gradings (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events(id),
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    patient        INTEGER NOT NULL,   -- item of the record's patients group, from 0
    physical_harm  TEXT NOT NULL,
    psychological_harm TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    actor_id       TEXT REFERENCES users(id),
    at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_gradings_event ON event_gradings (event_id, patient, at);

-- Addenda: text added to an event after it was reported, by a handler.
-- Append-only: never edited, never removed.
CREATE TABLE event_addenda (
    id         TEXT PRIMARY KEY,
    event_id   TEXT NOT NULL REFERENCES events(id),
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    body       TEXT NOT NULL,
    author_id  TEXT REFERENCES users(id),
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_addenda_event ON event_addenda (event_id, at);

-- Queue filters and sorts beyond those of 0014.
CREATE INDEX events_assigned ON events (org_id, assigned_to, status);
CREATE INDEX events_harm ON events (org_id, harm, submitted_at);
CREATE INDEX events_submitted ON events (org_id, submitted_at);

-- The search document of each submitted event (its description, location,
-- IT problem, medicines, addenda and learning summary), written by eventsdb
-- in the transaction of each change, and its FTS5 index (external content,
-- kept by the triggers below). doc is an INTEGER PRIMARY KEY so that the
-- index's rowids survive VACUUM.
CREATE TABLE event_search (
    doc       INTEGER PRIMARY KEY,
    event_id  TEXT NOT NULL UNIQUE REFERENCES events(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    body      TEXT NOT NULL
);
CREATE INDEX event_search_org ON event_search (org_id);
CREATE VIRTUAL TABLE event_search_fts USING fts5(body, content='event_search', content_rowid='doc', tokenize='porter unicode61');
CREATE TRIGGER event_search_ai AFTER INSERT ON event_search BEGIN
    INSERT INTO event_search_fts (rowid, body) VALUES (new.doc, new.body);
END;
CREATE TRIGGER event_search_ad AFTER DELETE ON event_search BEGIN
    INSERT INTO event_search_fts (event_search_fts, rowid, body) VALUES ('delete', old.doc, old.body);
END;
CREATE TRIGGER event_search_au AFTER UPDATE ON event_search BEGIN
    INSERT INTO event_search_fts (event_search_fts, rowid, body) VALUES ('delete', old.doc, old.body);
    INSERT INTO event_search_fts (rowid, body) VALUES (new.doc, new.body);
END;

-- How many events of each organisation have each status, kept by the
-- triggers below, so that the review queue's counts need not count a
-- million rows.
CREATE TABLE event_status_counts (
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    status  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (org_id, status)
);
INSERT INTO event_status_counts (org_id, status, n) SELECT org_id, status, COUNT(*) FROM events GROUP BY org_id, status;
CREATE TRIGGER events_count_ai AFTER INSERT ON events BEGIN
    INSERT INTO event_status_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER events_count_au AFTER UPDATE OF status ON events WHEN old.status <> new.status BEGIN
    UPDATE event_status_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status;
    INSERT INTO event_status_counts (org_id, status, n) VALUES (new.org_id, new.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER events_count_ad AFTER DELETE ON events BEGIN
    UPDATE event_status_counts SET n = n - 1 WHERE org_id = old.org_id AND status = old.status;
END;
