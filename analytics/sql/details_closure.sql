-- Closure evidence per incident, with which gate is missing.
SELECT tenant, incident_id, service_validated_at, customer_confirmed_at, residual_risk,
       service_validated_at IS NULL                         AS missing_service_validation,
       customer_confirmed_at IS NULL                        AS missing_customer_confirmation,
       coalesce(trim(residual_risk), '') = ''               AS missing_residual_risk
FROM closure_evidence
WHERE $tenant = 'ALL' OR tenant = $tenant
ORDER BY incident_id;
