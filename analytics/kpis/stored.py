"""KPI facts kept in the store, beside the data they were derived from.

Why: the facts (durations, update slots, repeats, change links, governance) are most of an
all-tenant engine run, no report filter changes them, and every reader (``mikpi kpis``,
``export``, ``serve``) opens the store read-only, so none of them could keep what it derived.
The writer keeps them instead: ``mikpi ingest`` calls :func:`~analytics.kpis.engine.store_facts`
after its commit, and any ingest drops them inside its own transaction, so they never
outlive the data. A call uses them only when they were made from exactly its inputs (the
engine's SQL, the data, each of its tenants' settings and as_of, the portfolio's); otherwise
it derives the facts itself, as it always did. Either way the result is the same to the bit.

Facts made for the configured scope live in ``facts``; facts made for a scope asked for by name
(the dashboard's toggle) in ``facts_major`` or ``facts_all``, so keeping one never drops the
other. A call reads the first of them made from exactly its inputs.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

import duckdb

from analytics.store import FACTS_SCHEMA, FACTS_SCHEMAS, read_sql

#: The store's schemas for them, in the order a call tries them: nothing else lives there.
SCHEMA = FACTS_SCHEMA
SCHEMAS = FACTS_SCHEMAS
#: The key's parts that are not inputs of the call: what a change of them invalidates.
_KEY_SQL = ("kpi_setup", "kpi_asof", "views")


@functools.cache  # package files: read and hashed once per process, not twice per call
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


def schema_for(scope: str | None) -> str:
    """Where the facts made for ``scope`` (None: each tenant's configured scope) are kept."""
    return SCHEMA if scope is None else f"{SCHEMA}_{scope}"


def write(cur: duckdb.DuckDBPyConnection, kept: dict[str, str], code: str, *, now: datetime,
          pinned: bool, schema: str = SCHEMA) -> None:
    """Replace the facts kept in ``schema`` with the ones on ``cur`` (temporary tables), in one transaction.

    ``now``: the wall clock their as_ofs were found at (``pinned``: the caller gave them). Each
    tenant's latest timestamp of all is kept beside its as_of: when it is not after ``now``, no
    later call can find another as_of (see :func:`known_as_of`).
    """
    if schema not in SCHEMAS:
        raise ValueError(f"not a facts schema: {schema!r}")
    _latest_of_all(cur, pinned)
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cur.execute(f"CREATE SCHEMA {schema}")
        for name, as_name in kept.items():
            cur.execute(f"CREATE TABLE {schema}.{as_name} AS SELECT * FROM temp.{name}")
        cur.execute(f"CREATE TABLE {schema}.kpi_cfg_kept AS SELECT * FROM temp.kpi_cfg")
        cur.execute(f"CREATE TABLE {schema}.kpi_asof_kept AS SELECT * FROM temp.kpi_latest_of_all")
        cur.execute(f"CREATE TABLE {schema}.kpi_key AS "
                    "SELECT ? AS code, count(i.run_id) AS runs, coalesce(max(i.run_id), 0) AS last_run, "
                    "any_value(r.pf_tz) AS pf_tz, any_value(r.pf_start_day) AS pf_start_day, "
                    "CAST(? AS TIMESTAMP) AS found_at "
                    "FROM temp.kpi_run r LEFT JOIN main.ingest_runs i ON true", [code, now])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def known_as_of(cur: duckdb.DuckDBPyConnection, code: str, now: datetime) -> None:
    """Fill the as_of of each call tenant (kpi_cfg) that the kept facts prove unchanged.

    A tenant's as_of is its latest timestamp not after the wall clock. If, when the facts
    were kept at ``found_at``, its latest timestamp of all was not after ``found_at``, then
    at any later ``now`` of the same data its as_of is that same timestamp: kpi_asof.sql then
    scans nothing for it (0.4 s of an all-tenant call at a million incidents). A tenant's as_of
    does not depend on the scope: any kept facts fresh from the current data tell it.
    """
    schema = next((s for s in SCHEMAS if _fresh(cur, code, s)), None)
    if schema is None:
        return
    cur.execute(f"""UPDATE kpi_cfg SET as_of = k.as_of
                    FROM {schema}.kpi_asof_kept k, {schema}.kpi_key y
                    WHERE kpi_cfg.tenant = k.tenant AND kpi_cfg.as_of IS NULL
                      AND k.latest_of_all <= y.found_at AND y.found_at <= ?""", [now])


def drop(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every stored fact, of any scope (an ingest does it inside its transaction: the data changes)."""
    for schema in SCHEMAS:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def usable(cur: duckdb.DuckDBPyConnection, code: str, *, with_all: bool) -> str | None:
    """The schema of the stored facts made from exactly this call's inputs (kpi_cfg and kpi_run on
    ``cur``), or None.

    A subset of the tenants they hold is enough for per-tenant views; ``ALL`` needs them all.
    """
    try:
        for schema in SCHEMAS:
            if _fresh(cur, code, schema):
                # kpi_stored_match.sql reads the kept inputs by their bare names.
                cur.execute(f"SET search_path = 'main,{schema}'")
                if cur.execute(read_sql("kpi_stored_match"), {"with_all": with_all}).fetchone()[0]:
                    return schema
    finally:
        cur.execute("RESET search_path")
    return None


def use(cur: duckdb.DuckDBPyConnection, schema: str = SCHEMA) -> None:
    """Let ``cur``'s report stages read the facts stored in ``schema`` by their usual names."""
    if schema not in SCHEMAS:
        raise ValueError(f"not a facts schema: {schema!r}")
    cur.execute(f"SET search_path = 'main,{schema}'")


def _fresh(cur: duckdb.DuckDBPyConnection, code: str, schema: str) -> bool:
    """Kept facts in ``schema``, made by this engine from the store's current data?"""
    have = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'kpi_key' "
                       "AND NOT temporary", [schema]).fetchone()[0]
    # The engine first: facts another engine made may not even have the columns compared next.
    if not have or cur.execute(f"SELECT any_value(code) FROM {schema}.kpi_key").fetchone()[0] != code:
        return False
    return bool(cur.execute(f"SELECT k.runs = d.runs AND k.last_run = d.last_run FROM {schema}.kpi_key k, "
                            "(SELECT count(*) AS runs, coalesce(max(run_id), 0) AS last_run "
                            "FROM main.ingest_runs) d").fetchone()[0])


def _latest_of_all(cur: duckdb.DuckDBPyConnection, pinned: bool) -> None:
    """kpi_latest_of_all: each tenant's as_of and its latest timestamp of all (kpi_asof.sql with no
    wall clock); none when the as_ofs were pinned, since those say nothing of later calls."""
    cur.execute("CREATE OR REPLACE TEMP TABLE kpi_latest_of_all AS "
                "SELECT tenant, as_of, as_of AS latest_of_all FROM kpi_cfg WHERE NOT ?", [pinned])
    if pinned:
        return
    cur.execute("UPDATE kpi_cfg SET as_of = NULL")
    try:
        cur.execute(read_sql("kpi_asof"), {"now": datetime.max})
        cur.execute("UPDATE kpi_latest_of_all SET latest_of_all = c.as_of FROM kpi_cfg c "
                    "WHERE kpi_latest_of_all.tenant = c.tenant")
    finally:
        cur.execute("UPDATE kpi_cfg SET as_of = l.as_of FROM kpi_latest_of_all l WHERE kpi_cfg.tenant = l.tenant")
