-- KPI engine, stage 8: the baseline (weeks 1..baseline_weeks) and the window of each
-- checkpoint (weeks max(baseline_weeks + 1, w - window_weeks + 1)..w), pooled. kpi_ckpt is
-- filled by the engine (a handful of rows per view). The moments feed the improvement
-- interval's normal approximation for large samples.
-- Each checkpoint's weeks as rows, so items meet their windows through an equi-join.
CREATE OR REPLACE TEMP TABLE kpi_ckpt_weeks AS
SELECT view, checkpoint, unnest(range(lo, hi + 1)) AS week FROM kpi_ckpt WHERE hi >= lo;

CREATE OR REPLACE TEMP TABLE kpi_window_raw AS
SELECT c.view, i.kpi, c.checkpoint,
       count(*) AS items, count(i.x) AS nx, kpi_mean(i.x) AS mean,
       quantile_cont(i.x, [0.5, 0.9]) AS q, kpi_var(i.x) AS var_x,
       sum(i.num) AS num, sum(i.den) AS den,
       sum(i.num * i.num) AS nn, sum(i.den * i.den) AS dd, sum(i.num * i.den) AS nd
FROM kpi_iv i
JOIN kpi_ckpt_weeks c ON c.view = i.view AND c.week = i.week
GROUP BY ALL;
