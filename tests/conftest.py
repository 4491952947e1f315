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
