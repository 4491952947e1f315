-- Generic change records: mikpi_stage_generic_src -> the mapped change layout.
CREATE OR REPLACE TEMP VIEW mapped_changes AS
SELECT coalesce(s.tenant, c.default_tenant, g.tenant, 'default') AS tenant,
       s.change_id, s.title, s.ci, s.service,
       lower(trim(s.type)) AS type, lower(trim(s.risk)) AS risk, lower(trim(s.state)) AS state,
       lower(trim(s.close_code)) AS close_code,
       s.planned_start, s.planned_end, s.actual_start, s.actual_end,
       s.opened_at, s.closed_at, s.updated_at,
       s.__attributes AS attributes,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
