-- The temp objects an ingest created (staged files, scratch views and tables),
-- views first: what the pipeline drops when it is done or has failed.
SELECT 'VIEW' AS kind, view_name AS name FROM duckdb_views()
WHERE temporary AND (starts_with(view_name, $prefix) OR list_contains($names, view_name))
UNION ALL
SELECT 'TABLE', table_name FROM duckdb_tables()
WHERE temporary AND (starts_with(table_name, $prefix) OR list_contains($names, table_name))
ORDER BY kind DESC, name;
