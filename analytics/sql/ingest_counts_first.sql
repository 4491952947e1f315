-- The lines the file's first merge read, kept for the merges after it (a
-- second table, a history's state changes), which count only records not read
-- yet. A file feeding one table skips this: nothing would read them.
INSERT INTO ingest_counted_lines SELECT line FROM merge_rows WHERE line IS NOT NULL;
