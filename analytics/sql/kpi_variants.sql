-- KPI engine, optional duration variants (kpis.md), only for tenants that turn them on (the
-- engine skips this file when none does; kpi_setup.sql creates the empty tables).
--
-- exclude_on_hold: the on-hold/awaiting time known from history (hold_intervals)
-- that falls inside each measured interval, subtracted from it. An interval
-- still open (no end) runs to the end of the measured interval.
-- business_hours: working minutes under the tenant's calendar, in its
-- reporting timezone, as the difference of a cumulative working-minute clock.
INSERT INTO kpi_hold
SELECT p.iid,
       sum(kpi_overlap_us(p.opened_at, p.acknowledged_at, h.start_at, h.end_at)) AS hold_ack_us,
       sum(kpi_overlap_us(p.opened_at, p.resolved_at, h.start_at, h.end_at)) AS hold_res_us,
       sum(kpi_overlap_us(p.opened_at, p.mitigated_at, h.start_at, h.end_at)) AS hold_mit_us
FROM kpi_pop p
JOIN (SELECT * FROM hold_intervals WHERE tenant IN (SELECT tenant FROM kpi_cfg)) h  -- pushed into the view
  ON h.tenant = p.tenant AND h.incident_id = p.incident_id
WHERE p.counted AND p.exclude_on_hold
GROUP BY p.iid;

INSERT INTO kpi_business
WITH l AS (
    SELECT p.iid, c.bh_start, c.bh_end, c.bh_days, c.bh_prior, len(c.bh_days) AS ndays,
           timezone(c.tz, timezone('UTC', p.opened_at)) AS o,
           timezone(c.tz, timezone('UTC', p.acknowledged_at)) AS a,
           timezone(c.tz, timezone('UTC', p.resolved_at)) AS r,
           timezone(c.tz, timezone('UTC', p.mitigated_at)) AS m
    FROM kpi_pop p
    JOIN kpi_cfg c USING (tenant)
    WHERE p.counted AND p.business_hours
), f AS (
    SELECT iid,
           kpi_bh_minutes(o, bh_start, bh_end, ndays, bh_prior, bh_days) AS fo,
           kpi_bh_minutes(a, bh_start, bh_end, ndays, bh_prior, bh_days) AS fa,
           kpi_bh_minutes(r, bh_start, bh_end, ndays, bh_prior, bh_days) AS fr,
           kpi_bh_minutes(m, bh_start, bh_end, ndays, bh_prior, bh_days) AS fm
    FROM l
)
SELECT iid, fa - fo AS mtta_bh, fr - fo AS mttr_bh, fm - fo AS mttm_bh FROM f;
