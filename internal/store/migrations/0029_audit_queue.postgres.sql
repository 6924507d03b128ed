-- Audit entries wait here, written in the transaction of the change they
-- record, until the store's sealer chains them onto audit_log (see
-- store/audit_seal.go): on PostgreSQL, chaining in each writer's own
-- transaction held one lock on the log from the chain's head to the
-- commit's flush, so every audited change waited for every other. An
-- entry is moved from here to the log in one transaction; it is never
-- changed, and removed only by that move.
CREATE TABLE audit_queue (
    qid          BIGSERIAL PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    at           TIMESTAMPTZ NOT NULL,
    org_id       TEXT,
    actor_id     TEXT,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    summary      TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX audit_queue_entity ON audit_queue (entity, entity_id);

CREATE FUNCTION audit_queue_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('clinsafe.sealing', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries waiting to be chained cannot be changed or removed';
END;
$$;
CREATE TRIGGER audit_queue_no_change BEFORE UPDATE OR DELETE ON audit_queue
    FOR EACH ROW EXECUTE FUNCTION audit_queue_guard();
CREATE TRIGGER audit_queue_no_truncate BEFORE TRUNCATE ON audit_queue
    FOR EACH STATEMENT EXECUTE FUNCTION audit_queue_guard();
