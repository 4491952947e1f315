"""What DuckDB's own work costs, file by file: the parts of the ingest floor and of any ingest.

    python benchmarks/floor_parts.py EXPORTS_DIR [--store INGESTED.duckdb] [--scratch DIR]

For each ServiceNow CSV of the benchmark, in a fresh database file each time (wall seconds):

- ``parse``: ``read_csv`` of every column as text, counted, nothing kept;
- ``floor``: ``CREATE TABLE AS SELECT * FROM read_csv(file)`` (the benchmark's floor, types sniffed);
- ``staged``: the same, every column as text (what the ingest stages);
- ``numbered``: the same with ``row_number() OVER ()``, the only record number ``read_csv``
  gives (it runs the scan on one thread).

With ``--store`` (a store the ingest wrote), each canonical table's rows are copied into a
fresh file: the cost of writing the ingest's output once, whatever computed it.
Why: the ingest's target is a ratio to the floor, and these say how much of the floor is
parsing and how much is writing, so what a design that writes every row twice can reach.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import SERVICENOW_CSVS

#: The canonical tables the ServiceNow files feed.
TABLES = ("incidents", "timeline_events", "updates", "changes")
MEMORY_LIMIT = "3GB"  # the store's default (analytics.store.DEFAULT_MEMORY_LIMIT)


def _timed(folder: Path, sql: str, params: list[str] | None = None, attach: str | None = None) -> float:
    """Wall seconds of one statement in a fresh database file (plus reading ``attach`` if given)."""
    path = folder / "t.duckdb"
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("SET memory_limit = ?", [MEMORY_LIMIT])
    if attach is not None:
        con.execute("ATTACH ? AS src (READ_ONLY)", [attach])
    t0 = time.perf_counter()
    con.execute(sql, params or [])
    wall = time.perf_counter() - t0
    con.close()
    path.unlink(missing_ok=True)
    return wall


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("exports", help="the sample's exports folder (holds servicenow/)")
    p.add_argument("--store", default=None, help="a store the ingest wrote from the same files")
    p.add_argument("--scratch", default=None, help="folder for the scratch database files")
    opts = p.parse_args(argv)
    varchar = "read_csv(?, all_varchar = true)"
    parts = {
        "parse": f"SELECT count(COLUMNS(*)) FROM {varchar}",
        "floor": "CREATE TABLE t AS SELECT * FROM read_csv(?)",
        "staged": f"CREATE TABLE t AS SELECT * FROM {varchar}",
        "numbered": f"CREATE TABLE t AS SELECT *, row_number() OVER () AS n FROM {varchar}",
    }
    with tempfile.TemporaryDirectory(dir=opts.scratch) as scratch:
        folder = Path(scratch)
        print("file".ljust(40) + "".join(name.rjust(10) for name in parts))
        totals = dict.fromkeys(parts, 0.0)
        for name in SERVICENOW_CSVS:  # loop over files
            path = str(Path(opts.exports) / name)
            walls = {part: _timed(folder, sql, [path]) for part, sql in parts.items()}
            for part, wall in walls.items():
                totals[part] += wall
            print(name.ljust(40) + "".join(f"{w:10.2f}" for w in walls.values()), flush=True)
        print("all".ljust(40) + "".join(f"{w:10.2f}" for w in totals.values()))
        if opts.store:
            print("\ncanonical rows written once (copied from the store into a fresh file):")
            for table in TABLES:  # loop over tables
                wall = _timed(folder, f"CREATE TABLE t AS SELECT * FROM src.main.{table}", attach=opts.store)
                print(f"{table.ljust(40)}{wall:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
