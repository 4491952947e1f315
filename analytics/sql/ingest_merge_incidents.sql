-- typed_incidents -> incidents. Per (tenant, incident_id): absent -> loaded;
-- same row_hash -> unchanged; incoming updated_at >= stored (or either NULL)
-- -> replaced (delete + insert); older -> unchanged, the stored row is kept.
-- Within the file only the latest version of a record counts (update time,
-- then mod count, then line); its older rows are unchanged. The typed step
-- marked that version (__keep).
CREATE OR REPLACE TEMP TABLE merge_outcome AS
-- Only the rows not simply loaded (see ingest_counts.sql); kept: the file's own
-- version of the record (the insert skips the others without a join).
SELECT * FROM (
    SELECT t.rowid AS rid, t.tenant, t.line, t.incident_id AS record_key, t.__keep AS kept,
           t.__reject_field AS reject_field, t.__reject_reason AS reject_reason,
           CASE
               WHEN t.__reject_reason IS NOT NULL THEN 'rejected'
               WHEN NOT t.__keep THEN 'unchanged'
               WHEN s.incident_id IS NULL THEN 'loaded'
               WHEN s.row_hash = t.row_hash THEN 'unchanged'
               WHEN t.updated_at IS NULL OR s.updated_at IS NULL OR t.updated_at >= s.updated_at THEN 'replaced'
               ELSE 'unchanged'
           END AS outcome
    FROM typed_incidents t
    LEFT JOIN incidents s
           ON t.__keep AND t.__reject_reason IS NULL
          AND s.tenant = t.tenant AND s.incident_id = t.incident_id
)
WHERE outcome <> 'loaded';

DELETE FROM incidents USING merge_outcome o
WHERE o.outcome = 'replaced' AND incidents.tenant = o.tenant AND incidents.incident_id = o.record_key;

INSERT INTO incidents BY NAME
-- Provenance joins here: typed rows, held until COMMIT, do not carry it. The rows to
-- insert are the file's kept versions neither rejected nor unchanged.
SELECT t.* EXCLUDE (__keep, __reject_field, __reject_reason), c.source_file, c.sha256
FROM typed_incidents t CROSS JOIN ingest_ctx c
ANTI JOIN (SELECT rid FROM merge_outcome WHERE outcome = 'unchanged' AND kept) u ON u.rid = t.rowid
WHERE t.__keep AND t.__reject_reason IS NULL;
