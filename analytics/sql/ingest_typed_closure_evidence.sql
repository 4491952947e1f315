-- mapped_closure_evidence (timestamps still text) -> typed_closure_evidence.
-- Rejects: no incident, a timestamp that does not parse.
-- row_hash: the canonical values; attributes join it only when present
-- (chr(31) || NULL is NULL, which concat skips), so a record without extra
-- columns keeps the hash it had before version 2 of the schema.
CREATE OR REPLACE TEMP TABLE typed_closure_evidence AS
WITH parsed AS (
    SELECT m.*,
           mikpi_ts(m.service_validated_at, c.dayfirst, c.source_tz)  AS validated_ts,
           mikpi_ts(m.customer_confirmed_at, c.dayfirst, c.source_tz) AS confirmed_ts
    FROM mapped_closure_evidence m CROSS JOIN ingest_ctx c
), checked AS (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN incident_id IS NULL THEN 'incident_id'
            WHEN validated_ts IS NULL AND service_validated_at IS NOT NULL THEN 'service_validated_at'
            WHEN confirmed_ts IS NULL AND customer_confirmed_at IS NOT NULL THEN 'customer_confirmed_at'
        END AS bad_field
    FROM parsed
)
SELECT tenant, incident_id, validated_ts AS service_validated_at,
       confirmed_ts AS customer_confirmed_at, residual_risk,
       attributes::JSON AS attributes,
       md5(concat(tenant, chr(31), incident_id, chr(31), validated_ts, chr(31), confirmed_ts, chr(31),
                  residual_risk, chr(31) || attributes::VARCHAR)) AS row_hash,
       c.source, __line AS line, c.run_id,
       bad_field AS __reject_field,
       CASE
           WHEN __reject_reason IS NOT NULL THEN __reject_reason
           WHEN bad_field = 'incident_id' THEN 'no incident id'
           WHEN bad_field = 'service_validated_at' THEN 'unparseable timestamp: ' || service_validated_at
           WHEN bad_field = 'customer_confirmed_at' THEN 'unparseable timestamp: ' || customer_confirmed_at
       END AS __reject_reason
FROM checked CROSS JOIN ingest_ctx c;
