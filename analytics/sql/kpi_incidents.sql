-- The per-incident frame of KpiResult: every selected incident with its derived facts, its
-- programme weeks (in its tenant's view) and the data-quality findings that concern it.
-- Negative durations are NULL here too, as in the KPIs; quality_flags says why.
SELECT k.tenant, k.incident_id, k.title, k.priority, k.service, k.ci, k.assignment_group,
       k.opened_at, k.acknowledged_at, k.declared_at, k.mitigated_at, k.resolved_at, k.closed_at,
       k.mtta_minutes, k.mttr_minutes, k.mttm_minutes,
       CAST(k.updates_due AS BIGINT) AS updates_due, CAST(k.updates_met AS BIGINT) AS updates_met,
       k.is_repeat, k.repeat_of, k.change_related, k.linked_change, k.reopened,
       k.closure_gate_ok, k.pir_on_time,
       kpi_week(k.opened_t, v.start_day) AS week_opened,
       kpi_week(k.resolved_t, v.start_day) AS week_resolved,
       concat_ws(',',
           CASE WHEN k.acknowledged_at IS NULL THEN 'unacknowledged' END,
           CASE WHEN k.resolved_at IS NULL THEN 'unresolved' END,
           CASE WHEN k.mtta_raw < 0 THEN 'negative_mtta' END,
           CASE WHEN k.mttr_raw < 0 THEN 'negative_mttr' END,
           CASE WHEN k.mttm_raw < 0 THEN 'negative_mttm' END,
           CASE WHEN k.negative_update_window THEN 'negative_update_window' END,
           CASE WHEN k.opened_t < v.start_day THEN 'before_programme_start' END,
           CASE WHEN greatest(k.opened_at, k.acknowledged_at, k.declared_at, k.mitigated_at,
                              k.resolved_at, k.closed_at) > k.as_of THEN 'future_timestamps' END,
           CASE WHEN least(k.opened_at, k.acknowledged_at, k.declared_at, k.mitigated_at,
                           k.resolved_at, k.closed_at) < TIMESTAMP '2000-01-01' THEN 'timestamps_before_2000' END
       ) AS quality_flags
FROM kpi_inc k
JOIN kpi_view_codes v ON v.view = k.tenant
-- v.vi numbers the tenants in name order: the order of k.tenant, compared as an integer
ORDER BY v.vi, k.opened_at, k.incident_id;
