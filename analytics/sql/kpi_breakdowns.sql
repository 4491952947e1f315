-- KPI engine: breakdowns of the incident KPIs over the whole selected period, by priority,
-- service and assignment group (a missing key is "(none)"). Value and n as in `overall`.
SELECT b.view AS tenant,
       CASE WHEN grouping(c.priority) = 0 THEN 'priority'
            WHEN grouping(c.service) = 0 THEN 'service'
            ELSE 'assignment_group' END AS dimension,
       coalesce(CASE WHEN grouping(c.priority) = 0 THEN CAST(c.priority AS VARCHAR)
                     WHEN grouping(c.service) = 0 THEN c.service
                     ELSE c.assignment_group END, '(none)') AS "key",
       b.kpi,
       count(b.x) AS nx, avg(b.x) AS mean, sum(b.num) AS num, sum(b.den) AS den
FROM kpi_iv b
JOIN kpi_inc c USING (iid)
GROUP BY GROUPING SETS ((b.view, b.kpi, c.priority), (b.view, b.kpi, c.service),
                        (b.view, b.kpi, c.assignment_group));
