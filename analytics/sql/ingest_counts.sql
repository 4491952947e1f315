-- Per-tenant counts of the last merge (merge_outcome) into ingest_run_counts;
-- `kind` here is the canonical table the rows went to. Returns the rows too.
-- loaded/replaced/unchanged/rejected count canonical rows (a file feeding two
-- tables counts in both); rows_read counts file records, each once, in the
-- first table of the file that got a row from it (ingest_counted_lines holds
-- the lines counted so far): the derived rows of a second table (Statuspage
-- updates, history state changes, Jira comments) add no records, a PagerDuty
-- status-update entry (in no timeline row) does. So, per run, the sum of
-- rows_read is the file's records and each other sum the file summary's.
CREATE OR REPLACE TEMP TABLE merge_new_lines AS
SELECT o.line, min(o.tenant) AS tenant
FROM merge_outcome o
ANTI JOIN ingest_counted_lines l ON l.line = o.line
WHERE o.line IS NOT NULL
GROUP BY o.line;

INSERT INTO ingest_counted_lines SELECT line FROM merge_new_lines;

INSERT INTO ingest_run_counts (run_id, tenant, kind, rows_read, rows_loaded, rows_replaced,
                               rows_unchanged, rows_rejected)
SELECT c.run_id, o.tenant, $target,
       coalesce(any_value(n.records), 0),
       count(*) FILTER (WHERE o.outcome = 'loaded'),
       count(*) FILTER (WHERE o.outcome = 'replaced'),
       count(*) FILTER (WHERE o.outcome = 'unchanged'),
       count(*) FILTER (WHERE o.outcome = 'rejected')
FROM merge_outcome o
CROSS JOIN ingest_ctx c
LEFT JOIN (SELECT tenant, count(*) AS records FROM merge_new_lines GROUP BY tenant) n
       ON n.tenant = o.tenant
GROUP BY c.run_id, o.tenant
ORDER BY o.tenant
RETURNING tenant, rows_read, rows_loaded, rows_replaced, rows_unchanged, rows_rejected;
