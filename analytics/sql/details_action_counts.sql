-- Actions of $tenant per follow-through status as of $as_of: details_actions.sql's status rule
-- (tests hold the two to the same counts), over the two columns it needs: views show counts,
-- not the tenant's every action (167,000 at 1M incidents). One query for every view.
SELECT CASE
           WHEN completed_at IS NOT NULL AND (due_at IS NULL OR completed_at <= due_at) THEN 'done_on_time'
           WHEN completed_at IS NOT NULL THEN 'done_late'
           WHEN due_at IS NOT NULL AND due_at < $as_of THEN 'overdue'
           ELSE 'open'
       END AS status,
       count(*) AS n
FROM actions
WHERE $tenant = 'ALL' OR tenant = $tenant
GROUP BY status
ORDER BY status;
