-- typed_incidents -> incidents. Per (tenant, incident_id): absent -> loaded;
-- same row_hash -> unchanged; incoming updated_at >= stored (or either NULL)
-- -> replaced (delete + insert); older -> unchanged, the stored row is kept.
-- Within the file only the latest version of a record counts (update time,
-- then mod count, then line); its older rows are unchanged. The ranking runs
-- on a narrow projection: a window over the full rows costs several times more.
CREATE OR REPLACE TEMP TABLE merge_outcome AS
WITH ranked AS (
    -- Only files where an id repeats pay for the window (ingest_ctx.repeated).
    SELECT rowid AS rid, tenant, incident_id, updated_at, row_hash, line,
           __reject_field, __reject_reason,
           row_number() OVER (
               PARTITION BY tenant, incident_id, __reject_reason IS NULL
               ORDER BY updated_at DESC NULLS LAST, mod_count DESC NULLS LAST, line DESC
           ) AS rank
    FROM typed_incidents
    WHERE (SELECT repeated FROM ingest_ctx)
    UNION ALL
    SELECT rowid AS rid, tenant, incident_id, updated_at, row_hash, line,
           __reject_field, __reject_reason, 1 AS rank
    FROM typed_incidents
    WHERE NOT (SELECT repeated FROM ingest_ctx)
)
SELECT t.rid, t.tenant, t.line, t.incident_id AS record_key,
       t.__reject_field AS reject_field, t.__reject_reason AS reject_reason,
       CASE
           WHEN t.__reject_reason IS NOT NULL THEN 'rejected'
           WHEN t.rank > 1 THEN 'unchanged'
           WHEN s.incident_id IS NULL THEN 'loaded'
           WHEN s.row_hash = t.row_hash THEN 'unchanged'
           WHEN t.updated_at IS NULL OR s.updated_at IS NULL OR t.updated_at >= s.updated_at THEN 'replaced'
           ELSE 'unchanged'
       END AS outcome
FROM ranked t
LEFT JOIN incidents s
       ON t.rank = 1 AND t.__reject_reason IS NULL
      AND s.tenant = t.tenant AND s.incident_id = t.incident_id;

DELETE FROM incidents USING merge_outcome o
WHERE o.outcome = 'replaced' AND incidents.tenant = o.tenant AND incidents.incident_id = o.record_key;

INSERT INTO incidents BY NAME
SELECT t.* EXCLUDE (__reject_field, __reject_reason)
FROM typed_incidents t
WHERE t.rowid IN (SELECT rid FROM merge_outcome WHERE outcome IN ('loaded', 'replaced'));
