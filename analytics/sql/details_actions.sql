-- PIR and mitigation actions with their follow-through status as of $as_of.
SELECT action_id, incident_id, kind, title, owner, priority, due_at, completed_at, depends_on,
       CASE
           WHEN completed_at IS NOT NULL AND (due_at IS NULL OR completed_at <= due_at) THEN 'done_on_time'
           WHEN completed_at IS NOT NULL THEN 'done_late'
           WHEN due_at IS NOT NULL AND due_at < $as_of THEN 'overdue'
           ELSE 'open'
       END AS status,
       CASE WHEN completed_at IS NULL AND due_at < $as_of
            THEN date_diff('day', due_at, $as_of) END AS days_overdue,
       tenant
FROM actions
WHERE $tenant = 'ALL' OR tenant = $tenant
ORDER BY (completed_at IS NULL AND due_at < $as_of) DESC, due_at, action_id;
