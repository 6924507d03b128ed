-- Safety events: the LFPSE-aligned record, its status history and an
-- organisation's local questions.
--
-- The record itself (every answer of the question flow, under its
-- question id, with the items of its repeating groups) is the JSON of
-- events.Record in `record`. The columns beside it are written from the
-- record by eventsdb in the same statement, for the review queue's
-- filters; they never hold anything the record does not.
CREATE TABLE events (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    ref               TEXT,              -- PSE-2026-000123 from submission; NULL in a draft
    record_type       TEXT NOT NULL,     -- LFPSE event type code ('' in a draft not yet typed)
    status            TEXT NOT NULL,     -- events.Status
    audience          TEXT NOT NULL,     -- staff or public
    taxonomy_version  TEXT NOT NULL,
    record            TEXT NOT NULL,
    -- The staff member who reported; NULL for a public or anonymous
    -- report, which keeps no identity at all.
    reporter_id       TEXT REFERENCES users(id),
    -- A staff member's confidential report: their name is shown to the
    -- patient safety lead only.
    confidential      BOOLEAN NOT NULL DEFAULT FALSE,
    -- A public reporter's draft is found by the hash of a random key held
    -- in their browser's cookie, never by who they are.
    draft_key         TEXT UNIQUE,
    occurred_on       TEXT NOT NULL DEFAULT '',   -- YYYY-MM-DD
    occurred_estimate BOOLEAN NOT NULL DEFAULT FALSE,
    location          TEXT NOT NULL DEFAULT '',
    service_area      TEXT NOT NULL DEFAULT '',
    agents            TEXT NOT NULL DEFAULT '',   -- agent codes as |3|9|
    system_id         TEXT REFERENCES risk_systems(id),
    reported_harm     TEXT NOT NULL DEFAULT '',   -- worst physical harm as reported
    harm              TEXT NOT NULL DEFAULT '',   -- the handler's grading once graded, else as reported
    assigned_to       TEXT REFERENCES users(id),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    submitted_at      TIMESTAMPTZ,
    first_feedback_at TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    UNIQUE (org_id, ref)
);
CREATE INDEX events_queue ON events (org_id, status, submitted_at);
CREATE INDEX events_reporter ON events (reporter_id, org_id, status);
CREATE INDEX events_system ON events (system_id);
CREATE INDEX events_occurred ON events (org_id, occurred_on);

-- Every status an event has had, with who and when (never updated).
CREATE TABLE event_status_history (
    id        TEXT PRIMARY KEY,
    event_id  TEXT NOT NULL REFERENCES events(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    status    TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    actor_id  TEXT REFERENCES users(id),   -- NULL for a public reporter
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_status_history_event ON event_status_history (event_id, at);

-- Questions an organisation's admin added to a record type
-- (events.LocalQuestion as JSON). A retired question is asked no more,
-- but the answers records hold keep their words.
CREATE TABLE event_local_questions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    record_type TEXT NOT NULL,
    position    INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);
CREATE INDEX event_local_questions_org ON event_local_questions (org_id, record_type, position);

-- The follow-up code of a public or anonymous report: shown once to the
-- reporter, kept only as its SHA-256 hash (the code has 160 random bits,
-- so a fast hash is enough). With it, and only with it, the reporter
-- reads feedback and answers questions.
CREATE TABLE event_followups (
    event_id    TEXT PRIMARY KEY REFERENCES events(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    code_hash   TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);
