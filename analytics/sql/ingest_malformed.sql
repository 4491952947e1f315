-- Ragged CSV records: the reader could not split them into the header's fields
-- (readers.fix_csv_lines found them and their lines; view stg_malformed). Each
-- is a reject with its line and the record as written; merge_outcome holds
-- them so ingest_counts counts them. A record that cannot be split has no
-- tenant column to read: it counts against --tenant, else 'default'.
CREATE OR REPLACE TEMP TABLE merge_outcome AS
SELECT NULL::BIGINT                              AS rid,
       coalesce(c.default_tenant, 'default')     AS tenant,
       m.line,
       NULL::VARCHAR                             AS record_key,
       'row'                                     AS reject_field,
       CASE WHEN regexp_matches(m.error_message, 'Expected Number of Columns: \d+ Found: \d+')
            THEN 'ragged row: ' || regexp_extract(m.error_message, 'Found: (\d+)', 1)
                 || ' fields where the header has '
                 || regexp_extract(m.error_message, 'Columns: (\d+)', 1)
            ELSE 'malformed row: ' || m.error_message
       END                                       AS reject_reason,
       'rejected'                                AS outcome,
       m.csv_line
FROM stg_malformed m CROSS JOIN ingest_ctx c;

INSERT INTO rejects (run_id, tenant, source, kind, source_file, sha256, line, field, reason, raw)
SELECT c.run_id, o.tenant, c.source, c.file_kind, c.source_file, c.sha256, o.line,
       o.reject_field, o.reject_reason, json_object('record', o.csv_line)
FROM merge_outcome o CROSS JOIN ingest_ctx c
ORDER BY o.line;
