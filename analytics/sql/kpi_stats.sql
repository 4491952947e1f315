-- KPI engine, stage 6: pooled statistics. Durations: mean (the value), median and p90
-- (quantile_cont, linear interpolation) and n. Rates: sum(num) / sum(den) and n = sum(den).
-- Pooled means over all items of the weeks together, never an average of weekly values.
CREATE OR REPLACE TEMP TABLE kpi_weekly_raw AS
SELECT view, kpi, week,
       count(x) AS nx, avg(x) AS mean, quantile_cont(x, [0.5, 0.9]) AS q,
       sum(num) AS num, sum(den) AS den
FROM kpi_iv
GROUP BY ALL;

CREATE OR REPLACE TEMP TABLE kpi_overall_raw AS
SELECT view, kpi,
       count(x) AS nx, avg(x) AS mean, quantile_cont(x, [0.5, 0.9]) AS q,
       sum(num) AS num, sum(den) AS den
FROM kpi_iv
GROUP BY ALL;
