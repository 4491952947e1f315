-- One ingest_runs row per file per ingest call (written when the file is done).
INSERT INTO ingest_runs (run_id, started_at, finished_at, file_name, file_path, sha256,
                         size_bytes, source, kind, options)
VALUES ($run_id, $started_at, $finished_at, $file_name, $file_path, $sha256,
        $size_bytes, $source, $kind, $options::JSON);
