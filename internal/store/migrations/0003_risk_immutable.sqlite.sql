-- Clinical risk: issued hazard logs and issued safety case reports are
-- immutable. The store has no update path for them; these triggers refuse
-- any UPDATE or DELETE at the database too. The syntax differs by engine.

-- Issued hazard logs and issued reports can never be changed or removed.
CREATE TRIGGER hazard_log_issues_no_update BEFORE UPDATE ON hazard_log_issues
BEGIN SELECT RAISE(ABORT, 'issued hazard logs are immutable'); END;
CREATE TRIGGER hazard_log_issues_no_delete BEFORE DELETE ON hazard_log_issues
BEGIN SELECT RAISE(ABORT, 'issued hazard logs are immutable'); END;
CREATE TRIGGER cscr_issues_no_update BEFORE UPDATE ON cscr_issues
BEGIN SELECT RAISE(ABORT, 'issued safety case reports are immutable'); END;
CREATE TRIGGER cscr_issues_no_delete BEFORE DELETE ON cscr_issues
BEGIN SELECT RAISE(ABORT, 'issued safety case reports are immutable'); END;
