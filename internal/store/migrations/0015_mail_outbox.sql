-- The durable email outbox (internal/mail). A message is written in the
-- transaction of the change that causes it (an event reviewed, a reminder
-- due), so it exists if and only if that change committed; a worker sends
-- it afterwards, retrying with backoff, and marks it sent or, after the
-- last attempt, failed. A kernel operational table: the change that causes
-- a message is audited, the message itself is a delivery record.
CREATE TABLE mail_outbox (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    kind             TEXT NOT NULL,
    to_addr          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    -- Why the last attempt failed, in plain words; never the message.
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ,
    -- The lease of the worker sending it: another worker may take the
    -- message once locked_until has passed (the first one crashed).
    locked_by        TEXT,
    locked_until     TIMESTAMPTZ
);
-- The worker's claim: pending messages in the order they fall due.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
-- The admin page: one organisation's messages by status and age.
CREATE INDEX mail_outbox_org ON mail_outbox (org_id, status, created_at);
