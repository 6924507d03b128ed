-- A chart with more than one filter reads each event's own keys of an
-- organisation over a span of days (evidencedb combinedDaily): without
-- this index every chart read the whole table.
CREATE INDEX evidence_event_counts_org_day ON evidence_event_counts (org_id, day);
