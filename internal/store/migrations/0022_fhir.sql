-- FHIR R4 API: the scopes of API tokens, the versions of each safety
-- event as a FHIR AdverseEvent, and the identifiers clients gave the
-- events they created (conditional create, identifier search).

-- Scopes an API token is granted on the FHIR API, space-separated
-- ("AdverseEvent.read AdverseEvent.write Device.read", "*.read"). Empty,
-- as for every token made before, grants none: a token must be given
-- FHIR scopes to use the FHIR API.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT '';

-- Each version of each submitted event as the FHIR mapping reads it,
-- written in the transaction of every change of the event (a follower
-- of "event"), so that vread of an old version works whatever changed
-- the event. Derived from the audited event: no audit entries of its own.
CREATE TABLE fhir_versions (
    event_id      TEXT NOT NULL REFERENCES events(id),
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    version       INTEGER NOT NULL,
    snapshot      TEXT NOT NULL,  -- the event as the mapping reads it (JSON)
    last_updated  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (event_id, version)
);
CREATE INDEX fhir_versions_org ON fhir_versions (org_id, event_id);

-- The identifier a client gave the AdverseEvent it created (its own
-- system and value), one event per identifier in an organisation.
CREATE TABLE fhir_identifiers (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    system      TEXT NOT NULL,
    value       TEXT NOT NULL,
    event_id    TEXT NOT NULL REFERENCES events(id),
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, system, value)
);
CREATE INDEX fhir_identifiers_event ON fhir_identifiers (event_id);
