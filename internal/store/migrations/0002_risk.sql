-- Clinical risk (DCB0129/DCB0160): health IT systems, their hazard logs with
-- controls, actions and edit history, issued (immutable) hazard log versions,
-- Clinical Safety Case Reports, the organisation's Clinical Risk Management
-- Plan and the compliance checklist.
-- The same tables on both engines (TIMESTAMPTZ becomes TIMESTAMP on SQLite).
-- Migration 0003 adds the engine-specific triggers that make issued versions
-- immutable.

CREATE TABLE risk_systems (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organisations(id),
    name                TEXT NOT NULL,
    manufacturer        TEXT NOT NULL,
    intended_use        TEXT NOT NULL,
    clinical_scope      TEXT NOT NULL,
    deployment_context  TEXT NOT NULL,
    standard            TEXT NOT NULL,
    phases              TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX risk_systems_org ON risk_systems (org_id, name);

CREATE TABLE risk_system_csos (
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    system_id  TEXT NOT NULL REFERENCES risk_systems(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (system_id, user_id)
);

CREATE TABLE risk_releases (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    system_id   TEXT NOT NULL REFERENCES risk_systems(id),
    version     TEXT NOT NULL,
    released_on TIMESTAMPTZ NOT NULL,
    notes       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX risk_releases_system ON risk_releases (system_id, released_on);

CREATE TABLE hazards (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations(id),
    system_id            TEXT NOT NULL REFERENCES risk_systems(id),
    number               INTEGER NOT NULL,
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL,
    clinical_impact      TEXT NOT NULL,
    causes               TEXT NOT NULL,
    existing_controls    TEXT NOT NULL,
    initial_severity     INTEGER NOT NULL,
    initial_likelihood   INTEGER NOT NULL,
    residual_severity    INTEGER NOT NULL,
    residual_likelihood  INTEGER NOT NULL,
    status               TEXT NOT NULL,
    rb_justification     TEXT NOT NULL,
    rb_by_user_id        TEXT NOT NULL,
    rb_by_name           TEXT NOT NULL,
    rb_at                TIMESTAMPTZ,
    provenance           TEXT NOT NULL,
    version              INTEGER NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (system_id, number)
);
CREATE INDEX hazards_org ON hazards (org_id, system_id, number);

CREATE TABLE hazard_controls (
    id                       TEXT PRIMARY KEY,
    org_id                   TEXT NOT NULL REFERENCES organisations(id),
    hazard_id                TEXT NOT NULL REFERENCES hazards(id),
    position                 INTEGER NOT NULL,
    description              TEXT NOT NULL,
    type                     TEXT NOT NULL,
    owner                    TEXT NOT NULL,
    side                     TEXT NOT NULL,
    implementation_evidence  TEXT NOT NULL,
    verification_evidence    TEXT NOT NULL
);
CREATE INDEX hazard_controls_hazard ON hazard_controls (hazard_id, position);
CREATE INDEX hazard_controls_side ON hazard_controls (org_id, side);

CREATE TABLE hazard_actions (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    hazard_id  TEXT NOT NULL REFERENCES hazards(id),
    position   INTEGER NOT NULL,
    summary    TEXT NOT NULL,
    owner      TEXT NOT NULL,
    due        TIMESTAMPTZ NOT NULL,
    done       BOOLEAN NOT NULL,
    done_at    TIMESTAMPTZ
);
CREATE INDEX hazard_actions_hazard ON hazard_actions (hazard_id, position);
CREATE INDEX hazard_actions_due ON hazard_actions (org_id, done, due);

-- Every saved edit of a hazard: the full snapshot after the edit, so the
-- history view can diff any two neighbouring versions.
CREATE TABLE hazard_versions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    hazard_id   TEXT NOT NULL REFERENCES hazards(id),
    version     INTEGER NOT NULL,
    snapshot    TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (hazard_id, version)
);

-- Issued hazard log versions: written once when a CSO approves, never updated.
CREATE TABLE hazard_log_issues (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    system_id         TEXT NOT NULL REFERENCES risk_systems(id),
    seq               INTEGER NOT NULL,
    version           TEXT NOT NULL,
    snapshot          TEXT NOT NULL,
    content_hash      TEXT NOT NULL,
    approved_by_id    TEXT NOT NULL,
    approved_by_name  TEXT NOT NULL,
    issued_at         TIMESTAMPTZ NOT NULL,
    comment           TEXT NOT NULL,
    UNIQUE (system_id, seq)
);

-- The editable draft of a system's Clinical Safety Case Report.
CREATE TABLE cscr_drafts (
    system_id         TEXT PRIMARY KEY REFERENCES risk_systems(id),
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    document_version  TEXT NOT NULL,
    phase             TEXT NOT NULL,
    narratives        TEXT NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);

-- Issued CSCRs: immutable, tied to the issued hazard log they used.
CREATE TABLE cscr_issues (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    system_id         TEXT NOT NULL REFERENCES risk_systems(id),
    log_issue_id      TEXT NOT NULL REFERENCES hazard_log_issues(id),
    document_version  TEXT NOT NULL,
    snapshot          TEXT NOT NULL,
    issued_by_id      TEXT NOT NULL,
    issued_by_name    TEXT NOT NULL,
    issued_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX cscr_issues_system ON cscr_issues (system_id, issued_at);

-- The organisation's Clinical Risk Management Plan.
CREATE TABLE risk_plans (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    matrix      TEXT NOT NULL,
    roles       TEXT NOT NULL,
    phases      TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Compliance checklist answers per clause of DCB0129 or DCB0160.
CREATE TABLE compliance_answers (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    standard    TEXT NOT NULL,
    clause      TEXT NOT NULL,
    answer      TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, standard, clause)
);
