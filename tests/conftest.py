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
