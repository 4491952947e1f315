"""The DuckDB store: one file (or memory) holding the canonical schema.

The package creates and migrates the schema itself, so a user never runs DDL.
"""

from __future__ import annotations

import os
import time
from importlib.resources import files
from pathlib import Path
from typing import Self

import duckdb

#: Version of analytics/sql/schema.sql; a store at an older version is migrated on open
#: (``_MIGRATIONS``), a newer one refused.
SCHEMA_VERSION = 2
#: version -> the SQL file that takes a store from the version before it to this one.
_MIGRATIONS = {2: "migrate_v2"}
DEFAULT_DB = "mikpi.duckdb"
#: DuckDB's memory ceiling unless MIKPI_MEMORY_LIMIT says otherwise: ingest of a 1 GB export
#: then stays bounded (DuckDB spills to disk) instead of growing to 80 % of RAM.
DEFAULT_MEMORY_LIMIT = "3GB"
#: How long an open waits for another process's lock on the file (the dashboard reads
#: the store for a moment at a time; an ingest holds it for its whole transaction).
LOCK_WAIT_SECONDS = 30.0
#: The schemas holding the KPI facts kept in the store (analytics/kpis/stored.py): those of the
#: configured scope, then those of a scope asked for by name; a migration drops them with the
#: rows they were derived from.
FACTS_SCHEMA = "facts"
FACTS_SCHEMAS = (FACTS_SCHEMA, f"{FACTS_SCHEMA}_major", f"{FACTS_SCHEMA}_all")


def read_sql(name: str) -> str:
    """Text of ``analytics/sql/<name>.sql`` (package data, so analysts can run it too)."""
    return files("analytics").joinpath("sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


class Store:
    """An open store. ``con`` is a plain DuckDB connection for power users."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str | None) -> None:
        self.con = con
        self.path = path

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tenants(self) -> list[str]:
        """Tenants that have at least one incident, sorted."""
        rows = self.con.execute("SELECT DISTINCT tenant FROM incidents ORDER BY 1").fetchall()
        return [r[0] for r in rows]


def open_store(path: str | Path | None = DEFAULT_DB, *, read_only: bool = False,
               lock_wait: float | None = None) -> Store:
    """Open (creating and migrating if needed) the store at ``path``; ``None`` or ``":memory:"`` for memory.

    While another process holds the file's lock the open retries for ``lock_wait`` seconds
    (default ``LOCK_WAIT_SECONDS``; ``0`` fails at once, as the dashboard wants: it serves its
    last result instead of waiting).

    >>> store = open_store(None)
    >>> store.tenants()
    []
    """
    target = ":memory:" if path in (None, ":memory:") else str(path)
    con = _connect(target, read_only, lock_wait)
    # Stored timestamps are naive UTC; pin the session zone so nothing drifts.
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET memory_limit = ?", [os.environ.get("MIKPI_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)])
    if not read_only:
        _migrate(con)
    return Store(con, None if target == ":memory:" else target)


def _connect(target: str, read_only: bool, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Connect, waiting with backoff while another process holds the file's lock."""
    deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create the schema in a new store; bring an older store up to ``SCHEMA_VERSION``.

    ``schema.sql`` only creates what is missing (a table of an older store keeps
    its columns), so each version's changes to existing tables are a migration
    file, run in order, each in one transaction with its version bump: a failed
    migration leaves the store at the version before it.
    """
    con.execute(read_sql("schema"))
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    if row[0] is None:
        con.execute("INSERT INTO schema_version VALUES (?)", [SCHEMA_VERSION])
    elif row[0] > SCHEMA_VERSION:
        raise RuntimeError(
            f"store schema version {row[0]} is newer than this mikpi ({SCHEMA_VERSION}); upgrade mikpi"
        )
    else:
        for version in range(row[0] + 1, SCHEMA_VERSION + 1):
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(read_sql(_MIGRATIONS[version]))
                # KPI facts kept in the store were derived from the rows a migration may
                # rewrite: they go with it.
                for schema in FACTS_SCHEMAS:
                    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    con.execute(read_sql("views"))
