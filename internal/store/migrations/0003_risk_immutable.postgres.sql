-- Clinical risk: issued hazard logs and issued safety case reports are
-- immutable. The store has no update path for them; these triggers refuse
-- any UPDATE or DELETE at the database too. The syntax differs by engine.

-- Issued hazard logs and issued reports can never be changed or removed.
CREATE FUNCTION risk_issued_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER hazard_log_issues_immutable BEFORE UPDATE OR DELETE ON hazard_log_issues
    FOR EACH ROW EXECUTE FUNCTION risk_issued_immutable();
CREATE TRIGGER cscr_issues_immutable BEFORE UPDATE OR DELETE ON cscr_issues
    FOR EACH ROW EXECUTE FUNCTION risk_issued_immutable();
