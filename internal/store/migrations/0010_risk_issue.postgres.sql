-- Clinical risk: what an issued safety case report needs, and versions that
-- never repeat.
-- The report draft names its author (who may not be the approving CSO) and
-- the CSO's professional registration (DCB0129/DCB0160 2.3.2).
ALTER TABLE cscr_drafts ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE cscr_drafts ADD COLUMN cso_registration TEXT NOT NULL DEFAULT '';

-- A hazard log version number is issued once per system.
CREATE UNIQUE INDEX hazard_log_issues_version ON hazard_log_issues (system_id, version);

-- A safety case report version is issued once per system. Reports issued
-- before this migration may already repeat a version; they stay as they are
-- (issued reports are immutable), the earliest holds the version, and no
-- further report can take it. The trigger fills the table on every insert,
-- so the rule holds however a report is written.
CREATE TABLE cscr_versions (
    system_id         TEXT NOT NULL REFERENCES risk_systems(id),
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    document_version  TEXT NOT NULL,
    cscr_issue_id     TEXT NOT NULL REFERENCES cscr_issues(id),
    PRIMARY KEY (system_id, document_version)
);
INSERT INTO cscr_versions (system_id, org_id, document_version, cscr_issue_id)
    SELECT system_id, MIN(org_id), document_version, MIN(id) FROM cscr_issues GROUP BY system_id, document_version;

CREATE FUNCTION cscr_issue_version_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cscr_versions (system_id, org_id, document_version, cscr_issue_id)
    VALUES (NEW.system_id, NEW.org_id, NEW.document_version, NEW.id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER cscr_issues_version_once AFTER INSERT ON cscr_issues
    FOR EACH ROW EXECUTE FUNCTION cscr_issue_version_once();
CREATE TRIGGER cscr_versions_immutable BEFORE UPDATE OR DELETE ON cscr_versions
    FOR EACH ROW EXECUTE FUNCTION risk_issued_immutable();
