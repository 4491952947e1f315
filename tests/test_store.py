from __future__ import annotations

import duckdb
import pytest

from analytics.store import SCHEMA_VERSION, open_store

TABLES = {
    "schema_version", "ingest_runs", "ingest_run_counts", "rejects", "incidents",
    "timeline_events", "updates", "changes", "pirs", "actions", "closure_evidence",
}


def test_new_file_store_gets_schema_and_views(db_path):
    with open_store(db_path) as store:
        names = {r[0] for r in store.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()}
        views = {r[0] for r in store.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        ).fetchall()}
    assert names == TABLES
    assert {"incident_view", "hold_intervals"} <= views
    assert db_path.exists()


def test_reopen_is_idempotent_and_keeps_one_version_row(db_path):
    open_store(db_path).close()
    with open_store(db_path) as store:
        assert store.con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_newer_schema_is_refused(db_path):
    open_store(db_path).close()
    con = duckdb.connect(str(db_path))
    con.execute("UPDATE schema_version SET version = ?", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(RuntimeError, match="newer than this mikpi"):
        open_store(db_path)


def test_incident_view_derives_timestamps(bare_store):
    con = bare_store.con
    con.execute(
        """INSERT INTO incidents (tenant, incident_id, opened_at, resolved_at, row_hash, source,
                                  source_file, sha256, line, run_id)
           VALUES ('a', 'INC1', TIMESTAMP '2026-01-05 10:00', TIMESTAMP '2026-01-05 12:00',
                   'h', 'servicenow', 'f.csv', 's', 2, 1)"""
    )
    con.execute(
        """INSERT INTO timeline_events (tenant, incident_id, occurred_at, kind, state, event_key,
                                        source, source_file, sha256, line, run_id)
           VALUES ('a', 'INC1', TIMESTAMP '2026-01-05 10:00', 'state_change', 'new', 'k1', 's', 'f', 's', 2, 1),
                  ('a', 'INC1', TIMESTAMP '2026-01-05 10:07', 'state_change', 'in_progress', 'k2', 's', 'f', 's', 3, 1),
                  ('a', 'INC1', TIMESTAMP '2026-01-05 10:30', 'state_change', 'on_hold', 'k3', 's', 'f', 's', 4, 1),
                  ('a', 'INC1', TIMESTAMP '2026-01-05 11:00', 'state_change', 'in_progress', 'k4', 's', 'f', 's', 5, 1)"""
    )
    row = con.execute(
        "SELECT acknowledged_at, declared_at, mitigated_at FROM incident_view"
    ).fetchone()
    assert [str(v) for v in row] == ["2026-01-05 10:07:00", "2026-01-05 10:00:00", "2026-01-05 12:00:00"]
    holds = con.execute("SELECT start_at, end_at FROM hold_intervals").fetchall()
    assert [(str(a), str(b)) for a, b in holds] == [("2026-01-05 10:30:00", "2026-01-05 11:00:00")]
