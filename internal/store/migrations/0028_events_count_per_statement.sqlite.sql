-- On SQLite a count updated row by row is updated in place (0017's
-- triggers stay): nothing to change. PostgreSQL counts inserted events
-- once per statement from here on.
SELECT 1;
