-- KPI engine, stage 4: one row per counted (in-scope, not canceled) incident with every
-- derived fact, and the governance records behind the rates: kpi_inc_all, kpi_chg_all and
-- kpi_act_all, the facts the report stages read. Nothing here depends on the call's
-- priority, service or date filters; kpi_select.sql applies them, so prepared facts
-- (engine.prepare_kpis) answer any filter without reading the store again. Local days (days
-- since 1970-01-01 in the tenant's reporting timezone, *_t, and in the portfolio timezone,
-- *_a) are NULL for implausible timestamps (before 2000-01-01 or after the tenant's as_of),
-- which keeps them out of every week. Every "not yet" decision uses the item's own tenant's
-- as_of, in the ALL view too.

-- Whether any governance record of a kind was ever loaded for the tenant: with none, the
-- governance KPI is null (n = 0) with a data-quality note, never 0 %.
CREATE OR REPLACE TEMP TABLE kpi_gov AS
SELECT c.tenant,
       EXISTS (SELECT 1 FROM pirs x WHERE x.tenant = c.tenant) AS has_pirs,
       EXISTS (SELECT 1 FROM closure_evidence x WHERE x.tenant = c.tenant) AS has_closure,
       EXISTS (SELECT 1 FROM actions x WHERE x.tenant = c.tenant) AS has_actions,
       EXISTS (SELECT 1 FROM changes x WHERE x.tenant = c.tenant) AS has_changes
FROM kpi_cfg c;

-- Per counted incident, the facts keyed by its id (several small statements: one query with
-- every join costs more to plan than to run on small stores).
CREATE OR REPLACE TEMP TABLE kpi_links AS
WITH met AS (
    SELECT iid, count(*) AS updates_met FROM kpi_update_hits GROUP BY iid
)
SELECT p.iid, d.m, mt.updates_met, rp.is_repeat, rp.repeat_of, ch.window_change
FROM kpi_pop p
LEFT JOIN kpi_due d USING (iid)
LEFT JOIN met mt USING (iid)
LEFT JOIN kpi_repeat rp USING (iid)
LEFT JOIN kpi_inc_change ch USING (iid)
WHERE p.counted;

CREATE OR REPLACE TEMP TABLE kpi_records AS
WITH pir AS (
    SELECT x.tenant, x.incident_id, min(x.completed_at) AS pir_completed_at
    FROM pirs x JOIN kpi_cfg USING (tenant)
    WHERE x.tenant IN (SELECT tenant FROM kpi_cfg)
    GROUP BY ALL
), clo AS (
    SELECT x.tenant, x.incident_id,
           bool_or(x.service_validated_at IS NOT NULL AND x.customer_confirmed_at IS NOT NULL
                   AND coalesce(trim(x.residual_risk), '') <> '') AS ok
    FROM closure_evidence x JOIN kpi_cfg USING (tenant)
    WHERE x.tenant IN (SELECT tenant FROM kpi_cfg)
    GROUP BY ALL
)
SELECT p.iid, pr.pir_completed_at, cl.ok AS closure_ok, h.hold_ack_us, h.hold_res_us, h.hold_mit_us,
       b.mtta_bh, b.mttr_bh, b.mttm_bh
FROM kpi_pop p
LEFT JOIN pir pr ON pr.tenant = p.tenant AND pr.incident_id = p.incident_id
LEFT JOIN clo cl ON cl.tenant = p.tenant AND cl.incident_id = p.incident_id
LEFT JOIN kpi_hold h USING (iid)
LEFT JOIN kpi_business b USING (iid)
WHERE p.counted;

CREATE OR REPLACE TEMP TABLE kpi_fact AS
SELECT p.iid, p.tenant, p.incident_id, p.title, p.priority, p.service, p.ci, p.assignment_group,
       p.is_major, p.opened_at, p.acknowledged_at, p.declared_at, p.mitigated_at, p.resolved_at,
       p.closed_at, p.tz, p.exclude_on_hold, p.business_hours,
       kpi_minutes(p.opened_at, p.acknowledged_at) AS mtta_raw,
       kpi_minutes(p.opened_at, p.resolved_at) AS mttr_raw,
       kpi_minutes(p.opened_at, p.mitigated_at) AS mttm_raw,
       coalesce(l.m, 0) AS updates_due,
       CASE WHEN l.m > 0 THEN coalesce(l.updates_met, 0) ELSE 0 END AS updates_met,
       p.resolved_at < p.declared_at AS negative_update_window,
       coalesce(l.is_repeat, false) AS is_repeat, l.repeat_of,
       p.caused_by_change IS NOT NULL OR l.window_change IS NOT NULL AS change_related,
       coalesce(p.caused_by_change, l.window_change) AS linked_change,
       p.reopen_count > 0 AS reopened,
       CASE WHEN g.has_closure AND p.is_major AND p.closed_at IS NOT NULL
            THEN coalesce(x.closure_ok, false) END AS closure_gate_ok,
       x.pir_completed_at,
       p.resolved_at + to_microseconds(p.pir_window_us) AS pir_due_at,
       CASE WHEN g.has_pirs AND p.is_major AND p.resolved_at IS NOT NULL THEN
            CASE WHEN x.pir_completed_at <= p.resolved_at + to_microseconds(p.pir_window_us) THEN true
                 WHEN p.resolved_at + to_microseconds(p.pir_window_us) <= p.as_of THEN false
            END END AS pir_on_time,
       g.has_pirs AND p.is_major AND p.resolved_at IS NOT NULL
           AND coalesce(x.pir_completed_at > p.resolved_at + to_microseconds(p.pir_window_us), true)
           AND p.resolved_at + to_microseconds(p.pir_window_us) > p.as_of AS pir_pending,
       x.hold_ack_us, x.hold_res_us, x.hold_mit_us, x.mtta_bh, x.mttr_bh, x.mttm_bh,
       p.as_of
FROM kpi_pop p
JOIN kpi_gov g USING (tenant)
JOIN kpi_links l USING (iid)
JOIN kpi_records x USING (iid);

-- Local days of the bucket timestamps, in the tenant's timezone (*_t) and in the portfolio's
-- (*_a): four equi-joins with kpi_tzday each.
CREATE OR REPLACE TEMP TABLE kpi_days_t AS
SELECT f.iid,
       CASE WHEN f.opened_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.opened_at), zo.off0, zo.sw, zo.off1) END AS opened_t,
       CASE WHEN f.resolved_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.resolved_at), zr.off0, zr.sw, zr.off1) END AS resolved_t,
       CASE WHEN f.mitigated_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.mitigated_at), zm.off0, zm.sw, zm.off1) END AS mitigated_t,
       CASE WHEN f.closed_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.closed_at), zc.off0, zc.sw, zc.off1) END AS closed_t
FROM kpi_fact f
LEFT JOIN kpi_tzday zo ON zo.tz = f.tz AND zo.uday = CAST(fdiv(epoch_us(f.opened_at), 86400000000) AS INTEGER)
LEFT JOIN kpi_tzday zr ON zr.tz = f.tz AND zr.uday = CAST(fdiv(epoch_us(f.resolved_at), 86400000000) AS INTEGER)
LEFT JOIN kpi_tzday zm ON zm.tz = f.tz AND zm.uday = CAST(fdiv(epoch_us(f.mitigated_at), 86400000000) AS INTEGER)
LEFT JOIN kpi_tzday zc ON zc.tz = f.tz AND zc.uday = CAST(fdiv(epoch_us(f.closed_at), 86400000000) AS INTEGER);

CREATE OR REPLACE TEMP TABLE kpi_days_a AS
WITH z AS (SELECT t.* FROM kpi_tzday t JOIN kpi_run r ON t.tz = r.pf_tz)
SELECT f.iid,
       CASE WHEN f.opened_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.opened_at), zo.off0, zo.sw, zo.off1) END AS opened_a,
       CASE WHEN f.resolved_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.resolved_at), zr.off0, zr.sw, zr.off1) END AS resolved_a,
       CASE WHEN f.mitigated_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.mitigated_at), zm.off0, zm.sw, zm.off1) END AS mitigated_a,
       CASE WHEN f.closed_at BETWEEN TIMESTAMP '2000-01-01' AND f.as_of
            THEN kpi_lday(epoch_us(f.closed_at), zc.off0, zc.sw, zc.off1) END AS closed_a
FROM kpi_fact f
LEFT JOIN z zo ON zo.uday = CAST(fdiv(epoch_us(f.opened_at), 86400000000) AS INTEGER)
LEFT JOIN z zr ON zr.uday = CAST(fdiv(epoch_us(f.resolved_at), 86400000000) AS INTEGER)
LEFT JOIN z zm ON zm.uday = CAST(fdiv(epoch_us(f.mitigated_at), 86400000000) AS INTEGER)
LEFT JOIN z zc ON zc.uday = CAST(fdiv(epoch_us(f.closed_at), 86400000000) AS INTEGER);

CREATE OR REPLACE TEMP TABLE kpi_inc_all AS
SELECT f.*,
       CASE WHEN mtta_raw >= 0 THEN mtta_raw END AS mtta_minutes,
       CASE WHEN mttr_raw >= 0 THEN mttr_raw END AS mttr_minutes,
       CASE WHEN mttm_raw >= 0 THEN mttm_raw END AS mttm_minutes,
       t.* EXCLUDE (iid), a.* EXCLUDE (iid)
FROM kpi_fact f
JOIN kpi_days_t t USING (iid)
JOIN kpi_days_a a USING (iid);

-- The per-incident facts now live in kpi_inc_all: free the inputs (temporary tables count against
-- the memory limit every later stage needs).
DROP TABLE kpi_fact;
DROP TABLE kpi_days_t;
DROP TABLE kpi_days_a;
DROP TABLE kpi_links;
DROP TABLE kpi_records;
DROP TABLE kpi_update_hits;
DROP TABLE kpi_repeat;
DROP TABLE kpi_inc_change;
DROP TABLE kpi_due;

-- Changes (change failure rate) and actions (action on-time) with their local days. Actions
-- due after their tenant's as_of are not yet assessable and are left out (counted in data
-- quality); a change end after it is not yet real (in no week). Each action keeps what
-- kpi_select.sql needs to decide whether it counts: whether it names no incident, whether
-- its incident is in scope, and that incident's priority and service.
CREATE OR REPLACE TEMP TABLE kpi_chg_all AS
SELECT c.tenant, c.change_id, c.service, c.end_at, c.linked,
       CASE WHEN c.end_at BETWEEN TIMESTAMP '2000-01-01' AND g.as_of
            THEN kpi_lday(epoch_us(c.end_at), zt.off0, zt.sw, zt.off1) END AS end_t,
       CASE WHEN c.end_at BETWEEN TIMESTAMP '2000-01-01' AND g.as_of
            THEN kpi_lday(epoch_us(c.end_at), za.off0, za.sw, za.off1) END AS end_a
FROM kpi_change_facts c
JOIN kpi_cfg g USING (tenant)
CROSS JOIN kpi_run r
LEFT JOIN kpi_tzday zt ON zt.tz = g.tz AND zt.uday = CAST(fdiv(epoch_us(c.end_at), 86400000000) AS INTEGER)
LEFT JOIN kpi_tzday za ON za.tz = r.pf_tz AND za.uday = CAST(fdiv(epoch_us(c.end_at), 86400000000) AS INTEGER);

-- Materialised: DuckDB estimates a few hundred due actions (1.6M at a million incidents) and
-- built the time-zone joins' hash tables on them; counted first, they are the probe side
-- (1.3 s -> 0.7 s at a million incidents).
CREATE OR REPLACE TEMP TABLE kpi_act_all AS
WITH act AS MATERIALIZED (
    SELECT a.tenant, a.action_id, a.due_at, a.completed_at, g.tz,
           nullif(trim(a.incident_id), '') IS NULL AS no_incident,
           p.iid IS NOT NULL AND NOT p.canceled AS in_scope,
           p.priority AS inc_priority, p.service AS inc_service
    FROM actions a
    JOIN kpi_cfg g USING (tenant)
    LEFT JOIN kpi_pop p ON p.tenant = a.tenant AND p.incident_id = a.incident_id
    WHERE a.tenant IN (SELECT tenant FROM kpi_cfg)
      AND a.due_at IS NOT NULL AND a.due_at <= g.as_of
)
SELECT a.tenant, a.action_id, a.due_at, a.no_incident, a.in_scope, a.inc_priority, a.inc_service,
       coalesce(a.completed_at <= a.due_at, false) AS on_time,
       CASE WHEN a.due_at >= TIMESTAMP '2000-01-01'
            THEN kpi_lday(epoch_us(a.due_at), zt.off0, zt.sw, zt.off1) END AS due_t,
       CASE WHEN a.due_at >= TIMESTAMP '2000-01-01'
            THEN kpi_lday(epoch_us(a.due_at), za.off0, za.sw, za.off1) END AS due_a
FROM act a
CROSS JOIN kpi_run r
LEFT JOIN kpi_tzday zt ON zt.tz = a.tz AND zt.uday = CAST(fdiv(epoch_us(a.due_at), 86400000000) AS INTEGER)
LEFT JOIN kpi_tzday za ON za.tz = r.pf_tz AND za.uday = CAST(fdiv(epoch_us(a.due_at), 86400000000) AS INTEGER)
WHERE a.in_scope OR a.no_incident;

DROP TABLE kpi_change_facts;
