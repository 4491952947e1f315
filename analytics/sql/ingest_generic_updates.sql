-- Generic updates (status updates, journal entries): mikpi_stage_generic_src ->
-- the mapped update layout. audience: stakeholder | customer | public |
-- internal (default internal); another value is a reject naming it.
CREATE OR REPLACE TEMP VIEW mapped_updates AS
SELECT coalesce(s.tenant, c.default_tenant, g.tenant, 'default') AS tenant,
       s.incident_id,
       s.incident_id                                             AS incident_ref,
       s.update_id,
       s.posted_at,
       lower(trim(s.audience))                                   AS audience,
       s.channel, s.author, s.body,
       CASE WHEN lower(trim(s.audience)) NOT IN ('stakeholder', 'customer', 'public', 'internal')
            THEN 'audience' END                                  AS __reject_field,
       CASE WHEN lower(trim(s.audience)) NOT IN ('stakeholder', 'customer', 'public', 'internal')
            THEN 'unknown audience: ' || s.audience || ' (use stakeholder, customer, public or internal)'
       END                                                       AS __reject_reason,
       s.__line
FROM mikpi_stage_generic_src s CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
