-- Tamper-evident audit trail: each entry records a hash of the changed
-- entity's content (empty on older entries), an index finds an entity's
-- entries, and the database refuses to change or remove an audit entry.
-- The trigger syntax differs by engine.

ALTER TABLE audit_log ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
