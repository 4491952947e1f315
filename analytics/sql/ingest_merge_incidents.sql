-- typed_incidents -> incidents. Per (tenant, incident_id): absent -> loaded;
-- same row_hash -> unchanged; incoming updated_at >= stored (or either NULL)
-- -> replaced (delete + insert); older -> unchanged, the stored row is kept.
-- Within the file only the latest version of a record counts (update time,
-- then mod count, then line); its older rows are unchanged.
CREATE OR REPLACE TEMP TABLE merge_outcome AS
WITH latest AS (
    -- Only files where an id repeats (ingest_ctx.repeated) need the choice: one
    -- hash aggregate picks each record's kept row; a window would sort every row.
    -- The struct orders as the rule reads (NULL update time or mod count last);
    -- arg_max skips NULL keys, hence the flags.
    SELECT arg_max(t.rowid, struct_pack(
               u := updated_at IS NOT NULL, ut := coalesce(updated_at, TIMESTAMP '0001-01-01'),
               m := mod_count IS NOT NULL, mc := coalesce(mod_count, 0),
               n := line IS NOT NULL, l := coalesce(line, 0))) AS rid
    FROM typed_incidents t CROSS JOIN ingest_ctx c
    WHERE c.repeated AND __reject_reason IS NULL
    GROUP BY tenant, incident_id
), ranked AS (
    SELECT t.rowid AS rid, t.tenant, t.incident_id, t.updated_at, t.row_hash, t.line,
           t.__reject_field, t.__reject_reason,
           CASE WHEN NOT c.repeated OR l.rid IS NOT NULL THEN 1 ELSE 2 END AS rank
    FROM typed_incidents t
    CROSS JOIN ingest_ctx c
    LEFT JOIN latest l ON l.rid = t.rowid
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
