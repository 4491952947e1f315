from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager

import duckdb
import pytest

import analytics.store as store_module
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



@contextmanager
def _lock_held_elsewhere(path, *, read_only: bool, seconds: float):
    """Another process holds the store's file lock (as a dashboard read or an ingest would)."""
    code = (f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only={read_only}); "
            f"print('held', flush=True); time.sleep({seconds}); c.close()")
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout.readline().strip() == "held"
            yield
        finally:
            holder.kill()


def test_open_waits_for_another_process_lock_then_succeeds(db_path):
    open_store(db_path).close()
    with _lock_held_elsewhere(db_path, read_only=True, seconds=1.5):
        started = time.monotonic()
        with open_store(db_path) as store:
            assert store.tenants() == []
        assert time.monotonic() - started > 0.5  # it had to wait: the lock was real


def test_open_gives_up_after_the_wait(db_path, monkeypatch):
    open_store(db_path).close()
    monkeypatch.setattr(store_module, "LOCK_WAIT_SECONDS", 0.3)
    with _lock_held_elsewhere(db_path, read_only=False, seconds=10), \
            pytest.raises(duckdb.IOException, match="lock"):
        open_store(db_path)


def test_memory_limit_is_bounded_and_overridable(monkeypatch):
    def limit() -> str:
        with open_store(None) as store:
            return store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    monkeypatch.delenv("MIKPI_MEMORY_LIMIT", raising=False)
    assert limit() == "2.7 GiB"  # 3 GB
    monkeypatch.setenv("MIKPI_MEMORY_LIMIT", "1GB")
    assert limit() == "953.6 MiB"
