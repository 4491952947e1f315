-- Change requests of a tenant, with the end time the KPI engine uses (actual, else planned).
SELECT tenant, change_id, title, ci, service, type, risk, state, close_code,
       planned_start, planned_end, actual_start, actual_end,
       coalesce(actual_end, planned_end) AS ended_at
FROM changes
WHERE $tenant = 'ALL' OR tenant = $tenant
ORDER BY ended_at, change_id;
