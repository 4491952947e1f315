-- PagerDuty REST incidents (GET /incidents): src -> the mapped incident layout.
-- PagerDuty names no client: tenant = --tenant, else 'default'. priority.summary
-- 'P1' -> 1; acknowledged_at = the earliest acknowledgements[].at; updated_at =
-- updated_at, else last_status_change_at. is_major only from a `major` field
-- (else NULL: the KPI engine then decides by priority). incident_number and the
-- escalation policy go to attributes with every column not mapped here.
CREATE OR REPLACE TEMP VIEW mapped_incidents AS
SELECT
    coalesce(c.default_tenant, 'default')                      AS tenant,
    s.id                                                       AS incident_id,
    NULL::VARCHAR                                              AS sys_id,
    coalesce(s.title, s.summary)                               AS title,
    mikpi_pd_state(s.status)                                   AS state,
    s.status                                                   AS state_raw,
    mikpi_priority(mikpi_pd_ref(s.priority, 'summary'))        AS priority,
    NULL::VARCHAR                                              AS impact,
    s.urgency,
    NULL::VARCHAR                                              AS severity,
    CASE WHEN list_contains(c.present, 'major') THEN coalesce(mikpi_bool(s.major), false) END AS is_major,
    NULL::VARCHAR AS major_incident_state, NULL::VARCHAR AS category, NULL::VARCHAR AS subcategory,
    mikpi_pd_ref(s.service, 'summary')                         AS service,
    NULL::VARCHAR                                              AS ci,
    mikpi_pd_summaries(s.teams, '$[*].summary')                AS assignment_group,
    mikpi_pd_summaries(s.assignments, '$[*].assignee.summary') AS assigned_to,
    s.created_at                                               AS opened_at,
    mikpi_pd_first_at(s.acknowledgements, c.dayfirst, c.source_tz) AS acknowledged_at,
    NULL::VARCHAR AS declared_at, NULL::VARCHAR AS mitigated_at,
    s.resolved_at,
    NULL::VARCHAR                                              AS closed_at,
    coalesce(s.updated_at, s.last_status_change_at)            AS updated_at,
    NULL::BIGINT AS mod_count, NULL::VARCHAR AS caused_by_change, NULL::VARCHAR AS problem_id,
    NULL::VARCHAR AS parent_incident, NULL::INTEGER AS reopen_count,
    NULL::INTEGER AS reassignment_count, NULL::BIGINT AS calendar_stc, NULL::BIGINT AS business_stc,
    json_merge_patch(coalesce(s.__attributes, '{}'), json_object(
        'incident_number', s.incident_number,
        'escalation_policy', mikpi_pd_ref(s.escalation_policy, 'summary')))    AS attributes,
    NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
    s.__line
FROM src s CROSS JOIN ingest_ctx c;
