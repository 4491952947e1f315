-- PagerDuty analytics raw incidents (CSV, or JSON {"data": [...]}): src -> the
-- mapped incident layout. acknowledged_at = created_at + seconds_to_first_ack;
-- resolved_at = resolved_at, else created_at + seconds_to_resolve; `major`
-- true -> is_major. Tenant = --tenant, else 'default'. A duration that is not a
-- number is a reject naming the column.
CREATE OR REPLACE TEMP VIEW mapped_incidents AS
SELECT
    coalesce(c.default_tenant, 'default')                      AS tenant,
    s.id                                                       AS incident_id,
    NULL::VARCHAR                                              AS sys_id,
    s.description                                              AS title,
    -- The analytics API has no status: a resolved record is resolved.
    coalesce(mikpi_pd_state(s.status),
             CASE WHEN coalesce(s.resolved_at, s.seconds_to_resolve) IS NOT NULL THEN 'resolved' END) AS state,
    s.status                                                   AS state_raw,
    mikpi_priority(s.priority_name)                            AS priority,
    NULL::VARCHAR                                              AS impact,
    s.urgency,
    NULL::VARCHAR                                              AS severity,
    CASE WHEN list_contains(c.present, 'major') THEN coalesce(mikpi_bool(s.major), false) END AS is_major,
    NULL::VARCHAR AS major_incident_state, NULL::VARCHAR AS category, NULL::VARCHAR AS subcategory,
    s.service_name                                             AS service,
    NULL::VARCHAR                                              AS ci,
    s.team_name                                                AS assignment_group,
    NULL::VARCHAR                                              AS assigned_to,
    s.created_at                                               AS opened_at,
    mikpi_after(s.created_at, s.seconds_to_first_ack, 1, c.dayfirst, c.source_tz) AS acknowledged_at,
    NULL::VARCHAR AS declared_at, NULL::VARCHAR AS mitigated_at,
    coalesce(s.resolved_at,
             mikpi_after(s.created_at, s.seconds_to_resolve, 1, c.dayfirst, c.source_tz)) AS resolved_at,
    NULL::VARCHAR AS closed_at, NULL::VARCHAR AS updated_at,
    NULL::BIGINT AS mod_count, NULL::VARCHAR AS caused_by_change, NULL::VARCHAR AS problem_id,
    NULL::VARCHAR AS parent_incident, NULL::INTEGER AS reopen_count,
    NULL::INTEGER AS reassignment_count, NULL::BIGINT AS calendar_stc, NULL::BIGINT AS business_stc,
    json_merge_patch(coalesce(s.__attributes, '{}'), json_object(
        'incident_number', s.incident_number,
        'escalation_policy', s.escalation_policy_name,
        'seconds_to_first_ack', s.seconds_to_first_ack,
        'seconds_to_resolve', s.seconds_to_resolve,
        'snoozed_seconds', s.snoozed_seconds))                 AS attributes,
    CASE WHEN mikpi_number_problem(s.seconds_to_first_ack) IS NOT NULL THEN 'seconds_to_first_ack'
         WHEN mikpi_number_problem(s.seconds_to_resolve) IS NOT NULL THEN 'seconds_to_resolve'
    END                                                        AS __reject_field,
    coalesce(mikpi_number_problem(s.seconds_to_first_ack),
             mikpi_number_problem(s.seconds_to_resolve))       AS __reject_reason,
    s.__line
FROM src s CROSS JOIN ingest_ctx c;
