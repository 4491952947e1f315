-- KPI engine: data-quality figures per tenant (the engine adds the "ALL" sums and notes):
-- the counts over the selected incidents, with the filter-free ones of kpi_quality_base.sql.
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
)
UNPIVOT (SELECT * FROM inc JOIN kpi_quality_base USING (tenant))
ON COLUMNS(* EXCLUDE (tenant))
INTO NAME "check" VALUE "count";
