-- typed_changes -> changes, per (tenant, change_id), the replacement rule of
-- ingest_merge_incidents.sql (latest version in the file by update time, line;
-- a replaced row updated in place, for the same reason).
CREATE OR REPLACE TEMP TABLE merge_outcome AS
WITH latest AS (
    -- Only files where an id repeats pay for the choice (ingest_ctx.repeated); see
    -- ingest_merge_incidents.sql for the aggregate and its NULL flags.
    SELECT arg_max(t.rowid, struct_pack(
               u := updated_at IS NOT NULL, ut := coalesce(updated_at, TIMESTAMP '0001-01-01'),
               n := line IS NOT NULL, l := coalesce(line, 0))) AS rid
    FROM typed_changes t CROSS JOIN ingest_ctx c
    WHERE c.repeated AND __reject_reason IS NULL
    GROUP BY tenant, change_id
), ranked AS (
    SELECT t.rowid AS rid, t.tenant, t.change_id, t.updated_at, t.row_hash, t.line,
           t.__reject_field, t.__reject_reason,
           CASE WHEN NOT c.repeated OR l.rid IS NOT NULL THEN 1 ELSE 2 END AS rank
    FROM typed_changes t
    CROSS JOIN ingest_ctx c
    LEFT JOIN latest l ON l.rid = t.rowid
)
-- Only the rows not simply loaded (see ingest_counts.sql); no key (the update
-- finds a replaced row by its typed row).
SELECT * FROM (
    SELECT t.rid, t.tenant, t.line, NULL::VARCHAR AS record_key,
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
          AND s.tenant = t.tenant AND s.change_id = t.change_id
)
WHERE outcome <> 'loaded';

-- Every column but the key (tests/test_ingest_pipeline.py checks the list against the table).
UPDATE changes SET
    title = n.title, ci = n.ci, service = n.service, type = n.type, risk = n.risk,
    state = n.state, close_code = n.close_code, planned_start = n.planned_start,
    planned_end = n.planned_end, actual_start = n.actual_start, actual_end = n.actual_end,
    opened_at = n.opened_at, closed_at = n.closed_at, updated_at = n.updated_at,
    attributes = n.attributes, row_hash = n.row_hash, source = n.source,
    source_file = n.source_file, sha256 = n.sha256, line = n.line, run_id = n.run_id
FROM (
    SELECT t.* EXCLUDE (__reject_field, __reject_reason), c.source_file, c.sha256
    FROM typed_changes t CROSS JOIN ingest_ctx c
    SEMI JOIN (SELECT rid FROM merge_outcome WHERE outcome = 'replaced') o ON o.rid = t.rowid
) n
WHERE changes.tenant = n.tenant AND changes.change_id = n.change_id;

INSERT INTO changes BY NAME
-- Provenance joins here: typed rows, held until COMMIT, do not carry it. The rows to
-- insert are those neither rejected, unchanged nor replaced (updated above): the join
-- is built on those few rather than the many loaded ones.
SELECT t.* EXCLUDE (__reject_field, __reject_reason), c.source_file, c.sha256
FROM typed_changes t CROSS JOIN ingest_ctx c
ANTI JOIN (SELECT rid FROM merge_outcome WHERE outcome IN ('unchanged', 'replaced')) u ON u.rid = t.rowid
WHERE t.__reject_reason IS NULL;
