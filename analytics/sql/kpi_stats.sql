-- KPI engine, stage 7: pooled statistics per view, KPI and week, and per view and KPI over
-- the whole selected period, in one pass. Durations: mean (the value), median and p90
-- (quantile_cont, linear interpolation) and n. Rates: sum(num) / sum(den) and n = sum(den).
-- Pooled means over all items together, never an average of weekly values.
CREATE OR REPLACE TEMP TABLE kpi_stats_raw AS
SELECT view, kpi, week, grouping(week) = 1 AS overall,
       count(x) AS nx, kpi_mean(x) AS mean, quantile_cont(x, [0.5, 0.9]) AS q,
       sum(num) AS num, sum(den) AS den
FROM kpi_iv
GROUP BY GROUPING SETS ((view, kpi, week), (view, kpi));
