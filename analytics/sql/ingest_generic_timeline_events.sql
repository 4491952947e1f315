-- Generic timeline / decision-log entries: -> the mapped timeline layout.
-- kind is kept as given (lower-cased); lane, when given, must be a role lane.
CREATE OR REPLACE TEMP VIEW mapped_timeline_events AS
SELECT coalesce(s.tenant, c.default_tenant, g.tenant, 'default') AS tenant,
       s.incident_id, s.occurred_at,
       lower(trim(s.kind))                                       AS kind,
       mikpi_state(s.state)                                      AS state,
       mikpi_gov_lane(s.lane)                                    AS lane,
       s.actor, s.text, s.evidence_link,
       s.__attributes                                            AS attributes,
       CASE WHEN s.lane IS NOT NULL AND mikpi_gov_lane(s.lane) IS NULL THEN 'lane' END AS __reject_field,
       CASE WHEN s.lane IS NOT NULL THEN mikpi_gov_lane_problem(s.lane) END AS __reject_reason,
       s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
