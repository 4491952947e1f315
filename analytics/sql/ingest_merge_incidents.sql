-- typed_incidents -> incidents. Per (tenant, incident_id): absent -> loaded;
-- same row_hash -> unchanged; incoming updated_at >= stored (or either NULL)
-- -> replaced (the stored row updated in place); older -> unchanged, the stored
-- row is kept.
-- Within the file only the latest version of a record counts (update time,
-- then mod count, then line); its older rows are unchanged. The typed step
-- marked that version (__keep).
CREATE OR REPLACE TEMP TABLE merge_outcome AS
-- Only the rows not simply loaded (see ingest_counts.sql); kept: the file's own
-- version of the record (the insert skips the others without a join). No key: the
-- update below finds a replaced row by its typed row (a history's 5.6M older versions
-- would otherwise hold their ids until COMMIT for nothing).
SELECT * FROM (
    SELECT t.rowid AS rid, t.tenant, t.line, NULL::VARCHAR AS record_key, t.__keep AS kept,
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

-- A replaced record's row is updated in place, not deleted and inserted again. The rows an
-- earlier file of the same call inserted are written as they are only while none of them is
-- deleted: one delete, and DuckDB's COMMIT appends them all again (a 5-row re-export after a
-- million-row list, in one call: COMMIT 3.2 s, against 1.1 s with the update). Every column
-- but the key is set: tests/test_ingest_pipeline.py checks the list against the table.
UPDATE incidents SET
    sys_id = n.sys_id, title = n.title, state = n.state, state_raw = n.state_raw,
    priority = n.priority, impact = n.impact, urgency = n.urgency, severity = n.severity,
    is_major = n.is_major, major_incident_state = n.major_incident_state,
    category = n.category, subcategory = n.subcategory, service = n.service, ci = n.ci,
    assignment_group = n.assignment_group, assigned_to = n.assigned_to,
    opened_at = n.opened_at, acknowledged_at = n.acknowledged_at, declared_at = n.declared_at,
    mitigated_at = n.mitigated_at, resolved_at = n.resolved_at, closed_at = n.closed_at,
    updated_at = n.updated_at, mod_count = n.mod_count, caused_by_change = n.caused_by_change,
    problem_id = n.problem_id, parent_incident = n.parent_incident,
    reopen_count = n.reopen_count, reassignment_count = n.reassignment_count,
    calendar_stc = n.calendar_stc, business_stc = n.business_stc, attributes = n.attributes,
    row_hash = n.row_hash, source = n.source, source_file = n.source_file, sha256 = n.sha256,
    line = n.line, run_id = n.run_id
FROM (
    SELECT t.* EXCLUDE (__keep, __reject_field, __reject_reason), c.source_file, c.sha256
    FROM typed_incidents t CROSS JOIN ingest_ctx c
    SEMI JOIN (SELECT rid FROM merge_outcome WHERE outcome = 'replaced') o ON o.rid = t.rowid
) n
WHERE incidents.tenant = n.tenant AND incidents.incident_id = n.incident_id;

INSERT INTO incidents BY NAME
-- Provenance joins here: typed rows, held until COMMIT, do not carry it. The rows to
-- insert are the file's kept versions neither rejected, unchanged nor replaced (updated above).
SELECT t.* EXCLUDE (__keep, __reject_field, __reject_reason), c.source_file, c.sha256
FROM typed_incidents t CROSS JOIN ingest_ctx c
ANTI JOIN (SELECT rid FROM merge_outcome WHERE kept AND outcome IN ('unchanged', 'replaced')) u
       ON u.rid = t.rowid
WHERE t.__keep AND t.__reject_reason IS NULL;
