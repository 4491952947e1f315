-- KPI engine, stage 1: UTC offsets by day for every reporting timezone in use.
--
-- One row per timezone and UTC day between 2000-01-01 and as_of: the offset at
-- 00:00 UTC and, on a day with a DST change, the instant of the change and the
-- offset after it. Cutting local days then costs an equi-join and integer
-- arithmetic instead of one ICU timezone conversion per timestamp (ICU is
-- ~150 ns a call: seconds at a million incidents). DST changes fall on a
-- quarter-hour of UTC in every zone, which the refinement grid relies on.
CREATE OR REPLACE TEMP TABLE kpi_tzday AS
WITH tzs AS (
    SELECT DISTINCT tz FROM kpi_cfg
    UNION
    SELECT pf_tz FROM kpi_run
), grid AS (
    SELECT tz, unnest(range(r.lo_day - 1, r.hi_day + 2)) AS uday
    FROM tzs, kpi_run r
), offs AS (
    SELECT tz, uday,
           epoch_us(timezone(tz, timezone('UTC', make_timestamp(uday * 86400000000))))
               - uday * 86400000000 AS off0
    FROM grid
), days AS (
    SELECT tz, uday, off0, lead(off0) OVER (PARTITION BY tz ORDER BY uday) AS off1
    FROM offs
), switches AS (
    SELECT d.tz, d.uday, min(d.uday * 86400000000 + q.q * 900000000) AS sw
    FROM days d, range(1, 96) q(q)
    WHERE d.off1 <> d.off0
      AND epoch_us(timezone(d.tz, timezone('UTC', make_timestamp(d.uday * 86400000000 + q.q * 900000000))))
          - (d.uday * 86400000000 + q.q * 900000000) <> d.off0
    GROUP BY ALL
)
SELECT d.tz, CAST(d.uday AS INTEGER) AS uday, d.off0, s.sw,
       CASE WHEN s.sw IS NULL THEN d.off0 ELSE d.off1 END AS off1
FROM days d
LEFT JOIN switches s USING (tz, uday)
WHERE d.off1 IS NOT NULL;
