-- Actions per follow-through status of several tenants, each as of its own data time:
-- analytics/sql/details_action_counts.sql for every (tenant, as_of) pair of the parallel lists
-- $tenants / $as_ofs, in one scan of the table.
WITH tenant_as_of AS (
    SELECT unnest($tenants) AS tenant, unnest($as_ofs) AS as_of
)
SELECT a.tenant,
       CASE
           WHEN a.completed_at IS NOT NULL AND (a.due_at IS NULL OR a.completed_at <= a.due_at) THEN 'done_on_time'
           WHEN a.completed_at IS NOT NULL THEN 'done_late'
           WHEN a.due_at IS NOT NULL AND a.due_at < o.as_of THEN 'overdue'
           ELSE 'open'
       END AS status,
       count(*) AS n
FROM actions AS a
JOIN tenant_as_of AS o ON a.tenant = o.tenant
GROUP BY ALL
ORDER BY a.tenant, status;
