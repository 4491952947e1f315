-- KPI engine: breakdowns of the incident KPIs over the whole selected period, by priority,
-- service and assignment group (a missing key is "(none)"). Value and n as in `overall`
-- (status.add_values): a rate's items carry num/den, a duration's x, so the pooled sums say
-- which is which.
--
-- Views, KPIs and each dimension's keys are first numbered in their sort order, so the
-- grouping and the final order work on integers, and names are joined back once at the end
-- (at a million incidents, tens of thousands of services: half the time of grouping on text).
-- Each dimension is summed on its own (grouping by all three keys at once would make nearly
-- one group per item), once per tenant view from the items in the tenant's weeks and once for
-- ALL from the items in the portfolio's: sums and counts, no quantile. Ordered here, so the
-- engine fetches the frame as it is.
WITH dims AS (
    SELECT DISTINCT 1 AS d, coalesce(assignment_group, '(none)') AS "key" FROM kpi_inc
    UNION ALL
    SELECT DISTINCT 2, coalesce(CAST(priority AS VARCHAR), '(none)') FROM kpi_inc
    UNION ALL
    SELECT DISTINCT 3, coalesce(service, '(none)') FROM kpi_inc
), keys AS (
    SELECT d, "key", CAST(row_number() OVER (PARTITION BY d ORDER BY "key") AS INTEGER) AS k FROM dims
), kpis AS (  -- kpi_items.sql's codes, ranked by name for the order of the rows
    SELECT ki, kpi, CAST(row_number() OVER (ORDER BY kpi) AS SMALLINT) AS ko FROM kpi_codes
), inc AS (
    SELECT c.iid, g.k AS kg, p.k AS kp, s.k AS ks
    FROM kpi_inc c
    JOIN keys g ON g.d = 1 AND g."key" = coalesce(c.assignment_group, '(none)')
    JOIN keys p ON p.d = 2 AND p."key" = coalesce(CAST(c.priority AS VARCHAR), '(none)')
    JOIN keys s ON s.d = 3 AND s."key" = coalesce(c.service, '(none)')
), j AS (
    SELECT i.ti, i.ki, i.x, i.num, i.den,
           i.week_t IS NOT NULL AS in_tenant, i.week_a IS NOT NULL AS in_all, c.kg, c.kp, c.ks
    FROM kpi_it i
    JOIN inc c USING (iid)
), pooled AS (
    -- each tenant's own view, from its items in the tenant's weeks
    SELECT ti AS vi, ki, 1 AS d, kg AS k,
           count(x) AS nx, sum(kpi_us(x)) AS sx, sum(num) AS num, sum(den) AS den, count(den) > 0 AS is_rate
    FROM j WHERE in_tenant GROUP BY ALL
    UNION ALL
    SELECT ti, ki, 2, kp, count(x), sum(kpi_us(x)), sum(num), sum(den), count(den) > 0
    FROM j WHERE in_tenant GROUP BY ALL
    UNION ALL
    SELECT ti, ki, 3, ks, count(x), sum(kpi_us(x)), sum(num), sum(den), count(den) > 0
    FROM j WHERE in_tenant GROUP BY ALL
    UNION ALL
    -- ALL, from every item in the portfolio's weeks
    SELECT (SELECT vi FROM kpi_view_codes WHERE view = 'ALL'), ki, 1, kg,
           count(x), sum(kpi_us(x)), sum(num), sum(den), count(den) > 0
    FROM j WHERE in_all GROUP BY ALL
    UNION ALL
    SELECT (SELECT vi FROM kpi_view_codes WHERE view = 'ALL'), ki, 2, kp,
           count(x), sum(kpi_us(x)), sum(num), sum(den), count(den) > 0
    FROM j WHERE in_all GROUP BY ALL
    UNION ALL
    SELECT (SELECT vi FROM kpi_view_codes WHERE view = 'ALL'), ki, 3, ks,
           count(x), sum(kpi_us(x)), sum(num), sum(den), count(den) > 0
    FROM j WHERE in_all GROUP BY ALL
), valued AS (
    SELECT vi, d, k, ki,
           CAST(CASE WHEN is_rate THEN round(coalesce(den, 0)) ELSE nx END AS BIGINT) AS n,
           CASE WHEN is_rate THEN CASE WHEN den > 0 THEN 100.0 * num / den END
                ELSE CAST(sx AS DOUBLE) / nullif(nx, 0) / 60000000.0 END AS value
    FROM pooled
)
SELECT w.view AS tenant, ['assignment_group', 'priority', 'service'][v.d] AS dimension, y."key", m.kpi,
       CASE WHEN v.n > 0 THEN v.value END AS value, v.n
FROM valued v
JOIN kpi_view_codes w USING (vi)
JOIN kpis m USING (ki)
JOIN keys y USING (d, k)
ORDER BY v.vi, v.d, v.k, m.ko;
