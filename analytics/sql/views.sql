-- Derived views over the canonical tables. Recreated on every open, so a
-- change here needs no migration.

-- On-hold / awaiting intervals from history state changes: an interval
-- starts at a change into on_hold and ends at the next state change (or is
-- open-ended, end_at NULL, when none followed).
CREATE OR REPLACE VIEW hold_intervals AS
WITH s AS (
    SELECT tenant, incident_id, occurred_at, state,
           lead(occurred_at) OVER (PARTITION BY tenant, incident_id ORDER BY occurred_at, event_key) AS next_at
    FROM timeline_events
    WHERE kind = 'state_change'
)
SELECT tenant, incident_id, occurred_at AS start_at, next_at AS end_at
FROM s
WHERE state = 'on_hold';

-- Incidents with the canonical timestamps kpis.md derives when the source
-- has no direct field: acknowledged_at from history (earliest update at
-- which the state is anything other than new) or from acknowledgement log
-- entries; declared_at from opened_at; mitigated_at from resolved_at.
CREATE OR REPLACE VIEW incident_view AS
WITH ack AS (
    SELECT tenant, incident_id, min(occurred_at) AS first_ack
    FROM timeline_events
    WHERE (kind = 'state_change' AND state IS NOT NULL AND state <> 'new')
       OR kind = 'acknowledged'
    GROUP BY ALL
)
SELECT i.* REPLACE (
           coalesce(i.acknowledged_at, ack.first_ack) AS acknowledged_at,
           coalesce(i.declared_at, i.opened_at)       AS declared_at,
           coalesce(i.mitigated_at, i.resolved_at)    AS mitigated_at
       )
FROM incidents i
LEFT JOIN ack USING (tenant, incident_id);
