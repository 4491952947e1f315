-- Generic PIR records (e.g. ServiceNow u_pir_* columns): -> the mapped PIR layout.
CREATE OR REPLACE TEMP VIEW mapped_pirs AS
SELECT coalesce(s.tenant, c.default_tenant, g.tenant, 'default') AS tenant,
       s.incident_id, s.due_at, s.completed_at, s.owner,
       s.__attributes AS attributes,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
