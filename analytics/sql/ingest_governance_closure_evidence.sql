-- Governance closure evidence (docs/governance-layout.md): src -> the mapped
-- closure layout. The residual-risk statement is kept verbatim.
CREATE OR REPLACE TEMP VIEW mapped_closure_evidence AS
SELECT coalesce(s.tenant, s.company, c.default_tenant, 'default') AS tenant,
       s.incident                AS incident_id,
       s.service_validated_at,
       s.customer_confirmed_at,
       s.residual_risk,
       s.__attributes            AS attributes,
       NULL::VARCHAR             AS __reject_field,
       NULL::VARCHAR             AS __reject_reason,
       s.__line
FROM src s CROSS JOIN ingest_ctx c;
