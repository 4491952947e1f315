-- PagerDuty status_update_log_entry -> the mapped update layout: stakeholder
-- updates (kpis.md), channel 'status_update_log_entry', update_id = the log
-- entry id. Tenant as in ingest_pagerduty_log_entries.sql.
CREATE OR REPLACE TEMP VIEW mapped_updates AS
WITH e AS (
    SELECT s.*, mikpi_pd_ref(s.incident, 'id') AS ref
    FROM src s
    WHERE mikpi_pd_log_base(s.type) = 'status_update'
)
SELECT coalesce(c.default_tenant, k.tenant, 'default') AS tenant,
       e.ref                                 AS incident_id,
       e.ref                                 AS incident_ref,
       e.id                                  AS update_id,
       e.created_at                          AS posted_at,
       'stakeholder'                         AS audience,
       'status_update_log_entry'             AS channel,
       mikpi_pd_ref(e.agent, 'summary')      AS author,
       coalesce(e.message, e.summary)        AS body,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       e.__line
FROM e
CROSS JOIN ingest_ctx c
LEFT JOIN mikpi_pd_known_tenant k ON k.incident_id = e.ref;
