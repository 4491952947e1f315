-- Generic incidents (a mapping file, or canonical columns): the view
-- mikpi_stage_generic_src (analytics/ingest/generic.py: value maps and
-- constants applied) -> the mapped incident layout. Tenant = the tenant
-- column, else --tenant, else the mapping's tenant, else 'default'.
-- Timestamps given as durations ([durations]) are counted from opened_at.
-- is_major: true/yes/1 or false/no/0; empty in a mapped column -> false;
-- anything else NULL (the KPI engine then decides by priority).
CREATE OR REPLACE TEMP VIEW mapped_incidents AS
SELECT
    coalesce(s.tenant, c.default_tenant, g.tenant, 'default')    AS tenant,
    s.incident_id,
    s.sys_id,
    s.title,
    mikpi_state(s.state)                                        AS state,
    s.state_raw,
    mikpi_priority(s.priority)                                  AS priority,
    s.impact, s.urgency, s.severity,
    CASE WHEN s.is_major IS NOT NULL THEN mikpi_bool(s.is_major)
         WHEN list_contains(g.mapped, 'is_major') THEN false END AS is_major,
    lower(trim(s.major_incident_state))                         AS major_incident_state,
    s.category, s.subcategory, s.service, s.ci, s.assignment_group, s.assigned_to,
    s.opened_at,
    coalesce(s.acknowledged_at, mikpi_after(s.opened_at, s.acknowledged_at__after, g.duration_unit,
                                            c.dayfirst, c.source_tz)) AS acknowledged_at,
    coalesce(s.declared_at, mikpi_after(s.opened_at, s.declared_at__after, g.duration_unit,
                                        c.dayfirst, c.source_tz))     AS declared_at,
    coalesce(s.mitigated_at, mikpi_after(s.opened_at, s.mitigated_at__after, g.duration_unit,
                                         c.dayfirst, c.source_tz))    AS mitigated_at,
    coalesce(s.resolved_at, mikpi_after(s.opened_at, s.resolved_at__after, g.duration_unit,
                                        c.dayfirst, c.source_tz))     AS resolved_at,
    coalesce(s.closed_at, mikpi_after(s.opened_at, s.closed_at__after, g.duration_unit,
                                      c.dayfirst, c.source_tz))       AS closed_at,
    s.updated_at,
    mikpi_int(s.mod_count)                                      AS mod_count,
    s.caused_by_change, s.problem_id, s.parent_incident,
    mikpi_int(s.reopen_count)                                   AS reopen_count,
    mikpi_int(s.reassignment_count)                             AS reassignment_count,
    NULL::BIGINT AS calendar_stc, NULL::BIGINT AS business_stc,
    s.__attributes                                              AS attributes,
    CASE WHEN mikpi_number_problem(s.acknowledged_at__after) IS NOT NULL THEN 'acknowledged_at'
         WHEN mikpi_number_problem(s.declared_at__after) IS NOT NULL THEN 'declared_at'
         WHEN mikpi_number_problem(s.mitigated_at__after) IS NOT NULL THEN 'mitigated_at'
         WHEN mikpi_number_problem(s.resolved_at__after) IS NOT NULL THEN 'resolved_at'
         WHEN mikpi_number_problem(s.closed_at__after) IS NOT NULL THEN 'closed_at'
    END                                                         AS __reject_field,
    'duration ' || coalesce(mikpi_number_problem(s.acknowledged_at__after),
                            mikpi_number_problem(s.declared_at__after),
                            mikpi_number_problem(s.mitigated_at__after),
                            mikpi_number_problem(s.resolved_at__after),
                            mikpi_number_problem(s.closed_at__after)) AS __reject_reason,
    s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
