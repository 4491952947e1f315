-- KPI engine: breakdowns of the incident KPIs over the whole selected period, by priority,
-- service and assignment group (a missing key is "(none)"). Value and n as in `overall`
-- (status.add_values): a rate's items carry num/den, a duration's x, so the pooled sums say
-- which is which (a sum of den is NULL for a duration, never for a rate).
--
-- Views, KPIs and each dimension's keys are numbered in their sort order (kpi_breakdown_names.sql),
-- so the grouping and the final order work on integers, and the rows carry those codes: the
-- engine joins the names back in Arrow. Each dimension is summed on its own (grouping by all
-- three keys at once would make nearly one group per item), once per tenant view from the
-- items in the tenant's weeks and once for ALL from the items in the portfolio's: sums and
-- counts, no quantile. Ordered here, so the engine fetches the frame as it is.
WITH inc AS (
    SELECT c.iid, g.k AS kg, p.k AS kp, s.k AS ks
    FROM kpi_inc c
    JOIN kpi_bd_keys g ON g.d = 1 AND g."key" = coalesce(c.assignment_group, '(none)')
    JOIN kpi_bd_keys p ON p.d = 2 AND p."key" = coalesce(CAST(c.priority AS VARCHAR), '(none)')
    JOIN kpi_bd_keys s ON s.d = 3 AND s."key" = coalesce(c.service, '(none)')
), j AS (
    SELECT i.ti, i.ki, i.x, i.num, i.den,
           i.week_t IS NOT NULL AS in_tenant, i.week_a IS NOT NULL AS in_all, c.kg, c.kp, c.ks
    FROM kpi_it i
    JOIN inc c USING (iid)
), pooled AS (
    -- each tenant's own view, from its items in the tenant's weeks
    SELECT ti AS vi, ki, 1 AS d, kg AS k,
           count(x) AS nx, sum(kpi_us(x)) AS sx, sum(num) AS num, sum(den) AS den
    FROM j WHERE in_tenant GROUP BY ALL
    UNION ALL
    SELECT ti, ki, 2, kp, count(x), sum(kpi_us(x)), sum(num), sum(den)
    FROM j WHERE in_tenant GROUP BY ALL
    UNION ALL
    SELECT ti, ki, 3, ks, count(x), sum(kpi_us(x)), sum(num), sum(den)
    FROM j WHERE in_tenant GROUP BY ALL
    UNION ALL
    -- ALL, from every item in the portfolio's weeks
    SELECT (SELECT vi FROM kpi_view_codes WHERE view = 'ALL'), ki, 1, kg,
           count(x), sum(kpi_us(x)), sum(num), sum(den)
    FROM j WHERE in_all GROUP BY ALL
    UNION ALL
    SELECT (SELECT vi FROM kpi_view_codes WHERE view = 'ALL'), ki, 2, kp,
           count(x), sum(kpi_us(x)), sum(num), sum(den)
    FROM j WHERE in_all GROUP BY ALL
    UNION ALL
    SELECT (SELECT vi FROM kpi_view_codes WHERE view = 'ALL'), ki, 3, ks,
           count(x), sum(kpi_us(x)), sum(num), sum(den)
    FROM j WHERE in_all GROUP BY ALL
), valued AS (
    SELECT vi, d, k, ki,
           CAST(CASE WHEN den IS NOT NULL THEN round(den) ELSE nx END AS BIGINT) AS n,
           CASE WHEN den IS NOT NULL THEN CASE WHEN den > 0 THEN 100.0 * num / den END
                ELSE CAST(sx AS DOUBLE) / nullif(nx, 0) / 60000000.0 END AS value
    FROM pooled
)
SELECT CAST(v.vi - 1 AS INTEGER) AS tenant, CAST(v.d - 1 AS INTEGER) AS dimension, v.k AS "key",
       m.ko AS kpi, CASE WHEN v.n > 0 THEN v.value END AS value, v.n
FROM valued v
JOIN kpi_bd_kpis m USING (ki)
ORDER BY v.vi, v.k, m.ko;
