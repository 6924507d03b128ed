-- Why a hazard was changed: the reason the editor gives, kept with the
-- version it made. Empty on versions saved before this column (and on a
-- hazard's first version), so those rows keep their audit content hash.
ALTER TABLE hazard_versions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
