-- ServiceNow incidents (list export, Table API, history rows): src -> the
-- mapped incident layout. Tenant = company, else --tenant, else 'default'.
-- is_major only when the file has a major_incident_state column.
-- opened_at falls back to sys_created_on (the record's creation).
CREATE OR REPLACE TEMP VIEW mapped_incidents AS
SELECT
    coalesce(s.company, c.default_tenant, 'default')                  AS tenant,
    s.number                                                  AS incident_id,
    s.sys_id                                                  AS sys_id,
    s.short_description                                       AS title,
    mikpi_sn_incident_state(coalesce(s.incident_state, s.state)) AS state,
    coalesce(s.incident_state, s.state)                       AS state_raw,
    mikpi_priority(s.priority)                                AS priority,
    s.impact, s.urgency, s.severity,
    CASE WHEN list_contains(c.present, 'major_incident_state')
         THEN coalesce(lower(trim(s.major_incident_state)) = 'accepted', false) END AS is_major,
    lower(trim(s.major_incident_state))                       AS major_incident_state,
    s.category, s.subcategory,
    s.business_service                                        AS service,
    s.cmdb_ci                                                 AS ci,
    s.assignment_group, s.assigned_to,
    coalesce(s.opened_at, s.sys_created_on)                   AS opened_at,
    NULL::VARCHAR                                             AS acknowledged_at,
    s.promoted_on                                             AS declared_at,
    NULL::VARCHAR                                             AS mitigated_at,
    s.resolved_at, s.closed_at,
    s.sys_updated_on                                          AS updated_at,
    mikpi_int(s.sys_mod_count)                                AS mod_count,
    coalesce(s.caused_by, s.rfc, s.related_change)            AS caused_by_change,
    s.problem_id, s.parent_incident,
    mikpi_int(s.reopen_count)                                 AS reopen_count,
    mikpi_int(s.reassignment_count)                           AS reassignment_count,
    mikpi_int(s.calendar_stc)                                 AS calendar_stc,
    mikpi_int(s.business_stc)                                 AS business_stc,
    s.__attributes                                            AS attributes,
    NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
    s.__line
FROM src s CROSS JOIN ingest_ctx c;
