-- The linked changes of the change-related incidents the dashboard's table shows (one screenful),
-- with the end time the KPI engine uses (actual, else planned). $tenants and $change_ids are
-- parallel lists: the (tenant, change) pairs of the shown rows, so no other change is read.
WITH wanted AS (
    SELECT DISTINCT unnest($tenants) AS tenant, unnest($change_ids) AS change_id
)
SELECT c.tenant, c.change_id, c.title, coalesce(c.actual_end, c.planned_end) AS ended_at
FROM changes AS c
JOIN wanted AS w ON c.tenant = w.tenant AND c.change_id = w.change_id
ORDER BY ended_at, c.change_id;
