-- The overdue actions of several tenants, each as of its own data time:
-- analytics/sql/details_actions_overdue.sql for every (tenant, as_of) pair of the parallel lists
-- $tenants / $as_ofs in one scan of the table (the tenants' rows are interleaved in it, so a
-- scan per tenant reads the whole table each time).
WITH tenant_as_of AS (
    SELECT unnest($tenants) AS tenant, unnest($as_ofs) AS as_of
)
SELECT a.action_id, a.incident_id, a.kind, a.title, a.owner, a.priority, a.due_at, a.completed_at,
       a.depends_on, 'overdue' AS status, date_diff('day', a.due_at, o.as_of) AS days_overdue, a.tenant
FROM actions AS a
JOIN tenant_as_of AS o ON a.tenant = o.tenant
WHERE a.completed_at IS NULL AND a.due_at < o.as_of
ORDER BY a.tenant, a.due_at, a.action_id;
