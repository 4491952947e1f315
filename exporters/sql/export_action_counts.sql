-- Actions of $tenant per follow-through status as of $as_of: analytics/sql/details_actions.sql's
-- status rule (tests/test_export_context.py holds the two to the same counts), over the two
-- columns it needs: the artefacts show counts, not the tenant's every action (167,000 at 1M incidents).
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
