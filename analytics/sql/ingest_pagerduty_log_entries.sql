-- PagerDuty log entries (GET /log_entries): src -> the mapped timeline layout.
-- acknowledge_log_entry -> 'acknowledged' (incident_view takes the first as the
-- acknowledgement), resolve_log_entry -> 'resolved', trigger_log_entry ->
-- 'trigger', any other type -> its name without '_log_entry'. Status updates
-- are not timeline events: ingest_pagerduty_log_updates.sql maps them.
-- Tenant = --tenant, else the tenant of the stored PagerDuty incident with that
-- id (mikpi_pd_known_tenant; ids are global), else 'default'. attributes: the entry's fields no
-- timeline column holds (its id, its channel object, any field not listed in
-- analytics/ingest/pagerduty.py), as written.
CREATE OR REPLACE TEMP VIEW mapped_timeline_events AS
WITH e AS (
    SELECT s.*, mikpi_pd_ref(s.incident, 'id') AS ref
    FROM src s
    WHERE mikpi_pd_log_base(s.type) IS DISTINCT FROM 'status_update'
)
SELECT coalesce(c.default_tenant, k.tenant, 'default') AS tenant,
       e.ref                                 AS incident_id,
       e.created_at                          AS occurred_at,
       mikpi_pd_log_kind(e.type)             AS kind,
       NULL::VARCHAR                         AS state,
       NULL::VARCHAR                         AS lane,
       mikpi_pd_ref(e.agent, 'summary')      AS actor,
       e.summary                             AS text,
       NULL::VARCHAR                         AS evidence_link,
       nullif(json_merge_patch(coalesce(e.__attributes, '{}'), json_object(
           'id', e.id, 'message', e.message, 'channel', mikpi_pd_json(e.channel)))::VARCHAR, '{}')::JSON
                                             AS attributes,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       e.__line
FROM e
CROSS JOIN ingest_ctx c
LEFT JOIN mikpi_pd_known_tenant k ON k.incident_id = e.ref;
