-- PSIRF learning responses, their SMART actions, and each organisation's
-- patient safety incident response plan.
CREATE TABLE learning_responses (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    ref           TEXT NOT NULL,            -- LR-001, per organisation
    title         TEXT NOT NULL,
    response_type TEXT NOT NULL,            -- events.ResponseType
    status        TEXT NOT NULL,            -- planned, in_progress, completed
    lead_id       TEXT REFERENCES users(id),
    participants  TEXT NOT NULL DEFAULT '',
    started_on    TEXT NOT NULL DEFAULT '',
    due_on        TEXT NOT NULL DEFAULT '',
    completed_on  TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL,            -- the type's fields as JSON
    findings      TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, ref)
);
CREATE INDEX learning_responses_org ON learning_responses (org_id, status, due_on);

-- The events a response learns from (one, or many for a thematic review).
CREATE TABLE learning_response_events (
    response_id TEXT NOT NULL REFERENCES learning_responses(id),
    event_id    TEXT NOT NULL REFERENCES events(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (response_id, event_id)
);
CREATE INDEX learning_response_events_event ON learning_response_events (event_id);

CREATE TABLE learning_actions (
    id            TEXT PRIMARY KEY,
    response_id   TEXT NOT NULL REFERENCES learning_responses(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    description   TEXT NOT NULL,
    owner_id      TEXT NOT NULL REFERENCES users(id),
    due_on        TEXT NOT NULL,
    measure       TEXT NOT NULL,
    status        TEXT NOT NULL,            -- open, done, cancelled
    done_on       TEXT NOT NULL DEFAULT '',
    evidence      TEXT NOT NULL DEFAULT '',
    cancel_reason TEXT NOT NULL DEFAULT '',
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX learning_actions_owner ON learning_actions (org_id, owner_id, status, due_on);
CREATE INDEX learning_actions_response ON learning_actions (response_id);

-- The organisation's patient safety incident response plan: its rules as
-- JSON (events.PlanRule), first match wins. No row: the default plan.
CREATE TABLE psirf_plans (
    org_id     TEXT PRIMARY KEY REFERENCES organisations(id),
    rules      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
