-- KPI engine, stage 7: pooled statistics per view, KPI and week, and per view and KPI over
-- the whole selected period, in one pass. Durations: mean (the value), median and p90
-- (quantile_cont, linear interpolation) and n. Rates: sum(num) / sum(den) and n = sum(den).
-- Pooled means over all items together, never an average of weekly values.
CREATE OR REPLACE TEMP TABLE kpi_stats_raw AS
WITH g AS (
    SELECT vi, ki, week, grouping(week) = 1 AS overall,
           count(x) AS nx, kpi_mean(x) AS mean, quantile_cont(x, [0.5, 0.9]) AS q,
           sum(num) AS num, sum(den) AS den
    FROM kpi_iv
    GROUP BY GROUPING SETS ((vi, ki, week), (vi, ki))
)
SELECT v.view, k.kpi, g.* EXCLUDE (vi, ki)
FROM g
JOIN kpi_view_codes v USING (vi)
JOIN kpi_codes k USING (ki);
