-- mapped_actions (timestamps still text) -> typed_actions. Rejects: no
-- action id, a timestamp that does not parse.
-- row_hash: the canonical values; attributes join it only when present
-- (chr(31) || NULL is NULL, which concat skips), so a record without extra
-- columns keeps the hash it had before version 2 of the schema.
CREATE OR REPLACE TEMP TABLE typed_actions AS
WITH parsed AS (
    SELECT m.*,
           mikpi_ts(m.due_at, c.dayfirst, c.source_tz)       AS due_ts,
           mikpi_ts(m.completed_at, c.dayfirst, c.source_tz) AS completed_ts
    FROM mapped_actions m CROSS JOIN ingest_ctx c
), checked AS (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN action_id IS NULL THEN 'action_id'
            WHEN due_ts IS NULL AND due_at IS NOT NULL THEN 'due_at'
            WHEN completed_ts IS NULL AND completed_at IS NOT NULL THEN 'completed_at'
        END AS bad_field
    FROM parsed
)
SELECT tenant, action_id, incident_id, kind, title, owner,
       try_cast(priority AS INTEGER) AS priority,
       due_ts AS due_at, completed_ts AS completed_at, depends_on,
       attributes::JSON AS attributes,
       md5(concat(tenant, chr(31), action_id, chr(31), incident_id, chr(31), kind, chr(31), title, chr(31),
                  owner, chr(31), priority, chr(31), due_ts, chr(31), completed_ts, chr(31), depends_on,
                  chr(31) || attributes::VARCHAR)) AS row_hash,
       c.source, __line AS line, c.run_id,
       bad_field AS __reject_field,
       CASE
           WHEN __reject_reason IS NOT NULL THEN __reject_reason
           WHEN bad_field = 'action_id' THEN 'no action id'
           WHEN bad_field = 'due_at' THEN 'unparseable timestamp: ' || due_at
           WHEN bad_field = 'completed_at' THEN 'unparseable timestamp: ' || completed_at
       END AS __reject_reason
FROM checked CROSS JOIN ingest_ctx c;
