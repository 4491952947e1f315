-- ServiceNow change requests: src -> the mapped change layout.
-- start_date/end_date are the planned window, work_start/work_end the actual.
CREATE OR REPLACE TEMP VIEW mapped_changes AS
SELECT
    coalesce(s.company, c.default_tenant, 'default')  AS tenant,
    s.number                                  AS change_id,
    s.short_description                       AS title,
    s.cmdb_ci                                 AS ci,
    s.business_service                        AS service,
    lower(trim(s.type))                       AS type,
    mikpi_sn_change_risk(s.risk)              AS risk,
    mikpi_sn_change_state(s.state)            AS state,
    lower(trim(s.close_code))                 AS close_code,
    s.start_date                              AS planned_start,
    s.end_date                                AS planned_end,
    s.work_start                              AS actual_start,
    s.work_end                                AS actual_end,
    coalesce(s.opened_at, s.sys_created_on)   AS opened_at,
    s.closed_at,
    s.sys_updated_on                          AS updated_at,
    s.__attributes                            AS attributes,
    NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
    s.__line
FROM src s CROSS JOIN ingest_ctx c;
