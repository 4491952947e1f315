-- ServiceNow sys_journal_field: src -> the mapped update layout.
-- The entry's incident: element_id joined to incidents.sys_id (globally
-- unique), else the incident number (element_id may hold it too) joined to
-- incidents.incident_id -- within --tenant when given, else only where the
-- number belongs to one tenant. An entry whose incident is not in the store
-- is rejected with the reason (ingest the incident export first or in the
-- same call; re-ingesting the journal then loads it): parking it under a
-- made-up tenant would invent a client. Entries of other tables
-- (name <> 'incident') are rejected, not guessed at.
CREATE OR REPLACE TEMP VIEW mapped_updates AS
WITH j AS (
    SELECT s.*, coalesce(s.number, s.element_id) AS ref FROM src s
), by_sys_id AS (
    SELECT sys_id, min(tenant) AS tenant, min(incident_id) AS incident_id
    FROM incidents WHERE sys_id IS NOT NULL
    GROUP BY sys_id
), by_number AS (
    SELECT i.incident_id, min(i.tenant) AS tenant
    FROM incidents i CROSS JOIN ingest_ctx c
    WHERE c.default_tenant IS NULL OR i.tenant = c.default_tenant
    GROUP BY i.incident_id
    -- One tenant (tenant is NOT NULL): min = max is count(DISTINCT) = 1 without a
    -- distinct set per number.
    HAVING min(i.tenant) = max(i.tenant)
)
SELECT
    coalesce(bs.tenant, bn.tenant, c.default_tenant, 'default')  AS tenant,
    coalesce(bs.incident_id, bn.incident_id, j.ref)      AS incident_id,
    j.ref                                                AS incident_ref,
    j.sys_id                                             AS update_id,
    j.sys_created_on                                     AS posted_at,
    mikpi_sn_audience(j.element)                         AS audience,
    mikpi_sn_channel(j.element)                          AS channel,
    j.sys_created_by                                     AS author,
    j.value                                              AS body,
    CASE WHEN lower(trim(j.name)) <> 'incident' THEN 'name'
         WHEN bs.sys_id IS NULL AND bn.incident_id IS NULL THEN 'element_id' END AS __reject_field,
    CASE WHEN lower(trim(j.name)) <> 'incident'
         THEN 'journal entry of table ' || j.name || ', not of an incident'
         WHEN bs.sys_id IS NULL AND bn.incident_id IS NULL
         THEN 'journal entry for incident ' || coalesce(j.ref, '(none)')
              || ' which is not in the store: ingest the incident export first or in the same call'
    END AS __reject_reason,
    j.__line
FROM j
CROSS JOIN ingest_ctx c
LEFT JOIN by_sys_id bs ON bs.sys_id = j.element_id
LEFT JOIN by_number bn ON bn.incident_id = j.ref;
