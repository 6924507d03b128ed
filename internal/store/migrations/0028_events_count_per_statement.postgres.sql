-- Events inserted many to a statement (an import writes 500 to an INSERT)
-- are counted once per statement and status, not once per row: on
-- PostgreSQL each update of a row adds a version of it that the rest of
-- the transaction must step over, so a million single-row updates of the
-- same count in one import's transaction would slow down as they go.
-- Deletes and status changes still count row by row (0017).
CREATE FUNCTION event_status_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_status_counts AS c (org_id, status, n)
        SELECT org_id, status, COUNT(*) FROM inserted GROUP BY org_id, status ORDER BY org_id, status
        ON CONFLICT (org_id, status) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END;
$$;
DROP TRIGGER events_count ON events;
CREATE TRIGGER events_count AFTER DELETE ON events FOR EACH ROW EXECUTE FUNCTION event_status_count();
CREATE TRIGGER events_count_insert AFTER INSERT ON events REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION event_status_count_inserted();
