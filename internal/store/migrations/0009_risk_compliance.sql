-- The compliance checklists follow the standards' own requirement
-- numbering (DCB0129 Specification v4.2 and DCB0160 Specification v3.2,
-- one requirement per line; see risk.ClauseGroups). The old checklist had
-- one coarse item per subsection ("2.1" to "7.3"). This migration carries
-- each stored answer to the requirements that say the same thing
-- (risk.OldChecklist is the same mapping, and a test holds the two
-- together) and keeps every old answer, marked with the text of the old
-- item, so nothing is lost: answers with no counterpart of the same
-- meaning stay there for the Clinical Safety Officer to review.
--
-- carried_from: on an answer to the current checklist, the old clause it
-- was carried over from (cleared when someone saves that answer).
-- old_text: set on an answer to the old checklist (its clause is the old
-- number); what that old item asked.
--
-- The audit-entity line below is read by the migration runner: its query runs
-- before this migration and names the audited entities it changes, and an
-- audit entry is written for each, in the same transaction, after it.
-- audit-entity compliance: SELECT DISTINCT org_id, standard FROM compliance_answers
-- audit-entity plan: SELECT org_id, org_id FROM risk_plans WHERE matrix LIKE '%"justify_from":4%' OR matrix LIKE '%"justify_from":5%'

ALTER TABLE compliance_answers ADD COLUMN carried_from TEXT NOT NULL DEFAULT '';
ALTER TABLE compliance_answers ADD COLUMN old_text TEXT NOT NULL DEFAULT '';

CREATE TABLE compliance_map_0009 (
    standard    TEXT NOT NULL,
    old_clause  TEXT NOT NULL,
    new_clause  TEXT NOT NULL,
    old_text    TEXT NOT NULL
);

INSERT INTO compliance_map_0009 (standard, old_clause, new_clause, old_text) VALUES
    ('DCB0129', '2.1', '2.1.1', 'The manufacturer has a clinical risk management process that is documented and covers the whole life of the health IT system.'),
    ('DCB0129', '2.2', '', 'Top management provides resources, sets authorisation levels and nominates a Clinical Safety Officer.'),
    ('DCB0129', '2.3', '', 'A Clinical Safety Officer, a registered and suitably experienced clinician, approves the safety documentation.'),
    ('DCB0129', '2.4', '2.4.1', 'Everyone doing clinical risk management work is competent, and records of their competence are kept.'),
    ('DCB0129', '2.4', '2.4.2', 'Everyone doing clinical risk management work is competent, and records of their competence are kept.'),
    ('DCB0129', '2.5', '2.5.1', 'Clinical risks from third-party products used within the health IT system are managed.'),
    ('DCB0129', '2.6', '2.6.1', 'The clinical risk management process is reviewed at planned intervals and improved.'),
    ('DCB0129', '3.1', '3.1.2', 'A clinical risk management file holds the evidence and is kept for the life of the health IT system.'),
    ('DCB0129', '3.1', '3.1.3', 'A clinical risk management file holds the evidence and is kept for the life of the health IT system.'),
    ('DCB0129', '3.2', '3.2.1', 'A clinical risk management plan sets out activities, responsibilities and acceptability criteria.'),
    ('DCB0129', '3.3', '3.3.1', 'A hazard log is kept up to date and each issued version is approved by the Clinical Safety Officer.'),
    ('DCB0129', '3.3', '3.3.2', 'A hazard log is kept up to date and each issued version is approved by the Clinical Safety Officer.'),
    ('DCB0129', '3.4', '3.4.1', 'A clinical safety case argues, with evidence, that the health IT system is safe to use.'),
    ('DCB0129', '3.5', '3.5.1', 'A clinical safety case report is issued for each lifecycle phase and each change that alters risk.'),
    ('DCB0129', '3.5', '7.3.3', 'A clinical safety case report is issued for each lifecycle phase and each change that alters risk.'),
    ('DCB0129', '3.6', '3.6.1', 'A safety incident management log records incidents after deployment and how they were resolved.'),
    ('DCB0129', '3.6', '7.2.5', 'A safety incident management log records incidents after deployment and how they were resolved.'),
    ('DCB0129', '4.1', '4.2.1', 'The scope of the analysis, including the system boundary and interfaces, is defined.'),
    ('DCB0129', '4.2', '4.2.2', 'The intended use and clinical context of the health IT system are described.'),
    ('DCB0129', '4.3', '4.3.1', 'Hazards are identified systematically and recorded in the hazard log.'),
    ('DCB0129', '4.4', '4.4.1', 'For each hazard the severity and likelihood are estimated and a risk rating assigned.'),
    ('DCB0129', '5.1', '5.1.1', 'Each risk is judged against the acceptability criteria in the clinical risk management plan.'),
    ('DCB0129', '5.2', '', 'Risks that are not acceptable are identified for control.'),
    ('DCB0129', '6.1', '6.1.1', 'Controls are chosen in order of preference, design first, and recorded against each hazard.'),
    ('DCB0129', '6.2', '6.1.4', 'The residual risk is estimated and evaluated once controls are in place.'),
    ('DCB0129', '6.3', '6.2.1', 'Where residual risk stays unacceptable, a documented risk-benefit decision is made.'),
    ('DCB0129', '6.4', '6.3.2', 'Each control is shown to be implemented, and verified to be effective.'),
    ('DCB0129', '6.4', '6.3.3', 'Each control is shown to be implemented, and verified to be effective.'),
    ('DCB0129', '6.5', '6.4.1', 'The manufacturer checks that every identified hazard has been considered and the controls are complete.'),
    ('DCB0129', '7.1', '', 'Safety-related information reaches those who need it before the health IT system goes live.'),
    ('DCB0129', '7.2', '7.2.1', 'The manufacturer monitors the health IT system in use and acts on incidents and new hazards.'),
    ('DCB0129', '7.3', '7.3.1', 'Changes are assessed for their clinical risk, and the safety documentation is updated.'),
    ('DCB0160', '2.1', '2.1.1', 'The health organisation has a clinical risk management process that is documented and covers the whole life of the health IT system being deployed.'),
    ('DCB0160', '2.2', '', 'Top management provides resources, sets authorisation levels and nominates a Clinical Safety Officer.'),
    ('DCB0160', '2.3', '', 'A Clinical Safety Officer, a registered and suitably experienced clinician, approves the safety documentation.'),
    ('DCB0160', '2.4', '2.4.1', 'Everyone doing clinical risk management work is competent, and records of their competence are kept.'),
    ('DCB0160', '2.4', '2.4.2', 'Everyone doing clinical risk management work is competent, and records of their competence are kept.'),
    ('DCB0160', '2.5', '2.6.1', 'Clinical risks from third-party products used within the health IT system being deployed are managed.'),
    ('DCB0160', '2.6', '2.7.1', 'The clinical risk management process is reviewed at planned intervals and improved.'),
    ('DCB0160', '3.1', '3.1.2', 'A clinical risk management file holds the evidence and is kept for the life of the health IT system being deployed.'),
    ('DCB0160', '3.1', '3.1.3', 'A clinical risk management file holds the evidence and is kept for the life of the health IT system being deployed.'),
    ('DCB0160', '3.2', '3.2.1', 'A clinical risk management plan sets out activities, responsibilities and acceptability criteria.'),
    ('DCB0160', '3.3', '3.3.1', 'A hazard log is kept up to date and each issued version is approved by the Clinical Safety Officer.'),
    ('DCB0160', '3.3', '3.3.2', 'A hazard log is kept up to date and each issued version is approved by the Clinical Safety Officer.'),
    ('DCB0160', '3.4', '3.4.1', 'A clinical safety case argues, with evidence, that the health IT system being deployed is safe to use.'),
    ('DCB0160', '3.5', '3.5.1', 'A clinical safety case report is issued for each lifecycle phase and each change that alters risk.'),
    ('DCB0160', '3.5', '7.3.3', 'A clinical safety case report is issued for each lifecycle phase and each change that alters risk.'),
    ('DCB0160', '3.6', '3.6.1', 'A safety incident management log records incidents after deployment and how they were resolved.'),
    ('DCB0160', '3.6', '7.2.5', 'A safety incident management log records incidents after deployment and how they were resolved.'),
    ('DCB0160', '4.1', '4.2.1', 'The scope of the analysis, including the system boundary and interfaces, is defined.'),
    ('DCB0160', '4.2', '4.2.2', 'The intended use and clinical context of the health IT system being deployed are described.'),
    ('DCB0160', '4.3', '4.3.1', 'Hazards are identified systematically and recorded in the hazard log.'),
    ('DCB0160', '4.4', '4.4.1', 'For each hazard the severity and likelihood are estimated and a risk rating assigned.'),
    ('DCB0160', '5.1', '5.1.1', 'Each risk is judged against the acceptability criteria in the clinical risk management plan.'),
    ('DCB0160', '5.2', '', 'Risks that are not acceptable are identified for control.'),
    ('DCB0160', '6.1', '6.1.1', 'Controls are chosen in order of preference, design first, and recorded against each hazard.'),
    ('DCB0160', '6.2', '6.1.4', 'The residual risk is estimated and evaluated once controls are in place.'),
    ('DCB0160', '6.3', '6.2.1', 'Where residual risk stays unacceptable, a documented risk-benefit decision is made.'),
    ('DCB0160', '6.4', '6.3.2', 'Each control is shown to be implemented, and verified to be effective.'),
    ('DCB0160', '6.4', '6.3.3', 'Each control is shown to be implemented, and verified to be effective.'),
    ('DCB0160', '6.5', '6.4.1', 'The health organisation checks that every identified hazard has been considered and the controls are complete.'),
    ('DCB0160', '7.1', '', 'Safety-related information reaches those who need it before the health IT system being deployed goes live.'),
    ('DCB0160', '7.2', '7.2.1', 'The health organisation monitors the health IT system being deployed in use and acts on incidents and new hazards.'),
    ('DCB0160', '7.3', '7.3.1', 'Changes are assessed for their clinical risk, and the safety documentation is updated.');

INSERT INTO compliance_answers (org_id, standard, clause, answer, evidence, updated_at, carried_from)
SELECT a.org_id, a.standard, m.new_clause, a.answer, a.evidence, a.updated_at, a.clause
FROM compliance_answers a JOIN compliance_map_0009 m ON m.standard = a.standard AND m.old_clause = a.clause
WHERE m.new_clause <> '';

UPDATE compliance_answers SET old_text = (
    SELECT MIN(m.old_text) FROM compliance_map_0009 m
    WHERE m.standard = compliance_answers.standard AND m.old_clause = compliance_answers.clause)
WHERE carried_from = '' AND EXISTS (
    SELECT 1 FROM compliance_map_0009 m
    WHERE m.standard = compliance_answers.standard AND m.old_clause = compliance_answers.clause);

DROP TABLE compliance_map_0009;

-- A residual rating of 3 or more needs a recorded rationale whatever the
-- plan says (risk.JustifyFloor): plans that asked for one only from 4 or 5
-- now ask from 3.
UPDATE risk_plans SET matrix = REPLACE(REPLACE(matrix, '"justify_from":4', '"justify_from":3'), '"justify_from":5', '"justify_from":3')
WHERE matrix LIKE '%"justify_from":4%' OR matrix LIKE '%"justify_from":5%';
