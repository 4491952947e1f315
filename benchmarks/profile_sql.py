"""Where the time goes: every statement ingest or the KPI engine runs, timed and named by its SQL file.

    python benchmarks/profile_sql.py ingest EXPORTS_DIR [--db /tmp/p.duckdb] [--explain NAME]
    python benchmarks/profile_sql.py kpis STORE.duckdb --config mikpi.toml [--as-of ISO] [--explain NAME]

Wraps the store's DuckDB connection (and its cursors) in a proxy that times each
``execute`` and names it by the ``analytics/sql/*.sql`` file whose text it is (else its
first words); for ingest the Python look at each file (``fingerprint``: its first chunk, for
format and encoding; the SHA-256 and newlines are a background pass) is timed apart.
A file of several statements is run (and timed) one statement at a time, as ``NAME#1``,
``NAME#2``, ...; ``--explain NAME`` (``NAME#k`` for one of those) prints DuckDB's EXPLAIN ANALYZE of that
statement (run once aside, in the same state, just before the real call runs it: only for
statements that can run twice, such as ``CREATE OR REPLACE``, not an ``INSERT``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import SERVICENOW_CSVS


class TimedConnection:
    """A DuckDB connection whose ``execute`` calls are timed per SQL file name."""

    def __init__(self, con: Any, names: dict[str, str], explain: str | None,
                 multi: dict[str, list[str]] | None = None) -> None:
        self._con = con
        self._names = names
        if multi is None:
            multi = {}
            for text, file in names.items():
                parts = [st.query for st in con.extract_statements(text)]
                if len(parts) > 1:
                    multi[file] = parts
        self._multi = multi
        self._explain = explain
        self.totals: dict[str, float] = defaultdict(float)
        # CPU seconds of the whole process (DuckDB's threads included): steadier than wall
        # time on a shared machine, where other processes take turns on the cores.
        self.cpu: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.plans: list[str] = []

    def _name(self, sql: str) -> str:
        return self._names.get(sql) or " ".join(sql.split()[:3])[:50]

    def execute(self, sql: str, *args: Any) -> Any:
        name = self._name(sql)
        if name in self._multi:
            # A SQL file of several statements: each timed apart as NAME#k (1-based), so a
            # slow DELETE or INSERT is told from the CREATE before it. Bound parameters only
            # reach the last statement (as in a single execute of the whole file).
            statements = self._multi[name]
            out = None
            for k, statement in enumerate(statements, 1):
                last = k == len(statements)
                out = self._timed(f"{name}#{k}", statement, *(args if last else ()))
            return out
        return self._timed(name, sql, *args)

    def _timed(self, name: str, sql: str, *args: Any) -> Any:
        if self._explain and name == self._explain:
            # EXPLAIN ANALYZE runs the statement once aside (its plan with per-operator times);
            # the real run below is then timed as usual. Single-statement files only.
            try:
                plan = self._con.execute("EXPLAIN ANALYZE " + sql, *args).fetchall()
                self.plans.append("\n".join(str(r[-1]) for r in plan))
            except Exception as exc:  # noqa: BLE001 — best effort, the timing stands
                self.plans.append(f"(no EXPLAIN ANALYZE for {name}: {exc})")
        t0, c0 = time.perf_counter(), time.process_time()
        out = self._con.execute(sql, *args)
        self.totals[name] += time.perf_counter() - t0
        self.cpu[name] += time.process_time() - c0
        self.counts[name] += 1
        return out

    def cursor(self) -> TimedConnection:
        cur = TimedConnection(self._con.cursor(), self._names, self._explain, self._multi)
        cur.totals, cur.cpu, cur.counts, cur.plans = self.totals, self.cpu, self.counts, self.plans
        return cur

    def fetchone(self) -> Any:
        return self._con.fetchone()

    def fetchall(self) -> Any:
        return self._con.fetchall()

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._con, attr)


def sql_names() -> dict[str, str]:
    from analytics.store import read_sql

    return {read_sql(p.stem): p.stem for p in (ROOT / "analytics" / "sql").glob("*.sql")}


def _report(timed: TimedConnection, wall: float, extra: str = "") -> None:
    print(f"wall {wall:.2f} s, CPU {sum(timed.cpu.values()):.2f} s in statements{extra}")
    print("  wall s     CPU s  calls  statement")
    for name, total in sorted(timed.totals.items(), key=lambda kv: -kv[1])[:30]:
        print(f"{total:8.2f}  {timed.cpu[name]:8.2f}  {timed.counts[name]:5d}  {name}")
    for plan in timed.plans[-3:]:
        print(plan)


def profile_ingest(exports: str, db: str, explain: str | None) -> None:
    from analytics.ingest import pipeline, readers
    from analytics.store import open_store

    fp_time = [0.0]
    original = readers.fingerprint

    def timed_fingerprint(*a: Any, **k: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            fp_time[0] += time.perf_counter() - t0

    pipeline.fingerprint = timed_fingerprint
    Path(db).unlink(missing_ok=True)
    store = open_store(db)
    timed = TimedConnection(store.con, sql_names(), explain)
    store.con = timed
    t0 = time.perf_counter()
    pipeline.ingest_files(store, [str(Path(exports) / n) for n in SERVICENOW_CSVS])
    _report(timed, time.perf_counter() - t0, f"; fingerprint (the first chunk: format, encoding; SHA-256 and newlines in the background) "
            f"{fp_time[0]:.2f} s")


def profile_kpis(db: str, config: str | None, explain: str | None, as_of: str | None) -> None:
    from analytics.config import load_config
    from analytics.kpis import compute_kpis
    from analytics.store import open_store

    store = open_store(db, read_only=True)
    timed = TimedConnection(store.con, sql_names(), explain)
    store.con = timed
    cfg = load_config(config)
    t0 = time.perf_counter()
    from datetime import datetime

    compute_kpis(store, config=cfg, as_of=datetime.fromisoformat(as_of) if as_of else None)
    _report(timed, time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["ingest", "kpis"])
    p.add_argument("path", help="exports folder (ingest) or store file (kpis)")
    p.add_argument("--db", default="/tmp/mikpi-profile.duckdb", help="ingest: the fresh store to write")
    p.add_argument("--config", default=None, help="kpis: mikpi.toml")
    p.add_argument("--explain", default=None, help="SQL file name whose profile tree to print")
    p.add_argument("--as-of", default=None, help="kpis: the engine's now (naive UTC ISO; default now)")
    opts = p.parse_args(argv)
    if opts.what == "ingest":
        profile_ingest(opts.path, opts.db, opts.explain)
    else:
        profile_kpis(opts.path, opts.config, opts.explain, opts.as_of)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
