-- KPI engine, stage 2: the reporting views and their programme starts.
--
-- One row per selected tenant (its own timezone) and one for the pooled "ALL"
-- view (the portfolio timezone). start_day is the configured programme start
-- or the Monday of the local week holding the earliest plausible opened_at
-- (2000-01-01 .. the tenant's as_of) of any of its incidents, whatever the scope,
-- so switching scope or filters never moves the weeks.
CREATE OR REPLACE TEMP TABLE kpi_views AS
WITH first_open AS (
    SELECT i.tenant,
           coalesce(min(i.opened_at) FILTER (WHERE i.opened_at >= TIMESTAMP '2000-01-01'
                                               AND i.opened_at <= c.as_of),
                    min(i.opened_at)) AS first_at
    FROM incidents i
    JOIN kpi_cfg c USING (tenant)
    WHERE i.tenant IN (SELECT tenant FROM kpi_cfg)
    GROUP BY i.tenant
), tenant_first AS (
    SELECT c.tenant, c.tz, c.start_day, f.first_at,
           coalesce(kpi_lday(epoch_us(f.first_at), z.off0, z.sw, z.off1),
                    CAST(fdiv(epoch_us(f.first_at), 86400000000) AS INTEGER)) AS first_day
    FROM kpi_cfg c
    LEFT JOIN first_open f USING (tenant)
    LEFT JOIN kpi_tzday z ON z.tz = c.tz AND z.uday = CAST(fdiv(epoch_us(f.first_at), 86400000000) AS INTEGER)
), all_first AS (
    SELECT r.pf_tz AS tz, r.pf_start_day AS start_day, min(f.first_at) AS first_at
    FROM kpi_run r, tenant_first f
    GROUP BY ALL
)
SELECT tenant AS view, tz,
       -- 1970-01-01 was a Thursday: (day + 3) % 7 is days since Monday
       coalesce(start_day, first_day - ((first_day + 3) % 7 + 7) % 7) AS start_day
FROM tenant_first
UNION ALL
SELECT 'ALL', a.tz, coalesce(a.start_day, fd - ((fd + 3) % 7 + 7) % 7)
FROM (
    SELECT a.tz, a.start_day,
           coalesce(kpi_lday(epoch_us(a.first_at), z.off0, z.sw, z.off1),
                    CAST(fdiv(epoch_us(a.first_at), 86400000000) AS INTEGER)) AS fd
    FROM all_first a
    LEFT JOIN kpi_tzday z ON z.tz = a.tz AND z.uday = CAST(fdiv(epoch_us(a.first_at), 86400000000) AS INTEGER)
) a
WHERE (SELECT with_all FROM kpi_run);
