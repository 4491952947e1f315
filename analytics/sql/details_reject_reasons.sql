-- Why rows were rejected, per file and reason.
SELECT r.run_id, r.source_file AS file_name, r.kind, r.field, r.reason,
       count(*)::BIGINT AS rows, min(r.line) AS first_line
FROM rejects r
WHERE $tenant = 'ALL' OR r.tenant = $tenant
GROUP BY ALL
ORDER BY r.run_id, rows DESC, r.reason;
