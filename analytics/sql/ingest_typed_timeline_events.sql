-- mapped_timeline_events (log entries, decision logs; occurred_at still text)
-- -> typed_timeline_events. Rejects: no incident, no kind, no or unparseable
-- occurred_at. event_key identifies the event so re-ingest adds nothing;
-- actor, evidence_link and attributes are what a newer export can change.
CREATE OR REPLACE TEMP TABLE typed_timeline_events AS
WITH parsed AS (
    SELECT m.*, mikpi_ts(m.occurred_at, c.dayfirst, c.source_tz) AS occurred_ts
    FROM mapped_timeline_events m CROSS JOIN ingest_ctx c
), checked AS (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN incident_id IS NULL THEN 'incident_id'
            WHEN kind IS NULL THEN 'kind'
            WHEN occurred_ts IS NULL THEN 'occurred_at'
        END AS bad_field
    FROM parsed
), keyed AS (
    SELECT *, mikpi_event_key(tenant, incident_id, occurred_ts, kind, state, lane, text) AS key
    FROM checked
)
SELECT tenant, incident_id, occurred_ts AS occurred_at, kind, state, lane, actor, text, evidence_link,
       attributes::JSON AS attributes, key AS event_key,
       c.source, __line AS line, c.run_id,
       bad_field AS __reject_field,
       CASE
           WHEN __reject_reason IS NOT NULL THEN __reject_reason
           WHEN bad_field = 'incident_id' THEN 'no incident id'
           WHEN bad_field = 'kind' THEN 'no event kind'
           WHEN bad_field = 'occurred_at' AND occurred_at IS NULL THEN 'no event time'
           WHEN bad_field = 'occurred_at' THEN 'unparseable timestamp: ' || occurred_at
       END AS __reject_reason
FROM keyed CROSS JOIN ingest_ctx c;
