-- mapped_pirs (timestamps still text) -> typed_pirs. Rejects: no incident, a
-- timestamp that does not parse. One PIR per (tenant, incident_id).
-- row_hash: the canonical values; attributes join it only when present
-- (chr(31) || NULL is NULL, which concat skips), so a record without extra
-- columns keeps the hash it had before version 2 of the schema.
CREATE OR REPLACE TEMP TABLE typed_pirs AS
WITH parsed AS (
    SELECT m.*,
           mikpi_ts(m.due_at, c.dayfirst, c.source_tz)       AS due_ts,
           mikpi_ts(m.completed_at, c.dayfirst, c.source_tz) AS completed_ts
    FROM mapped_pirs m CROSS JOIN ingest_ctx c
), checked AS (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN incident_id IS NULL THEN 'incident_id'
            WHEN due_ts IS NULL AND due_at IS NOT NULL THEN 'due_at'
            WHEN completed_ts IS NULL AND completed_at IS NOT NULL THEN 'completed_at'
        END AS bad_field
    FROM parsed
)
SELECT tenant, incident_id, due_ts AS due_at, completed_ts AS completed_at, owner,
       attributes::JSON AS attributes,
       md5(concat(tenant, chr(31), incident_id, chr(31), due_ts, chr(31), completed_ts, chr(31), owner,
                  chr(31) || attributes::VARCHAR)) AS row_hash,
       c.source, __line AS line, c.run_id,
       bad_field AS __reject_field,
       CASE
           WHEN __reject_reason IS NOT NULL THEN __reject_reason
           WHEN bad_field = 'incident_id' THEN 'no incident id'
           WHEN bad_field = 'due_at' THEN 'unparseable timestamp: ' || due_at
           WHEN bad_field = 'completed_at' THEN 'unparseable timestamp: ' || completed_at
       END AS __reject_reason
FROM checked CROSS JOIN ingest_ctx c;
