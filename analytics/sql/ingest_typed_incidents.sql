-- mapped_incidents (a source's mapping, timestamps still text) -> typed_incidents:
-- timestamps parsed to naive UTC, rows checked (no id, no opened_at, a
-- timestamp that does not parse -> __reject_*; the reserved tenant name ALL
-- is rejected for every table by the pipeline's merge step), row_hash over the
-- canonical values, source and run from ingest_ctx (the merge's insert adds the
-- file's name and digest). The keys the KPI engine joins on (service, ci,
-- problem, causing change) are trimmed: a trailing blank must not split a service.
-- Where an id repeats in the file (ingest_ctx.repeated: a history export holds
-- every version) only the version the merge keeps (__keep: latest update time,
-- then mod count, then line, NULLs last; one hash aggregate, no sort) carries
-- its text columns and row_hash; the others keep what the merge, the counts,
-- the rejects and the state-change events read (key, state, times, mod count,
-- line, reject). At 1M incidents that is 1M full rows instead of 5.6M. A row is
-- named by its line: every staged record has one, and no two share it.
CREATE OR REPLACE TEMP TABLE typed_incidents AS
WITH parsed AS NOT MATERIALIZED (
    SELECT m.*, c.repeated AS __repeated,
           mikpi_ts(m.opened_at, c.dayfirst, c.source_tz)       AS opened_ts,
           mikpi_ts(m.acknowledged_at, c.dayfirst, c.source_tz) AS acknowledged_ts,
           mikpi_ts(m.declared_at, c.dayfirst, c.source_tz)     AS declared_ts,
           mikpi_ts(m.mitigated_at, c.dayfirst, c.source_tz)    AS mitigated_ts,
           mikpi_ts(m.resolved_at, c.dayfirst, c.source_tz)     AS resolved_ts,
           mikpi_ts(m.closed_at, c.dayfirst, c.source_tz)       AS closed_ts,
           mikpi_ts(m.updated_at, c.dayfirst, c.source_tz)      AS updated_ts
    FROM mapped_incidents m CROSS JOIN ingest_ctx c
), checked AS NOT MATERIALIZED (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN incident_id IS NULL THEN 'incident_id'
            WHEN opened_at IS NULL THEN 'opened_at'
            WHEN opened_ts IS NULL THEN 'opened_at'
            WHEN acknowledged_ts IS NULL AND acknowledged_at IS NOT NULL THEN 'acknowledged_at'
            WHEN declared_ts IS NULL AND declared_at IS NOT NULL THEN 'declared_at'
            WHEN mitigated_ts IS NULL AND mitigated_at IS NOT NULL THEN 'mitigated_at'
            WHEN resolved_ts IS NULL AND resolved_at IS NOT NULL THEN 'resolved_at'
            WHEN closed_ts IS NULL AND closed_at IS NOT NULL THEN 'closed_at'
            WHEN updated_ts IS NULL AND updated_at IS NOT NULL THEN 'updated_at'
        END AS bad_field
    FROM parsed
), latest AS (
    -- arg_max skips NULL keys, hence the flags: the struct orders as the rule reads.
    SELECT arg_max(__line, struct_pack(
               u := updated_ts IS NOT NULL, ut := coalesce(updated_ts, TIMESTAMP '0001-01-01'),
               m := mc IS NOT NULL, mc := coalesce(mc, 0), l := __line)) AS line
    FROM (SELECT *, try_cast(mod_count AS BIGINT) AS mc FROM checked) k
    WHERE __repeated AND bad_field IS NULL
    GROUP BY tenant, incident_id
), marked AS (
    SELECT k.*, NOT __repeated OR l.line IS NOT NULL AS keep
    FROM checked k
    LEFT JOIN latest l ON l.line = k.__line
)
SELECT
    tenant, incident_id,
    CASE WHEN keep THEN sys_id END           AS sys_id,
    CASE WHEN keep THEN title END            AS title,
    state, state_raw,
    try_cast(priority AS INTEGER)            AS priority,
    CASE WHEN keep THEN impact END           AS impact,
    CASE WHEN keep THEN urgency END          AS urgency,
    CASE WHEN keep THEN severity END         AS severity,
    try_cast(is_major AS BOOLEAN)            AS is_major,
    CASE WHEN keep THEN major_incident_state END AS major_incident_state,
    CASE WHEN keep THEN category END         AS category,
    CASE WHEN keep THEN subcategory END      AS subcategory,
    CASE WHEN keep THEN nullif(trim(service), '') END AS service,
    CASE WHEN keep THEN nullif(trim(ci), '') END AS ci,
    CASE WHEN keep THEN assignment_group END AS assignment_group,
    CASE WHEN keep THEN assigned_to END      AS assigned_to,
    opened_ts AS opened_at, acknowledged_ts AS acknowledged_at, declared_ts AS declared_at,
    mitigated_ts AS mitigated_at, resolved_ts AS resolved_at, closed_ts AS closed_at,
    updated_ts AS updated_at,
    try_cast(mod_count AS BIGINT)            AS mod_count,
    CASE WHEN keep THEN nullif(trim(caused_by_change), '') END AS caused_by_change,
    CASE WHEN keep THEN nullif(trim(problem_id), '') END AS problem_id,
    CASE WHEN keep THEN parent_incident END  AS parent_incident,
    try_cast(reopen_count AS INTEGER)        AS reopen_count,
    try_cast(reassignment_count AS INTEGER)  AS reassignment_count,
    try_cast(calendar_stc AS BIGINT)         AS calendar_stc,
    try_cast(business_stc AS BIGINT)         AS business_stc,
    CASE WHEN keep THEN attributes::JSON END AS attributes,
    CASE WHEN keep THEN md5(concat(tenant, chr(31), incident_id, chr(31), sys_id, chr(31), title, chr(31), state, chr(31),
               state_raw, chr(31), priority, chr(31), impact, chr(31), urgency, chr(31), severity, chr(31),
               is_major, chr(31), major_incident_state, chr(31), category, chr(31), subcategory, chr(31),
               service, chr(31), ci, chr(31), assignment_group, chr(31), assigned_to, chr(31),
               opened_ts, chr(31), acknowledged_ts, chr(31), declared_ts, chr(31), mitigated_ts, chr(31),
               resolved_ts, chr(31), closed_ts, chr(31), updated_ts, chr(31), mod_count, chr(31),
               caused_by_change, chr(31), problem_id, chr(31), parent_incident, chr(31), reopen_count, chr(31),
               reassignment_count, chr(31), calendar_stc, chr(31), business_stc, chr(31), attributes
    )) END                                   AS row_hash,
    c.source, __line AS line, c.run_id,
    keep                                     AS __keep,
    bad_field                                AS __reject_field,
    CASE
        WHEN __reject_reason IS NOT NULL THEN __reject_reason
        WHEN bad_field = 'incident_id' THEN 'no incident id'
        WHEN bad_field = 'opened_at' AND opened_at IS NULL THEN 'no opened_at'
        WHEN bad_field IS NOT NULL THEN 'unparseable timestamp: ' || CASE bad_field
            WHEN 'opened_at' THEN opened_at WHEN 'acknowledged_at' THEN acknowledged_at
            WHEN 'declared_at' THEN declared_at WHEN 'mitigated_at' THEN mitigated_at
            WHEN 'resolved_at' THEN resolved_at WHEN 'closed_at' THEN closed_at
            ELSE updated_at END
    END                                      AS __reject_reason
FROM marked CROSS JOIN ingest_ctx c;
