-- One incident's timeline: command-lane entries, state changes and updates, in time order.
SELECT occurred_at, coalesce(lane, CASE WHEN kind = 'state_change' THEN 'record' END) AS lane,
       kind, coalesce(text, CASE WHEN kind = 'state_change' THEN 'State: ' || state END) AS text,
       state, actor, evidence_link, NULL AS audience, source
FROM timeline_events
WHERE tenant = $tenant AND incident_id = $incident_id
UNION ALL
SELECT posted_at, CASE WHEN audience = 'internal' THEN 'technical_lead' ELSE 'communications' END,
       CASE WHEN audience = 'internal' THEN 'work_note' ELSE 'status_update' END,
       body, NULL, author, NULL, audience, source
FROM updates
WHERE tenant = $tenant AND incident_id = $incident_id
ORDER BY occurred_at, kind;
