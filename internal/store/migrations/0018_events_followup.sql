-- Safety events: the two-way conversation between the patient safety team
-- and the reporter, the feedback the reporter is given, and the email
-- address a public reporter may leave for one event.
--
-- Neither side learns who the other is: a message to the reporter keeps
-- its author (a handler) for the team's own view only; a message from the
-- reporter has no author at all (NULL), whoever the reporter is.
CREATE TABLE event_messages (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    direction   TEXT NOT NULL,   -- to_reporter or from_reporter
    kind        TEXT NOT NULL,   -- question, answer, feedback or status
    body        TEXT NOT NULL,
    author_id   TEXT REFERENCES users(id),   -- the handler; NULL for the reporter
    created_at  TIMESTAMPTZ NOT NULL,
    -- When the other side first read it (not audited content: reading
    -- changes nothing of the event).
    read_at     TIMESTAMPTZ
);
CREATE INDEX event_messages_event ON event_messages (event_id, created_at);
CREATE INDEX event_messages_unread ON event_messages (org_id, direction, read_at);

-- The email address a public or anonymous reporter left to be told of
-- updates on this one event. Removing it blanks it: the address is kept
-- nowhere else.
CREATE TABLE event_reporter_contacts (
    event_id    TEXT PRIMARY KEY REFERENCES events(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    email       TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);
