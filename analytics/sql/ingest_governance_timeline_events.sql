-- Governance decision log / timeline (docs/governance-layout.md): src -> the
-- mapped timeline layout. lane must be one of the five role lanes and kind one
-- of decision/action/update; other values are rejects that name the value.
CREATE OR REPLACE TEMP VIEW mapped_timeline_events AS
SELECT coalesce(s.tenant, s.company, c.default_tenant, 'default') AS tenant,
       s.incident                    AS incident_id,
       s."at"                        AS occurred_at,
       mikpi_gov_event_kind(s.kind)  AS kind,
       NULL::VARCHAR                 AS state,
       mikpi_gov_lane(s.lane)        AS lane,
       s.actor,
       s.text,
       s.evidence_link,
       s.__attributes                AS attributes,
       CASE WHEN mikpi_gov_lane_problem(s.lane) IS NOT NULL THEN 'lane'
            WHEN s.kind IS NOT NULL AND mikpi_gov_event_kind(s.kind) IS NULL THEN 'kind'
       END                           AS __reject_field,
       CASE WHEN mikpi_gov_lane_problem(s.lane) IS NOT NULL THEN mikpi_gov_lane_problem(s.lane)
            WHEN s.kind IS NOT NULL AND mikpi_gov_event_kind(s.kind) IS NULL
            THEN 'unknown entry kind: ' || s.kind || ' (use decision, action or update)'
       END                           AS __reject_reason,
       s.__line
FROM src s CROSS JOIN ingest_ctx c;
