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
ALTER TABLE recall_actions ADD COLUMN basis TEXT NOT NULL DEFAULT 'affected';
CREATE INDEX recall_actions_list ON recall_actions (recall_id, basis, status);
