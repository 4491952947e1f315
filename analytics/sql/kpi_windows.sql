-- KPI engine, stage 8: the baseline (weeks 1..baseline_weeks) and the window of each
-- checkpoint (weeks max(baseline_weeks + 1, w - window_weeks + 1)..w), pooled. kpi_ckpt is
-- filled by the engine (a handful of rows per view). The moments feed the improvement
-- interval's normal approximation for large samples. A checkpoint reports a KPI's value (a
-- duration's mean), never its median or p90: no quantile is computed here.
-- Each checkpoint's weeks as rows, so items meet their windows through an equi-join.
CREATE OR REPLACE TEMP TABLE kpi_ckpt_weeks AS
SELECT v.vi, c.view, c.checkpoint, unnest(range(c.lo, c.hi + 1)) AS week
FROM kpi_ckpt c
JOIN kpi_view_codes v USING (view)
WHERE c.hi >= c.lo;

CREATE OR REPLACE TEMP TABLE kpi_window_raw AS
WITH g AS (
    SELECT c.vi, i.ki, c.checkpoint,
           count(*) AS items, count(i.x) AS nx, kpi_mean(i.x) AS mean, kpi_var(i.x) AS var_x,
           sum(i.num) AS num, sum(i.den) AS den,
           sum(i.num * i.num) AS nn, sum(i.den * i.den) AS dd, sum(i.num * i.den) AS nd
    FROM kpi_iv i
    JOIN kpi_ckpt_weeks c ON c.vi = i.vi AND c.week = i.week
    GROUP BY ALL
)
SELECT v.view, k.kpi, g.* EXCLUDE (vi, ki)
FROM g
JOIN kpi_view_codes v USING (vi)
JOIN kpi_codes k USING (ki);
