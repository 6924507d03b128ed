-- LFPSE submission and FHIR Bulk Data export jobs.
--
-- lfpse_settings: an organisation's rule for queueing its events for the
-- national Learn from Patient Safety Events service (audited content).
CREATE TABLE lfpse_settings (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    -- manual: only a handler's "Mark ready"; reviewed: also when a
    -- handler records the review; closed: also when the event is closed.
    auto_queue  TEXT NOT NULL CHECK (auto_queue IN ('manual', 'reviewed', 'closed')),
    updated_at  TIMESTAMPTZ NOT NULL
);

-- lfpse_submissions: one row per event marked ready, which is both the
-- event's national record (national_id, national_ref once accepted) and
-- its entry in the durable outbox. One row per event means one
-- submission in flight per event: a change while one is being sent sets
-- again, and the event is sent once more (an update) after it.
CREATE TABLE lfpse_submissions (
    event_id         TEXT PRIMARY KEY REFERENCES events(id),
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    -- What the next send does: create (POST) or update (PUT national_id).
    op               TEXT NOT NULL CHECK (op IN ('create', 'update')),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    again            BOOLEAN NOT NULL DEFAULT FALSE,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    -- Why the last attempt failed or was refused, in plain words.
    last_error       TEXT NOT NULL DEFAULT '',
    -- The national service's logical id and reference number.
    national_id      TEXT NOT NULL DEFAULT '',
    national_ref     TEXT NOT NULL DEFAULT '',
    -- who queued it first (a user id, or 'rule') and when.
    ready_by         TEXT NOT NULL,
    ready_at         TIMESTAMPTZ NOT NULL,
    queued_at        TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    -- The lease of the worker sending it (status sending): another
    -- worker may take it once locked_until has passed.
    locked_by        TEXT,
    locked_until     TIMESTAMPTZ
);
CREATE INDEX lfpse_submissions_due ON lfpse_submissions (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX lfpse_submissions_org ON lfpse_submissions (org_id, status, queued_at);

-- bulk_jobs: FHIR Bulk Data export jobs. Their files are written under
-- the data directory; the row says which, and how far the job has got.
CREATE TABLE bulk_jobs (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    requested_by  TEXT NOT NULL,
    request_url   TEXT NOT NULL,
    types         TEXT NOT NULL,   -- resource types, separated by commas
    since         TIMESTAMPTZ,
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    progress      TEXT NOT NULL DEFAULT '',
    -- The manifest's output entries (type, file, count) as JSON once done.
    output        TEXT NOT NULL DEFAULT '[]',
    error         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ
);
CREATE INDEX bulk_jobs_org ON bulk_jobs (org_id, created_at);
