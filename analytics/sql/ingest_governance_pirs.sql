-- Governance PIRs (docs/governance-layout.md): src -> the mapped PIR layout.
-- Tenant = tenant, else company, else --tenant, else 'default'. Columns of
-- the file no field holds go to attributes, verbatim (as for every kind).
CREATE OR REPLACE TEMP VIEW mapped_pirs AS
SELECT coalesce(s.tenant, s.company, c.default_tenant, 'default') AS tenant,
       s.incident      AS incident_id,
       s.due_at,
       s.completed_at,
       s.owner,
       s.__attributes  AS attributes,
       NULL::VARCHAR   AS __reject_field,
       NULL::VARCHAR   AS __reject_reason,
       s.__line
FROM src s CROSS JOIN ingest_ctx c;
