-- typed_changes -> changes, per (tenant, change_id), the replacement rule of
-- ingest_merge_incidents.sql (latest version in the file by update time, line).
CREATE OR REPLACE TEMP TABLE merge_outcome AS
WITH ranked AS (
    -- Only files where an id repeats pay for the window (ingest_ctx.repeated).
    SELECT rowid AS rid, tenant, change_id, updated_at, row_hash, line,
           __reject_field, __reject_reason,
           row_number() OVER (
               PARTITION BY tenant, change_id, __reject_reason IS NULL
               ORDER BY updated_at DESC NULLS LAST, line DESC
           ) AS rank
    FROM typed_changes
    WHERE (SELECT repeated FROM ingest_ctx)
    UNION ALL
    SELECT rowid AS rid, tenant, change_id, updated_at, row_hash, line,
           __reject_field, __reject_reason, 1 AS rank
    FROM typed_changes
    WHERE NOT (SELECT repeated FROM ingest_ctx)
)
SELECT t.rid, t.tenant, t.line, t.change_id AS record_key,
       t.__reject_field AS reject_field, t.__reject_reason AS reject_reason,
       CASE
           WHEN t.__reject_reason IS NOT NULL THEN 'rejected'
           WHEN t.rank > 1 THEN 'unchanged'
           WHEN s.change_id IS NULL THEN 'loaded'
           WHEN s.row_hash = t.row_hash THEN 'unchanged'
           WHEN t.updated_at IS NULL OR s.updated_at IS NULL OR t.updated_at >= s.updated_at THEN 'replaced'
           ELSE 'unchanged'
       END AS outcome
FROM ranked t
LEFT JOIN changes s
       ON t.rank = 1 AND t.__reject_reason IS NULL
      AND s.tenant = t.tenant AND s.change_id = t.change_id;

DELETE FROM changes USING merge_outcome o
WHERE o.outcome = 'replaced' AND changes.tenant = o.tenant AND changes.change_id = o.record_key;

INSERT INTO changes BY NAME
SELECT t.* EXCLUDE (__reject_field, __reject_reason)
FROM typed_changes t
WHERE t.rowid IN (SELECT rid FROM merge_outcome WHERE outcome IN ('loaded', 'replaced'));
