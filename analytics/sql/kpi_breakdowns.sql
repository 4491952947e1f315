-- KPI engine: breakdowns of the incident KPIs over the whole selected period, by priority,
-- service and assignment group (a missing key is "(none)"). Value and n as in `overall`
-- (status.add_values): a rate's items carry num/den, a duration's x, so the pooled sums say
-- which is which.
--
-- One pass over the items: grouping sets per tenant, key and view membership (each set's
-- cardinality is that of its own dimension; grouping by all three keys at once first would
-- make nearly one group per item), then rolled up per view (sums and counts add up; no
-- quantile is needed). Ordered here, so the engine fetches the frame as it is.
WITH j AS (
    SELECT i.tenant, i.kpi, i.x, i.num, i.den,
           i.week_t IS NOT NULL AS in_tenant, i.week_a IS NOT NULL AS in_all,
           c.priority, c.service, c.assignment_group
    FROM kpi_it i
    JOIN kpi_inc c USING (iid)
), sums AS (
    SELECT tenant, kpi, in_tenant, in_all,
           CASE WHEN grouping(priority) = 0 THEN 'priority'
                WHEN grouping(service) = 0 THEN 'service'
                ELSE 'assignment_group' END AS dimension,
           coalesce(CASE WHEN grouping(priority) = 0 THEN CAST(priority AS VARCHAR)
                         WHEN grouping(service) = 0 THEN service
                         ELSE assignment_group END, '(none)') AS "key",
           count(x) AS nx, sum(kpi_us(x)) AS sx, sum(num) AS num, sum(den) AS den
    FROM j
    GROUP BY GROUPING SETS ((tenant, kpi, in_tenant, in_all, priority),
                            (tenant, kpi, in_tenant, in_all, service),
                            (tenant, kpi, in_tenant, in_all, assignment_group))
), per_view AS (
    SELECT tenant AS view, * EXCLUDE (tenant) FROM sums WHERE in_tenant
    UNION ALL
    SELECT 'ALL', * EXCLUDE (tenant) FROM sums WHERE in_all
), pooled AS (
    SELECT view, dimension, "key", kpi,
           sum(nx) AS nx, CAST(sum(sx) AS DOUBLE) / nullif(sum(nx), 0) / 60000000.0 AS mean, sum(num) AS num, sum(den) AS den,
           count(den) > 0 AS is_rate
    FROM per_view
    WHERE view IN (SELECT view FROM kpi_views)
    GROUP BY ALL
), valued AS (
    SELECT view, dimension, "key", kpi,
           CAST(CASE WHEN is_rate THEN round(coalesce(den, 0)) ELSE nx END AS BIGINT) AS n,
           CASE WHEN is_rate THEN CASE WHEN den > 0 THEN 100.0 * num / den END ELSE mean END AS value
    FROM pooled
)
SELECT view AS tenant, dimension, "key", kpi, CASE WHEN n > 0 THEN value END AS value, n
FROM valued
ORDER BY tenant, dimension, "key", kpi;
