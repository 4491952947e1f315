-- Rejected rows of the last merge (merge_outcome) with the file's raw values,
-- joined back to the staged file by line. Only rejected rows build raw JSON.
INSERT INTO rejects (run_id, tenant, source, kind, source_file, sha256, line, field, reason, raw)
SELECT c.run_id, o.tenant, c.source, c.file_kind, c.source_file, c.sha256, o.line,
       o.reject_field, o.reject_reason,
       json_merge_patch(to_json(s), '{"__line": null}')
FROM merge_outcome o
CROSS JOIN ingest_ctx c
-- Only the rejected lines of the staged file are looked up: a join with the
-- whole file would build a hash table of every row and all its columns.
LEFT JOIN (
    SELECT * FROM stg WHERE __line IN (SELECT line FROM merge_outcome WHERE outcome = 'rejected')
) s ON s.__line = o.line
WHERE o.outcome = 'rejected'
ORDER BY o.line;
