-- Tamper-evident audit trail: each entry records a hash of the changed
-- entity's content (empty on older entries), an index finds an entity's
-- entries, and the database refuses to change, remove or truncate an audit
-- entry. The trigger syntax differs by engine.

ALTER TABLE audit_log ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
