-- Per-tenant counts of the last merge into ingest_run_counts; `kind` here is the
-- canonical table the rows went to. Returns the rows too. merge_rows (tenant,
-- line) is every row of the merge and merge_outcome only the rows not simply
-- loaded (rejected, unchanged, replaced): a first load writes no outcome for
-- each of its millions of rows, and loaded is what the others leave.
-- loaded/replaced/unchanged/rejected count canonical rows (a file feeding two
-- tables counts in both); rows_read counts file records, each once, in the
-- first table of the file that got a row from it: the derived rows of a second
-- table (Statuspage updates, history state changes, Jira comments) add no
-- records, a PagerDuty status-update entry (in no timeline row) does. So, per
-- run, the sum of rows_read is the file's records and each other sum the file
-- summary's. $first: the file's first merge, whose table gets at most one row
-- per record (the kind's own table), so each row with a line is a record read;
-- later merges read merge_read (ingest_counts_read.sql).
INSERT INTO ingest_run_counts (run_id, tenant, kind, rows_read, rows_loaded, rows_replaced,
                               rows_unchanged, rows_rejected)
WITH merged AS (
    SELECT tenant, count(*) AS n, count(line) AS lines FROM merge_rows GROUP BY tenant
), outcomes AS (
    SELECT tenant,
           count(*) FILTER (WHERE outcome = 'replaced')  AS replaced,
           count(*) FILTER (WHERE outcome = 'unchanged') AS unchanged,
           count(*) FILTER (WHERE outcome = 'rejected')  AS rejected
    FROM merge_outcome
    GROUP BY tenant
)
SELECT c.run_id, m.tenant, $target,
       CASE WHEN $first THEN m.lines ELSE coalesce(r.records, 0) END,
       m.n - coalesce(o.replaced + o.unchanged + o.rejected, 0),
       coalesce(o.replaced, 0), coalesce(o.unchanged, 0), coalesce(o.rejected, 0)
FROM merged m
CROSS JOIN ingest_ctx c
LEFT JOIN outcomes o ON o.tenant IS NOT DISTINCT FROM m.tenant
LEFT JOIN merge_read r ON r.tenant IS NOT DISTINCT FROM m.tenant
ORDER BY m.tenant
RETURNING tenant, rows_read, rows_loaded, rows_replaced, rows_unchanged, rows_rejected;
