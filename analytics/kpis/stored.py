"""KPI facts kept in the store, beside the data they were derived from.

Why: the facts (durations, update slots, repeats, change links, governance) are most of an
all-tenant engine run, no report filter changes them, and every reader (``mikpi kpis``,
``export``, ``serve``) opens the store read-only, so none of them could keep what it derived.
The writer keeps them instead: ``mikpi ingest`` calls :func:`~analytics.kpis.engine.store_facts`
after its commit, and any ingest drops them inside its own transaction, so they never
outlive the data. A call uses them only when they were made from exactly its inputs (the
engine's SQL, the data, each of its tenants' settings and as_of, the portfolio's); otherwise
it derives the facts itself, as it always did. Either way the result is the same to the bit.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version

import duckdb

from analytics.store import read_sql

#: The store's schema for them: nothing else lives there.
SCHEMA = "facts"
#: The key's parts that are not inputs of the call: what a change of them invalidates.
_KEY_SQL = ("kpi_setup", "kpi_asof", "views")


def fingerprint(stages: tuple[str, ...]) -> str:
    """The engine that makes the facts: mikpi's version and the text of every SQL file involved."""
    try:
        release = version("mikpi")
    except PackageNotFoundError:  # run from a checkout that is not installed
        release = "source"
    digest = hashlib.sha256(release.encode())
    for name in (*_KEY_SQL, *stages):
        digest.update(read_sql(name).encode())
    return digest.hexdigest()


def write(cur: duckdb.DuckDBPyConnection, kept: dict[str, str], code: str) -> None:
    """Replace the stored facts with the ones on ``cur`` (temporary tables), in one transaction."""
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCHEMA}")
        for name, as_name in kept.items():
            cur.execute(f"CREATE TABLE {SCHEMA}.{as_name} AS SELECT * FROM temp.{name}")
        cur.execute(f"CREATE TABLE {SCHEMA}.kpi_cfg_kept AS SELECT * FROM temp.kpi_cfg")
        cur.execute(f"CREATE TABLE {SCHEMA}.kpi_key AS "
                    "SELECT ? AS code, count(i.run_id) AS runs, coalesce(max(i.run_id), 0) AS last_run, "
                    "any_value(r.pf_tz) AS pf_tz, any_value(r.pf_start_day) AS pf_start_day, "
                    "now() AS stored_at FROM temp.kpi_run r LEFT JOIN main.ingest_runs i ON true", [code])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def drop(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the stored facts (an ingest does it inside its transaction: the data changes)."""
    con.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def usable(cur: duckdb.DuckDBPyConnection, code: str, *, with_all: bool) -> bool:
    """Were the stored facts made from exactly this call's inputs (kpi_cfg and kpi_run on ``cur``)?

    A subset of the tenants they hold is enough for per-tenant views; ``ALL`` needs them all.
    """
    have = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'kpi_key' "
                       "AND NOT temporary", [SCHEMA]).fetchone()[0]
    # The engine first: facts another engine made may not even have the columns compared next.
    if not have or cur.execute(f"SELECT any_value(code) FROM {SCHEMA}.kpi_key").fetchone()[0] != code:
        return False
    return bool(cur.execute(read_sql("kpi_stored_match"), {"with_all": with_all}).fetchone()[0])


def use(cur: duckdb.DuckDBPyConnection) -> None:
    """Let ``cur``'s report stages read the stored facts by their usual names."""
    cur.execute(f"SET search_path = 'main,{SCHEMA}'")
