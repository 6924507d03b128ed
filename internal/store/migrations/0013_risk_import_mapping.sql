-- The column mapping a Clinical Safety Officer chose when importing a
-- hazard log kept in another layout, remembered per organisation and per
-- header (the header's cells, ignoring case and spacing, in order; see
-- exchange.HeaderKey) and offered again for the next file with the same
-- columns. header is the header row as a JSON array of strings; mapping is
-- a JSON object from a clinsafe field to a column number (from 0).

CREATE TABLE risk_import_mappings (
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    header_key  TEXT NOT NULL,
    header      TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, header_key)
);
