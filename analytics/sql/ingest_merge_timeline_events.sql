-- typed_timeline_events -> timeline_events: an event is identified by
-- (tenant, event_key); present -> unchanged, absent -> loaded. Events never
-- change: a different event has a different key.
CREATE OR REPLACE TEMP TABLE merge_outcome AS
WITH ranked AS (
    SELECT rowid AS rid, tenant, event_key, line, __reject_field, __reject_reason,
           row_number() OVER (
               PARTITION BY tenant, event_key, __reject_reason IS NULL ORDER BY line
           ) AS rank
    FROM typed_timeline_events
)
SELECT t.rid, t.tenant, t.line, t.event_key AS record_key,
       t.__reject_field AS reject_field, t.__reject_reason AS reject_reason,
       CASE
           WHEN t.__reject_reason IS NOT NULL THEN 'rejected'
           WHEN t.rank > 1 THEN 'unchanged'
           WHEN s.event_key IS NULL THEN 'loaded'
           ELSE 'unchanged'
       END AS outcome
FROM ranked t
LEFT JOIN (SELECT DISTINCT tenant, event_key FROM timeline_events) s
       ON t.rank = 1 AND t.__reject_reason IS NULL
      AND s.tenant = t.tenant AND s.event_key = t.event_key;

INSERT INTO timeline_events BY NAME
SELECT t.* EXCLUDE (__reject_field, __reject_reason)
FROM typed_timeline_events t
WHERE t.rowid IN (SELECT rid FROM merge_outcome WHERE outcome = 'loaded');
