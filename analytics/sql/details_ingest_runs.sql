-- Ingest runs as one tenant sees them: its own counts only ($tenant = 'ALL': every tenant).
SELECT r.run_id, r.started_at, r.finished_at, r.file_name, r.sha256, r.size_bytes,
       r.source, r.kind,
       sum(c.rows_read)::BIGINT      AS rows_read,
       sum(c.rows_loaded)::BIGINT    AS rows_loaded,
       sum(c.rows_replaced)::BIGINT  AS rows_replaced,
       sum(c.rows_unchanged)::BIGINT AS rows_unchanged,
       sum(c.rows_rejected)::BIGINT  AS rows_rejected
FROM ingest_runs r
JOIN ingest_run_counts c USING (run_id)
WHERE $tenant = 'ALL' OR c.tenant = $tenant
GROUP BY ALL
ORDER BY r.run_id;
