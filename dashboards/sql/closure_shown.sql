-- The closure evidence of the incidents the dashboard's closure table shows (one screenful), with
-- analytics/sql/details_closure.sql's columns and gate flags. $tenants and $incident_ids are
-- parallel lists: the (tenant, incident) pairs of the shown rows, so no other evidence is read.
WITH wanted AS (
    SELECT DISTINCT unnest($tenants) AS tenant, unnest($incident_ids) AS incident_id
)
SELECT e.tenant, e.incident_id, e.service_validated_at, e.customer_confirmed_at, e.residual_risk,
       e.service_validated_at IS NULL                         AS missing_service_validation,
       e.customer_confirmed_at IS NULL                        AS missing_customer_confirmation,
       coalesce(trim(e.residual_risk), '') = ''               AS missing_residual_risk
FROM closure_evidence AS e
JOIN wanted AS w ON e.tenant = w.tenant AND e.incident_id = w.incident_id
ORDER BY e.incident_id;
