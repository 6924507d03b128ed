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
-- in the transaction of each change, with its tsvector and a GIN index.
CREATE TABLE event_search (
    doc       BIGSERIAL PRIMARY KEY,
    event_id  TEXT NOT NULL UNIQUE REFERENCES events(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    body      TEXT NOT NULL,
    tsv       tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED
);
CREATE INDEX event_search_org ON event_search (org_id);
CREATE INDEX event_search_tsv ON event_search USING GIN (tsv);

-- How many events of each organisation have each status, kept by the
-- trigger below, so that the review queue's counts need not count a
-- million rows. The two rows a status change touches are locked in the
-- order of their status, so that two changes never wait for each other.
CREATE TABLE event_status_counts (
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    status  TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (org_id, status)
);
INSERT INTO event_status_counts (org_id, status, n) SELECT org_id, status, COUNT(*) FROM events GROUP BY org_id, status;
CREATE FUNCTION event_status_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status < OLD.status THEN
        INSERT INTO event_status_counts AS c (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
            ON CONFLICT (org_id, status) DO UPDATE SET n = c.n + 1;
        UPDATE event_status_counts SET n = n - 1 WHERE org_id = OLD.org_id AND status = OLD.status;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE event_status_counts SET n = n - 1 WHERE org_id = OLD.org_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO event_status_counts AS c (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
            ON CONFLICT (org_id, status) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_count AFTER INSERT OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION event_status_count();
CREATE TRIGGER events_count_status AFTER UPDATE OF status ON events FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION event_status_count();
