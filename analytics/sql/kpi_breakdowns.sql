-- KPI engine: breakdowns of the incident KPIs over the whole selected period, by priority,
-- service and assignment group (a missing key is "(none)"). Value and n as in `overall`.
-- One pass over the items: sums per tenant, key and view membership, then rolled up per
-- view (sums and counts add up; no quantile is needed here).
WITH sums AS (
    SELECT i.tenant, i.kpi, c.priority, c.service, c.assignment_group,
           i.week_t IS NOT NULL AS in_tenant, i.week_a IS NOT NULL AS in_all,
           count(i.x) AS nx, sum(i.x) AS sx, sum(i.num) AS num, sum(i.den) AS den
    FROM kpi_it i
    JOIN kpi_inc c USING (iid)
    GROUP BY ALL
), per_view AS (
    SELECT tenant AS view, * EXCLUDE (tenant) FROM sums WHERE in_tenant
    UNION ALL
    SELECT 'ALL', * EXCLUDE (tenant) FROM sums WHERE in_all
)
SELECT view AS tenant,
       CASE WHEN grouping(priority) = 0 THEN 'priority'
            WHEN grouping(service) = 0 THEN 'service'
            ELSE 'assignment_group' END AS dimension,
       coalesce(CASE WHEN grouping(priority) = 0 THEN CAST(priority AS VARCHAR)
                     WHEN grouping(service) = 0 THEN service
                     ELSE assignment_group END, '(none)') AS "key",
       kpi,
       sum(nx) AS nx, sum(sx) / nullif(sum(nx), 0) AS mean, sum(num) AS num, sum(den) AS den
FROM per_view
GROUP BY GROUPING SETS ((view, kpi, priority), (view, kpi, service), (view, kpi, assignment_group));
