-- The implanted devices wing's settings of each organisation. text_gs:
-- the organisation's scanners type the GS separator as text ("<GS>",
-- "{GS}", "^]" ...), so the scan page reads those spellings as the
-- separator by default (devices.ScanOptions.TextGS). No row: the defaults.

CREATE TABLE devices_settings (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    text_gs     BOOLEAN NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
