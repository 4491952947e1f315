-- History / event-log exports: every accepted row of typed_incidents whose
-- state differs from the previous row's (the first row always) becomes a
-- state_change event at that row's update time. Rows are ordered as the
-- snapshot collapse orders them: update time, mod count, line. A row without
-- an update time cannot be placed on the timeline and adds no event.
CREATE OR REPLACE TEMP TABLE typed_timeline_events AS
-- The file's provenance (the same on every row) joins after the window, so
-- the sort does not carry it.
WITH rows AS (
    SELECT tenant, incident_id, updated_at AS occurred_at,
           coalesce(state, lower(state_raw)) AS state, line, mod_count
    FROM typed_incidents
    WHERE __reject_reason IS NULL AND updated_at IS NOT NULL
      AND coalesce(state, state_raw) IS NOT NULL
), ordered AS (
    SELECT *,
           lag(state) OVER w AS prev_state,
           row_number() OVER w AS n
    FROM rows
    WINDOW w AS (PARTITION BY tenant, incident_id ORDER BY occurred_at, mod_count NULLS FIRST, line)
), events AS (
    SELECT tenant, incident_id, occurred_at, 'state_change' AS kind, state,
           NULL::VARCHAR AS lane, NULL::VARCHAR AS actor, NULL::VARCHAR AS text,
           NULL::VARCHAR AS evidence_link,
           -- The row's u_* columns are the incident's (its attributes), not the event's.
           NULL::JSON AS attributes,
           mikpi_event_key(tenant, incident_id, occurred_at, 'state_change', state, NULL, NULL) AS event_key,
           c.source, line, c.run_id
    FROM ordered CROSS JOIN ingest_ctx c
    WHERE n = 1 OR state IS DISTINCT FROM prev_state
)
SELECT *,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason
FROM events;
