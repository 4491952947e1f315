-- Per-tenant counts of the last merge (merge_outcome) into ingest_run_counts;
-- `kind` here is the canonical table the rows went to. Returns the rows too.
INSERT INTO ingest_run_counts (run_id, tenant, kind, rows_read, rows_loaded, rows_replaced,
                               rows_unchanged, rows_rejected)
SELECT c.run_id, o.tenant, $target,
       count(*),
       count(*) FILTER (WHERE o.outcome = 'loaded'),
       count(*) FILTER (WHERE o.outcome = 'replaced'),
       count(*) FILTER (WHERE o.outcome = 'unchanged'),
       count(*) FILTER (WHERE o.outcome = 'rejected')
FROM merge_outcome o CROSS JOIN ingest_ctx c
GROUP BY c.run_id, o.tenant
ORDER BY o.tenant
RETURNING tenant, rows_read, rows_loaded, rows_replaced, rows_unchanged, rows_rejected;
