-- Statuspage incidents (/api/v2/incidents.json): src -> the mapped incident
-- layout. Statuspage names no client: tenant = --tenant, else 'default'.
-- opened_at = started_at, else created_at; mitigated_at = monitoring_at;
-- priority from impact (ingest_statuspage_macros.sql); service = the first
-- affected component, all of them in attributes.components. The incident
-- updates go to the updates table (ingest_statuspage_updates.sql).
CREATE OR REPLACE TEMP VIEW mapped_incidents AS
SELECT
    coalesce(c.default_tenant, 'default')              AS tenant,
    s.id                                               AS incident_id,
    NULL::VARCHAR                                      AS sys_id,
    s.name                                             AS title,
    mikpi_state(s.status)                              AS state,
    s.status                                           AS state_raw,
    mikpi_sp_priority(s.impact)                        AS priority,
    lower(trim(s.impact))                              AS impact,
    NULL::VARCHAR AS urgency, NULL::VARCHAR AS severity, NULL::BOOLEAN AS is_major,
    NULL::VARCHAR AS major_incident_state, NULL::VARCHAR AS category, NULL::VARCHAR AS subcategory,
    mikpi_sp_components(s.components)[1]               AS service,
    NULL::VARCHAR AS ci, NULL::VARCHAR AS assignment_group, NULL::VARCHAR AS assigned_to,
    coalesce(s.started_at, s.created_at)               AS opened_at,
    NULL::VARCHAR AS acknowledged_at, NULL::VARCHAR AS declared_at,
    s.monitoring_at                                    AS mitigated_at,
    s.resolved_at,
    NULL::VARCHAR                                      AS closed_at,
    s.updated_at,
    NULL::BIGINT AS mod_count, NULL::VARCHAR AS caused_by_change, NULL::VARCHAR AS problem_id,
    NULL::VARCHAR AS parent_incident, NULL::INTEGER AS reopen_count,
    NULL::INTEGER AS reassignment_count, NULL::BIGINT AS calendar_stc, NULL::BIGINT AS business_stc,
    json_merge_patch(coalesce(s.__attributes, '{}'), json_object(
        'components', mikpi_sp_components(s.components),
        'created_at', s.created_at,
        'shortlink', s.shortlink,
        'page_id', s.page_id))                         AS attributes,
    NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
    s.__line
FROM src s CROSS JOIN ingest_ctx c;
