-- Implants without a GTIN: an HIBC-labelled device is identified by its
-- labeler identification code (LIC) and product or catalogue number, and a
-- device typed by hand may have only its manufacturer's name and catalogue
-- number. gtin is '' for such a device. unit_of_measure is the HIBC unit of
-- measure digit, '' when not known. The new columns are '' on rows written
-- before them, which the audit content hashes leave out (see the content
-- registry), so those rows keep the hash recorded when they were written.
ALTER TABLE implants ADD COLUMN labeler TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE implants ADD COLUMN manufacturer TEXT NOT NULL DEFAULT '';
ALTER TABLE implants ADD COLUMN catalogue TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE implants ADD COLUMN unit_of_measure TEXT NOT NULL DEFAULT '';

-- Recalls and device histories find HIBC devices by labeler and catalogue
-- number, as the (org_id, gtin, ...) indexes find GS1 ones.
CREATE INDEX implants_labeler_catalogue ON implants (org_id, labeler, catalogue, lot);
CREATE INDEX implants_labeler_serial ON implants (org_id, labeler, catalogue, serial);
