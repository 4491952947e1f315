-- KPI engine: data-quality figures per tenant (the engine adds the "ALL" sums and notes).
-- Every check is a count of records; negative durations, unacknowledged and unresolved
-- incidents are what the KPIs left out, never silently clipped.
CREATE OR REPLACE TEMP TABLE kpi_quality_raw AS
WITH inc AS (
    SELECT c.tenant,
           count(k.iid) AS incidents_in_scope,
           count(k.iid) FILTER (WHERE k.acknowledged_at IS NULL) AS unacknowledged,
           count(k.iid) FILTER (WHERE k.resolved_at IS NULL) AS unresolved,
           count(k.iid) FILTER (WHERE k.mtta_raw < 0) AS negative_mtta,
           count(k.iid) FILTER (WHERE k.mttr_raw < 0) AS negative_mttr,
           count(k.iid) FILTER (WHERE k.mttm_raw < 0) AS negative_mttm,
           count(k.iid) FILTER (WHERE k.negative_update_window) AS negative_update_window,
           count(k.iid) FILTER (WHERE k.opened_t < v.start_day) AS before_programme_start,
           count(k.iid) FILTER (WHERE greatest(k.opened_at, k.acknowledged_at, k.declared_at, k.mitigated_at,
                                               k.resolved_at, k.closed_at) > c.as_of) AS future_timestamps,
           count(k.iid) FILTER (WHERE least(k.opened_at, k.acknowledged_at, k.declared_at, k.mitigated_at,
                                            k.resolved_at, k.closed_at) < TIMESTAMP '2000-01-01') AS timestamps_before_2000,
           count(k.iid) FILTER (WHERE k.pir_pending) AS pir_not_yet_due
    FROM kpi_cfg c
    JOIN kpi_views v ON v.view = c.tenant
    LEFT JOIN kpi_inc k ON k.tenant = c.tenant
    GROUP BY c.tenant
), other AS (
    SELECT c.tenant,
           (SELECT count(*) FROM kpi_pop p WHERE p.tenant = c.tenant AND p.canceled) AS canceled_excluded,
           (SELECT count(*) FROM kpi_chg x WHERE x.tenant = c.tenant AND x.end_at IS NULL) AS changes_without_end,
           (SELECT count(*) FROM actions x WHERE x.tenant = c.tenant AND x.due_at IS NULL) AS actions_without_due_date,
           (SELECT count(*) FROM actions x WHERE x.tenant = c.tenant AND x.due_at > c.as_of) AS actions_not_yet_due,
           CAST(NOT g.has_closure AS BIGINT) AS no_closure_records,
           CAST(NOT g.has_pirs AS BIGINT) AS no_pir_records,
           CAST(NOT g.has_actions AS BIGINT) AS no_action_records,
           CAST(NOT g.has_changes AS BIGINT) AS no_change_records
    FROM kpi_cfg c
    JOIN kpi_gov g USING (tenant)
)
UNPIVOT (SELECT * FROM inc JOIN other USING (tenant))
ON COLUMNS(* EXCLUDE (tenant))
INTO NAME "check" VALUE "count";
