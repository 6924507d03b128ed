-- Recalls that miss no one, and closing a recall honestly.
--
-- A product's catalogue number (REF on the label), so a recall can name
-- products by manufacturer and catalogue number as well as by GTIN;
-- catalogue_key is its near form (devices.NearCode), written by the
-- catalogue import, for the recall matcher's lookup.
ALTER TABLE device_products ADD COLUMN catalogue_number TEXT NOT NULL DEFAULT '';
ALTER TABLE device_products ADD COLUMN catalogue_key TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX device_products_catalogue ON device_products (org_id, catalogue_key);

-- Why a recall was closed while patients' work was open, and when.
ALTER TABLE recalls ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE recalls ADD COLUMN closed_at TIMESTAMPTZ;

-- Why a patient is in the recall's list: affected, possible (possibly
-- affected, to check) or explanted (only devices since removed match).
-- '' on rows written before this column: they were all affected. The
-- new columns are empty on earlier rows, so those rows keep the audit
-- content hash recorded for them.
ALTER TABLE recall_actions ADD COLUMN basis TEXT NOT NULL DEFAULT '';
CREATE INDEX recall_actions_list ON recall_actions (recall_id, basis, status);

-- Recalls compare lots and serial numbers by their near form
-- (devices.NearCode: upper case, without - . / _ and spaces, without
-- leading zeros), so that "abc123", "ABC-123" and "0ABC123" are all found
-- for review. The expressions are spelt exactly as devicesdb's
-- nearKeySQL writes them, so that both engines use these indexes. The
-- byte-for-byte lot index served only recalls and is replaced.
DROP INDEX implants_gtin_lot;
CREATE INDEX implants_gtin_lot_key ON implants (org_id, gtin, LTRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(UPPER(lot), '-', ''), '.', ''), '/', ''), '_', ''), ' ', ''), '0'));
CREATE INDEX implants_gtin_serial_key ON implants (org_id, gtin, LTRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(UPPER(serial), '-', ''), '.', ''), '/', ''), '_', ''), ' ', ''), '0'));
