-- How many of $tenant's incidents with closure evidence miss each gate: the sums of
-- analytics/sql/details_closure.sql's flags, without reading every incident's evidence row.
SELECT count(*)                                                          AS incidents,
       count(*) FILTER (WHERE service_validated_at IS NULL)              AS missing_service_validation,
       count(*) FILTER (WHERE customer_confirmed_at IS NULL)             AS missing_customer_confirmation,
       count(*) FILTER (WHERE coalesce(trim(residual_risk), '') = '')    AS missing_residual_risk
FROM closure_evidence
WHERE $tenant = 'ALL' OR tenant = $tenant;
