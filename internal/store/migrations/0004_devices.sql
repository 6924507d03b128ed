-- Implanted devices: the product catalogue, patients, procedures, the
-- devices implanted in them, recalls and the recall work per patient.
-- Dates without a time (birth, procedure, expiry, issue, deadline) are TEXT
-- 'YYYY-MM-DD' on both engines, so they compare and index the same way.
-- The device identity columns are COLLATE "C" (BINARY on SQLite, rewritten
-- by the dialect): recalls compare lots, serials and expiry dates in byte
-- order, whatever the database locale.

CREATE TABLE device_products (
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    gtin          TEXT COLLATE "C" NOT NULL,
    manufacturer  TEXT NOT NULL,
    brand         TEXT NOT NULL,
    model         TEXT NOT NULL,
    description   TEXT NOT NULL,
    device_type   INTEGER NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, gtin)
);

CREATE TABLE implant_patients (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    nhs_number  TEXT NOT NULL,
    name        TEXT NOT NULL,
    birth_date  TEXT NOT NULL,
    address     TEXT NOT NULL,
    postcode    TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, nhs_number)
);

CREATE TABLE implant_procedures (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    patient_id    TEXT NOT NULL REFERENCES implant_patients(id),
    performed_on  TEXT NOT NULL,
    site          TEXT NOT NULL,
    laterality    TEXT NOT NULL,
    clinician     TEXT NOT NULL,
    description   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX implant_procedures_patient ON implant_procedures (patient_id);
CREATE INDEX implant_procedures_org ON implant_procedures (org_id, id);

-- One row per device implanted. patient_id is copied from the procedure so
-- that recall matching reads one table. The three (org_id, gtin, ...)
-- indexes serve the three ways a recall names devices: lots (lists and
-- ranges), serial numbers and expiry windows.
CREATE TABLE implants (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    procedure_id    TEXT NOT NULL REFERENCES implant_procedures(id),
    patient_id      TEXT NOT NULL REFERENCES implant_patients(id),
    gtin            TEXT COLLATE "C" NOT NULL,
    lot             TEXT COLLATE "C" NOT NULL,
    serial          TEXT COLLATE "C" NOT NULL,
    expiry          TEXT COLLATE "C" NOT NULL,
    raw             TEXT NOT NULL,
    entry_type      TEXT NOT NULL,
    in_catalogue    BOOLEAN NOT NULL,
    explanted_on    TEXT,
    explant_reason  TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX implants_gtin_lot ON implants (org_id, gtin, lot);
CREATE INDEX implants_gtin_serial ON implants (org_id, gtin, serial);
CREATE INDEX implants_gtin_expiry ON implants (org_id, gtin, expiry);
CREATE INDEX implants_procedure ON implants (procedure_id);
CREATE INDEX implants_patient ON implants (patient_id);

CREATE TABLE recalls (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    reference        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    issuer           TEXT NOT NULL,
    issued_on        TEXT NOT NULL,
    manufacturer     TEXT NOT NULL,
    action_required  TEXT NOT NULL,
    deadline         TEXT NOT NULL,
    status           TEXT NOT NULL,
    affects          TEXT NOT NULL, -- JSON array of implant.Rule
    created_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, reference)
);
CREATE INDEX recalls_org_status ON recalls (org_id, status);

-- The recall work for each affected patient, to completion.
CREATE TABLE recall_actions (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    recall_id   TEXT NOT NULL REFERENCES recalls(id),
    patient_id  TEXT NOT NULL REFERENCES implant_patients(id),
    status      TEXT NOT NULL,
    note        TEXT NOT NULL,
    devices     INTEGER NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (recall_id, patient_id)
);
CREATE INDEX recall_actions_patient ON recall_actions (patient_id);
