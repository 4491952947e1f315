-- KPI engine, stage 1: UTC offsets by day for every reporting timezone in use.
--
-- One row per timezone and UTC day from a week before the earliest plausible opening (or
-- configured programme start) of the selected tenants to the latest tenant's as_of
-- (kpi_run.as_of): the offset at
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
), span AS (
    SELECT greatest(r.lo_day,
                    least(coalesce(CAST(fdiv(epoch_us(min(i.opened_at) FILTER (
                                       WHERE i.opened_at >= TIMESTAMP '2000-01-01' AND i.opened_at <= c.as_of)),
                                       86400000000) AS INTEGER), r.hi_day),
                          coalesce(min(c.start_day), r.hi_day),
                          coalesce(r.pf_start_day, r.hi_day)) - 8) AS lo,
           r.hi_day AS hi
    FROM kpi_run r
    CROSS JOIN kpi_cfg c
    LEFT JOIN incidents i ON i.tenant = c.tenant
    GROUP BY r.lo_day, r.hi_day, r.pf_start_day
), grid AS (
    SELECT tz, unnest(range(s.lo - 1, s.hi + 2)) AS uday
    FROM tzs, span s
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
