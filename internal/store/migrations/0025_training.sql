-- Training: courses and their published versions, learners' enrolments
-- (each pinned to the version it started on) with their quiz attempts,
-- completions and the hashes of their certificates' verification codes,
-- assignments with the reminders sent for them, training done elsewhere,
-- and the professional registrations of clinical safety officers.
CREATE TABLE training_courses (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    builtin_key     TEXT NOT NULL DEFAULT '',   -- the shipped course it was installed from
    current_version INTEGER NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_courses_org ON training_courses (org_id);

-- A published version never changes: a learner who started it completes it.
CREATE TABLE training_course_versions (
    course_id       TEXT NOT NULL REFERENCES training_courses(id),
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    number          INTEGER NOT NULL,
    title           TEXT NOT NULL,
    level           TEXT NOT NULL,
    audience        TEXT NOT NULL,   -- |role|role|
    tags            TEXT NOT NULL,   -- |tag|tag|
    renewal_months  INTEGER NOT NULL,
    source          TEXT NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL,
    published_by    TEXT NOT NULL,
    PRIMARY KEY (course_id, number)
);

CREATE TABLE training_enrolments (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    course_id      TEXT NOT NULL REFERENCES training_courses(id),
    course_version INTEGER NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    completed_at   TIMESTAMPTZ
);
CREATE INDEX training_enrolments_user ON training_enrolments (org_id, user_id, course_id);

-- The draw (question ids in order) is stored when the attempt starts; the
-- answers and the mark when it is submitted, once.
CREATE TABLE training_attempts (
    id            TEXT PRIMARY KEY,
    enrolment_id  TEXT NOT NULL REFERENCES training_enrolments(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    number        INTEGER NOT NULL,
    draw          TEXT NOT NULL,
    answers       TEXT NOT NULL DEFAULT '',
    score         INTEGER NOT NULL DEFAULT 0,
    passed        BOOLEAN NOT NULL DEFAULT FALSE,
    started_at    TIMESTAMPTZ NOT NULL,
    submitted_at  TIMESTAMPTZ,
    version       INTEGER NOT NULL,
    UNIQUE (enrolment_id, number)
);

CREATE TABLE training_completions (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    user_id        TEXT NOT NULL REFERENCES users(id),
    course_id      TEXT REFERENCES training_courses(id),   -- NULL for evidence of other training
    course_version INTEGER NOT NULL DEFAULT 0,
    title          TEXT NOT NULL,
    tags           TEXT NOT NULL,
    source         TEXT NOT NULL,   -- course or evidence
    enrolment_id   TEXT REFERENCES training_enrolments(id),
    evidence_id    TEXT,
    completed_at   TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ
);
CREATE INDEX training_completions_user ON training_completions (org_id, user_id, course_id);

-- Each certificate drawn carries a fresh random verification code; only
-- its hash is kept. Every code of a completion stays valid.
CREATE TABLE training_certificates (
    code_hash     TEXT PRIMARY KEY,
    completion_id TEXT NOT NULL REFERENCES training_completions(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    issued_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_certificates_completion ON training_certificates (completion_id);

-- By role (role set, user_id NULL) or to a named person. renewal_of is the
-- completion whose expiry made it (one renewal per completion).
CREATE TABLE training_assignments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    course_id    TEXT NOT NULL REFERENCES training_courses(id),
    role         TEXT NOT NULL DEFAULT '',
    user_id      TEXT REFERENCES users(id),
    due_on       TEXT NOT NULL,   -- YYYY-MM-DD
    renewal_of   TEXT UNIQUE REFERENCES training_completions(id),
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ,
    version      INTEGER NOT NULL
);
CREATE INDEX training_assignments_org ON training_assignments (org_id, course_id);

-- One reminder per assignment, person and day.
CREATE TABLE training_reminders (
    assignment_id TEXT NOT NULL REFERENCES training_assignments(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    day           TEXT NOT NULL,
    PRIMARY KEY (assignment_id, user_id, day)
);

CREATE TABLE training_evidence (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    title         TEXT NOT NULL,
    provider      TEXT NOT NULL,
    completed_on  TEXT NOT NULL,   -- YYYY-MM-DD
    clinical_safety BOOLEAN NOT NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    file_size     INTEGER NOT NULL,
    file_data     TEXT NOT NULL,   -- base64
    status        TEXT NOT NULL,   -- submitted, accepted or rejected
    reason        TEXT NOT NULL DEFAULT '',
    reviewed_by   TEXT NOT NULL DEFAULT '',
    reviewed_at   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX training_evidence_org ON training_evidence (org_id, status);

CREATE TABLE training_registrations (
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    body          TEXT NOT NULL,
    number        TEXT NOT NULL,
    checked_on    TEXT NOT NULL,   -- YYYY-MM-DD
    checked_by_id TEXT NOT NULL,
    checked_by    TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
