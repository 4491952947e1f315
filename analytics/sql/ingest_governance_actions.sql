-- Governance actions (docs/governance-layout.md): src -> the mapped action layout.
-- kind must be mitigation or pir (the action KPI counts both; anything else
-- is a reject naming the value); priority normalised like incident priorities.
CREATE OR REPLACE TEMP VIEW mapped_actions AS
SELECT coalesce(s.tenant, s.company, c.default_tenant, 'default') AS tenant,
       s.action_id,
       s.incident                        AS incident_id,
       mikpi_gov_action_kind(s.kind)     AS kind,
       s.title,
       s.owner,
       mikpi_priority(s.priority)        AS priority,
       s.due_at,
       s.completed_at,
       s.depends_on,
       s.__attributes                    AS attributes,
       CASE WHEN mikpi_gov_action_kind(s.kind) IS NULL THEN 'kind' END AS __reject_field,
       CASE WHEN s.kind IS NULL THEN 'no action kind (mitigation or pir)'
            WHEN mikpi_gov_action_kind(s.kind) IS NULL
            THEN 'unknown action kind: ' || s.kind || ' (use mitigation or pir)'
       END                               AS __reject_reason,
       s.__line
FROM src s CROSS JOIN ingest_ctx c;
