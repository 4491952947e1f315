-- The overdue actions of $tenant as of $as_of: exactly the rows details_actions.sql marks
-- 'overdue' (not completed, due before $as_of), with its columns and order, read without the
-- tenant's other actions (nearly all done: 167,000 per tenant at 1M incidents, ~300 overdue).
-- One query for every view (the dashboard's follow-through section, the artefacts).
SELECT action_id, incident_id, kind, title, owner, priority, due_at, completed_at, depends_on,
       'overdue' AS status, date_diff('day', due_at, $as_of) AS days_overdue, tenant
FROM actions
WHERE ($tenant = 'ALL' OR tenant = $tenant) AND completed_at IS NULL AND due_at < $as_of
ORDER BY due_at, action_id;
