"""Shared fixtures: a bare in-memory store and a real store file on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.store import Store, open_store


@pytest.fixture
def bare_store() -> Store:
    """An empty in-memory store with the canonical schema."""
    store = open_store(None)
    yield store
    store.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a real DuckDB file (not yet created)."""
    return tmp_path / "mikpi.duckdb"


@pytest.fixture(scope="module")
def seeded_store() -> Store:
    """Both fixture tenants' listings and provenance (tests/export_helpers.seed_store)."""
    from tests.export_helpers import seed_store

    store = open_store(None)
    seed_store(store.con)
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory) -> tuple:
    """The real engine on generated sample data, exported for Aurora Bank (built once per run)."""
    from tests.export_helpers import build_sample_export

    return build_sample_export(tmp_path_factory.mktemp("sample"))


@pytest.fixture(autouse=True)
def first_merges_have_one_row_per_record(monkeypatch):
    """Every ingest a test runs checks what the counts assume (``ingest_counts.sql``): a file's
    first merge, into its kind's own table, has at most one row per record (line), so its rows
    with a line are the records it read. A kind that broke it would miscount silently."""
    from analytics.ingest import pipeline
    from analytics.ingest.readers import quote_ident

    count = pipeline._count

    def checked(con, target, rows, *, first, more):
        if first:
            twice = con.execute(f"SELECT count(line) - count(DISTINCT line) FROM {quote_ident(rows)}").fetchone()[0]
            assert twice == 0, f"{target}: {twice} rows share a record's line in the file's first merge"
        return count(con, target, rows, first=first, more=more)

    monkeypatch.setattr(pipeline, "_count", checked)
