-- The records a later merge of the file reads (merge_read: tenant, records): the
-- lines of merge_rows no earlier merge counted (ingest_counted_lines), each in
-- the first tenant that has a row from it, then counted for the merges after.
CREATE OR REPLACE TEMP TABLE merge_new_lines AS
SELECT o.line, min(o.tenant) AS tenant
FROM merge_rows o
ANTI JOIN ingest_counted_lines l ON l.line = o.line
WHERE o.line IS NOT NULL
GROUP BY o.line;

INSERT INTO ingest_counted_lines SELECT line FROM merge_new_lines;

CREATE OR REPLACE TEMP TABLE merge_read AS
SELECT tenant, count(*) AS records FROM merge_new_lines GROUP BY tenant;
