-- One device, one serial number, whatever its case. Recalls compare
-- serial numbers as devices.NormalizeCode gives them (trimmed, upper
-- case), and so do the checks that a serial number is not already
-- recorded in another patient, and a device's history by serial number.
-- The expressions are spelt exactly as devicesdb's codeSQL writes them,
-- so that both engines use these indexes; the byte-for-byte serial
-- indexes they replace served only those lookups.
DROP INDEX implants_gtin_serial;
CREATE INDEX implants_gtin_serial_code ON implants (org_id, gtin, UPPER(TRIM(serial)));
DROP INDEX implants_labeler_serial;
CREATE INDEX implants_labeler_serial_code ON implants (org_id, labeler, catalogue, UPPER(TRIM(serial)));

-- A recall naming a catalogue number (REF) finds the devices recorded
-- with that catalogue number, GTIN or not, by its near form
-- (devices.NearCode), spelt exactly as devicesdb's nearKeySQL writes it.
CREATE INDEX implants_catalogue_key ON implants (org_id, LTRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(UPPER(catalogue), '-', ''), '.', ''), '/', ''), '_', ''), ' ', ''), '0'));
