-- Digital clinical safety triage: IT incidents linked to the hazards of
-- the system they name (the system's Safety Incident Management Log),
-- incidents shared de-identified with the system's supplier, and devices
-- of events linked to implants in the register. Nothing here is deleted:
-- an unlinked hazard or implant keeps its row with removed_at set.

-- An event linked to a hazard of the event's organisation.
CREATE TABLE event_hazard_links (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events(id),
    hazard_id   TEXT NOT NULL REFERENCES hazards(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    linked_by   TEXT NOT NULL REFERENCES users(id),
    linked_at   TIMESTAMPTZ NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    removed_at  TIMESTAMPTZ,
    removed_by  TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX event_hazard_links_current ON event_hazard_links (event_id, hazard_id) WHERE removed_at IS NULL;
CREATE INDEX event_hazard_links_hazard ON event_hazard_links (org_id, hazard_id);

-- An IT incident shared by the trust (org_id) with the system's supplier
-- organisation (to_org_id): de-identified copies of what may be shared,
-- never the record itself, with the consent to share it.
CREATE TABLE event_shares (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events(id),
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    to_org_id       TEXT NOT NULL REFERENCES organisations(id),
    record_type     TEXT NOT NULL,
    harm            TEXT NOT NULL DEFAULT '',
    occurred_month  TEXT NOT NULL DEFAULT '',   -- YYYY-MM
    system_name     TEXT NOT NULL,
    system_version  TEXT NOT NULL DEFAULT '',
    it_factors      TEXT NOT NULL DEFAULT '',   -- IT involvement factor codes as |1|4|
    description     TEXT NOT NULL,              -- written or edited by the sharing CSO
    consent_by      TEXT NOT NULL,              -- who consented (name and role)
    consent_basis   TEXT NOT NULL,              -- eventsdb.ShareBases code
    consented_on    TEXT NOT NULL,              -- YYYY-MM-DD
    shared_by       TEXT NOT NULL REFERENCES users(id),
    shared_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (event_id, to_org_id)
);
CREATE INDEX event_shares_to ON event_shares (to_org_id, shared_at);

-- A shared incident linked by the supplier (org_id) to a hazard of its
-- own log.
CREATE TABLE event_share_links (
    id          TEXT PRIMARY KEY,
    share_id    TEXT NOT NULL REFERENCES event_shares(id),
    hazard_id   TEXT NOT NULL REFERENCES hazards(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    linked_by   TEXT NOT NULL REFERENCES users(id),
    linked_at   TIMESTAMPTZ NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    removed_at  TIMESTAMPTZ,
    removed_by  TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX event_share_links_current ON event_share_links (share_id, hazard_id) WHERE removed_at IS NULL;
CREATE INDEX event_share_links_hazard ON event_share_links (org_id, hazard_id);

-- Device n (from 0, in the record's devices group) of an event linked to
-- an implant in the register. The implant's GTIN, lot and serial are kept
-- with the link (and the implant id has no foreign key), so the device's
-- history keeps the event even if the implant record is corrected later.
CREATE TABLE event_implant_links (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events(id),
    device_n    INTEGER NOT NULL,
    implant_id  TEXT NOT NULL,
    gtin        TEXT NOT NULL,
    lot         TEXT NOT NULL DEFAULT '',
    serial      TEXT NOT NULL DEFAULT '',
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    linked_by   TEXT NOT NULL REFERENCES users(id),
    linked_at   TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ,
    removed_by  TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX event_implant_links_current ON event_implant_links (event_id, device_n) WHERE removed_at IS NULL;
CREATE INDEX event_implant_links_gtin ON event_implant_links (org_id, gtin, serial);

-- MHRA Yellow Card references recorded on device n of an event; the
-- latest is the reference, earlier ones are its history.
CREATE TABLE event_yellow_cards (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES events(id),
    device_n     INTEGER NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    reference    TEXT NOT NULL,
    recorded_by  TEXT NOT NULL REFERENCES users(id),
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_yellow_cards_event ON event_yellow_cards (event_id, device_n);
