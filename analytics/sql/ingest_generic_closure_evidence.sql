-- Generic closure evidence (e.g. ServiceNow u_service_validated,
-- u_customer_confirmed, u_residual_risk): -> the mapped closure layout.
CREATE OR REPLACE TEMP VIEW mapped_closure_evidence AS
SELECT coalesce(s.tenant, c.default_tenant, g.tenant, 'default') AS tenant,
       s.incident_id, s.service_validated_at, s.customer_confirmed_at, s.residual_risk,
       s.__attributes AS attributes,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
