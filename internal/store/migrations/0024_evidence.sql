-- Evidence: counts of safety events per organisation, day and dimension,
-- kept in the transaction of every change of an event (and rebuilt from
-- scratch by `clinsafe evidence rebuild`), so that no chart scans the raw
-- events; the bed days an organisation enters for its reporting rate; and
-- the digital changes marked on a measure, with the before-and-after
-- statement attached to a system's safety case.

-- n events reported on day (YYYY-MM-DD, in London) with value in dimension
-- dim (record type, harm, agent, ...); minutes sums the minutes from
-- report to first feedback for the dimension feedback_minutes. A row whose
-- count falls to 0 is deleted, so live and rebuilt counts are equal rows.
CREATE TABLE evidence_counts (
    org_id   TEXT NOT NULL REFERENCES organisations(id),
    dim      TEXT NOT NULL,
    value    TEXT NOT NULL,
    day      TEXT NOT NULL,
    n        BIGINT NOT NULL,
    minutes  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, dim, value, day)
);

-- What each counted event contributed (its day and its dimension values
-- as JSON), so that a change of the event moves its counts.
CREATE TABLE evidence_event_counts (
    event_id  TEXT PRIMARY KEY REFERENCES events(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    day       TEXT NOT NULL,
    keys      TEXT NOT NULL
);

-- Occupied bed days an organisation enters per month (YYYY-MM), the
-- denominator of its reporting rate per 1,000 bed days.
CREATE TABLE evidence_bed_days (
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    month     TEXT NOT NULL,
    bed_days  BIGINT NOT NULL,
    PRIMARY KEY (org_id, month)
);

-- A digital change marked on a measure (the series measure + dim/value):
-- the chart rebases at changed_on. It may name the Health IT system and its
-- issued safety case report. Attaching it to the safety case keeps the
-- statement as it was read at that moment.
CREATE TABLE evidence_changes (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    measure         TEXT NOT NULL,
    dim             TEXT NOT NULL DEFAULT '',
    value           TEXT NOT NULL DEFAULT '',
    period          TEXT NOT NULL,           -- week or month
    title           TEXT NOT NULL,
    changed_on      TEXT NOT NULL,           -- YYYY-MM-DD
    system_id       TEXT REFERENCES risk_systems(id),
    cscr_issue_id   TEXT REFERENCES cscr_issues(id),
    marked_by       TEXT NOT NULL REFERENCES users(id),
    marked_at       TIMESTAMPTZ NOT NULL,
    statement       TEXT NOT NULL DEFAULT '',
    attached_by     TEXT REFERENCES users(id),
    attached_at     TIMESTAMPTZ
);
CREATE INDEX evidence_changes_org ON evidence_changes (org_id, measure, changed_on);
CREATE INDEX evidence_changes_system ON evidence_changes (system_id, attached_at);
