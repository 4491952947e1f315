-- KPI engine, stage 6: every KPI item in one long table with its programme week in each view.
--
-- An item is what a KPI pools: a duration (x, minutes) or a rate's numerator and
-- denominator (num, den; den is 1 except for update compliance, where an incident
-- brings its met and due updates). week_t is the item's week in its tenant's view
-- (the tenant's timezone and start), week_a in the pooled "ALL" view (the
-- portfolio's); NULL when the item is before the start, outside the date filter
-- (local days, inclusive), or the view is not wanted. Materialised once: every
-- aggregation after this reads it.
CREATE OR REPLACE TEMP TABLE kpi_it AS
WITH items AS (
    SELECT tenant, 'mtta_minutes' AS kpi, iid, mtta_minutes AS x,
           CAST(NULL AS DOUBLE) AS num, CAST(NULL AS DOUBLE) AS den, opened_t AS day_t, opened_a AS day_a
    FROM kpi_inc WHERE mtta_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mttr_minutes', iid, mttr_minutes, NULL, NULL, resolved_t, resolved_a
    FROM kpi_inc WHERE mttr_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mttm_minutes', iid, mttm_minutes, NULL, NULL, mitigated_t, mitigated_a
    FROM kpi_inc WHERE mttm_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'update_compliance_pct', iid, NULL, updates_met, updates_due, resolved_t, resolved_a
    FROM kpi_inc WHERE resolved_at IS NOT NULL AND updates_due > 0
    UNION ALL
    SELECT tenant, 'repeat_rate_pct', iid, NULL, CAST(is_repeat AS DOUBLE), 1, opened_t, opened_a
    FROM kpi_inc
    UNION ALL
    SELECT tenant, 'change_related_pct', iid, NULL, CAST(change_related AS DOUBLE), 1, opened_t, opened_a
    FROM kpi_inc
    UNION ALL
    SELECT tenant, 'change_failure_rate_pct', NULL, NULL, CAST(linked AS DOUBLE), 1, end_t, end_a
    FROM kpi_chg_days
    UNION ALL
    SELECT tenant, 'reopen_rate_pct', iid, NULL, CAST(reopened AS DOUBLE), 1, resolved_t, resolved_a
    FROM kpi_inc WHERE resolved_at IS NOT NULL
    UNION ALL
    SELECT tenant, 'closure_gate_pct', iid, NULL, CAST(closure_gate_ok AS DOUBLE), 1, closed_t, closed_a
    FROM kpi_inc WHERE closure_gate_ok IS NOT NULL
    UNION ALL
    SELECT tenant, 'pir_on_time_pct', iid, NULL, CAST(pir_on_time AS DOUBLE), 1, resolved_t, resolved_a
    FROM kpi_inc WHERE pir_on_time IS NOT NULL
    UNION ALL
    SELECT tenant, 'action_on_time_pct', NULL, NULL, CAST(on_time AS DOUBLE), 1, due_t, due_a
    FROM kpi_act_days
    UNION ALL
    SELECT tenant, 'mtta_minutes_excl_on_hold', iid, mtta_minutes - coalesce(hold_ack_us, 0) / 60000000.0,
           NULL, NULL, opened_t, opened_a
    FROM kpi_inc WHERE exclude_on_hold AND mtta_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mttr_minutes_excl_on_hold', iid, mttr_minutes - coalesce(hold_res_us, 0) / 60000000.0,
           NULL, NULL, resolved_t, resolved_a
    FROM kpi_inc WHERE exclude_on_hold AND mttr_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mttm_minutes_excl_on_hold', iid, mttm_minutes - coalesce(hold_mit_us, 0) / 60000000.0,
           NULL, NULL, mitigated_t, mitigated_a
    FROM kpi_inc WHERE exclude_on_hold AND mttm_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mtta_minutes_business_hours', iid, mtta_bh, NULL, NULL, opened_t, opened_a
    FROM kpi_inc WHERE business_hours AND mtta_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mttr_minutes_business_hours', iid, mttr_bh, NULL, NULL, resolved_t, resolved_a
    FROM kpi_inc WHERE business_hours AND mttr_minutes IS NOT NULL
    UNION ALL
    SELECT tenant, 'mttm_minutes_business_hours', iid, mttm_bh, NULL, NULL, mitigated_t, mitigated_a
    FROM kpi_inc WHERE business_hours AND mttm_minutes IS NOT NULL
), placed AS (
    SELECT i.tenant, i.kpi, i.iid, i.x, i.num, i.den,
           CASE WHEN r.with_tenants AND i.day_t >= vt.start_day
                     AND (r.from_day IS NULL OR i.day_t >= r.from_day)
                     AND (r.to_day IS NULL OR i.day_t <= r.to_day)
                THEN kpi_week(i.day_t, vt.start_day) END AS week_t,
           CASE WHEN r.with_all AND i.day_a >= va.start_day
                     AND (r.from_day IS NULL OR i.day_a >= r.from_day)
                     AND (r.to_day IS NULL OR i.day_a <= r.to_day)
                THEN kpi_week(i.day_a, va.start_day) END AS week_a
    FROM items i
    JOIN kpi_views vt ON vt.view = i.tenant
    CROSS JOIN kpi_run r
    LEFT JOIN (SELECT start_day FROM kpi_views WHERE view = 'ALL') va ON true
)
SELECT * FROM placed WHERE week_t IS NOT NULL OR week_a IS NOT NULL;

-- The items of each view: a tenant's own, and all of them for "ALL".
CREATE OR REPLACE TEMP VIEW kpi_iv AS
SELECT tenant AS view, kpi, iid, x, num, den, week_t AS week FROM kpi_it WHERE week_t IS NOT NULL
UNION ALL
SELECT 'ALL', kpi, iid, x, num, den, week_a FROM kpi_it WHERE week_a IS NOT NULL;
