-- KPI engine, stage 3: the incident population, one integer id per incident.
--
-- In scope per tenant: scope "all", or a major incident (the source's explicit
-- flag where it has one, else a priority in major_priorities). Canceled
-- incidents are kept with canceled = true so the data-quality figures can
-- count them, and are in no KPI (`counted` is false). Nothing here depends on the call's
-- priority, service or date filters: facts about an incident (is it a repeat, is a change
-- linked to it) are looked up among every in-scope incident, and the filters only choose,
-- in kpi_select.sql, which incidents are reported. The drill-down (only_incident) takes
-- exactly one incident whatever its scope. Keys are compared as stored (ingest trims them);
-- an empty string is no key.
CREATE OR REPLACE TEMP TABLE kpi_pop_rows AS
SELECT
    i.tenant, i.incident_id, i.title, i.priority, i.service, i.ci, i.assignment_group,
    i.opened_at, i.acknowledged_at, i.declared_at, i.mitigated_at, i.resolved_at, i.closed_at,
    nullif(i.caused_by_change, '') AS caused_by_change,
    nullif(i.problem_id, '') AS problem_id,
    coalesce(i.reopen_count, 0) AS reopen_count,
    coalesce(i.is_major, list_contains(c.major_priorities, i.priority), false) AS is_major,
    coalesce(i.state, '') = 'canceled' AS canceled,
    coalesce(i.state, '') <> 'canceled' AS counted,
    nullif(i.ci, '') AS ci_key,
    nullif(i.service, '') AS service_key,
    CASE WHEN nullif(i.service, '') IS NOT NULL THEN 's:' || i.service
         WHEN nullif(i.ci, '') IS NOT NULL THEN 'c:' || i.ci END AS repeat_key,
    coalesce(c.cadence[i.priority], c.cadence_other) AS cadence_min,
    c.tz, c.lookback_us, c.window_us, c.pir_window_us, c.exclude_on_hold, c.business_hours, c.as_of
-- The call's tenants as a filter inside the subquery: pushed into the view's aggregate over
-- the timeline (a join alone, or the same filter after it, is applied after the aggregate).
FROM (SELECT * FROM incident_view WHERE tenant IN (SELECT tenant FROM kpi_cfg)) i
JOIN kpi_cfg c USING (tenant)
CROSS JOIN kpi_run r
WHERE CASE WHEN r.only_incident IS NOT NULL THEN i.incident_id = r.only_incident
           ELSE c.scope = 'all' OR coalesce(i.is_major, list_contains(c.major_priorities, i.priority), false)
      END;

-- The integer id every later stage joins on: the row's position in kpi_pop_rows (a window
-- row_number() would serialise the whole scan on one thread).
CREATE OR REPLACE TEMP VIEW kpi_pop AS SELECT rowid AS iid, * FROM kpi_pop_rows;
