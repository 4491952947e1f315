-- Generic actions: -> the mapped action layout. kind, when given, must be
-- mitigation or pir (like the governance layout); priority as for incidents.
CREATE OR REPLACE TEMP VIEW mapped_actions AS
SELECT coalesce(s.tenant, c.default_tenant, g.tenant, 'default') AS tenant,
       s.action_id, s.incident_id,
       mikpi_gov_action_kind(s.kind)                             AS kind,
       s.title, s.owner,
       mikpi_priority(s.priority)                                AS priority,
       s.due_at, s.completed_at, s.depends_on,
       s.__attributes                                            AS attributes,
       CASE WHEN s.kind IS NOT NULL AND mikpi_gov_action_kind(s.kind) IS NULL THEN 'kind' END AS __reject_field,
       CASE WHEN s.kind IS NOT NULL AND mikpi_gov_action_kind(s.kind) IS NULL
            THEN 'unknown action kind: ' || s.kind || ' (use mitigation or pir)' END AS __reject_reason,
       s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
