"""The 1 GB case: one ServiceNow-like CSV of about a gigabyte through ``mikpi ingest``.

    python benchmarks/ingest_large_file.py [--size-gb 1.0] [--workdir /tmp/mikpi-large] [--keep]
                                           [--memory-limit 1GB]

Writes the CSV with DuckDB (``COPY ... TO``, seconds rather than minutes), then runs
``mikpi ingest FILE --db STORE --tenant Bench`` in a child process, exactly as a user would
(the progress bar goes to stderr), and reads the child's peak resident set with ``os.wait4``.
Then it ingests the same file again (nothing changes: every row "unchanged") and reports
both. The CSV carries what real list exports carry: display-value states and priorities,
``company`` for the tenant, quoted descriptions with commas and some with a newline, a
``u_*`` custom column, empty values. Results are printed and written to
``<workdir>/result.json``. ``--memory-limit 1GB`` adds a third run into a fresh store with
DuckDB's memory limit set, to show the ingest streams and spills instead of growing. A
script, not a test: it needs ~3 GB of free disk and a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

#: Bytes per row of the generated CSV, measured on a 100k-row file (the row count is derived).
BYTES_PER_ROW = 268

GENERATE = """
COPY (
    SELECT
        'INC' || lpad((i + 1)::VARCHAR, 9, '0')                                   AS number,
        md5(i::VARCHAR)                                                          AS sys_id,
        strftime(TIMESTAMP '2026-01-05' + to_seconds(i * 7 % 7776000), '%Y-%m-%d %H:%M:%S') AS opened_at,
        CASE WHEN i % 10 < 8 THEN strftime(TIMESTAMP '2026-01-05' + to_seconds(i * 7 % 7776000 + 600 + i % 86400),
                                           '%Y-%m-%d %H:%M:%S') END              AS resolved_at,
        CASE WHEN i % 10 < 6 THEN strftime(TIMESTAMP '2026-01-05' + to_seconds(i * 7 % 7776000 + 90000 + i % 86400),
                                           '%Y-%m-%d %H:%M:%S') END              AS closed_at,
        ['New', 'In Progress', 'On Hold', 'Resolved', 'Closed', 'Canceled'][1 + i % 6] AS state,
        ['1 - Critical', '2 - High', '3 - Moderate', '4 - Low', '5 - Planning'][1 + i % 5] AS priority,
        (1 + i % 3)::VARCHAR                                                     AS impact,
        (1 + i % 3)::VARCHAR                                                     AS urgency,
        ['Network', 'Software', 'Hardware', 'Database'][1 + i % 4]               AS category,
        'Group ' || (i % 40)::VARCHAR                                            AS assignment_group,
        'Engineer ' || (i % 500)::VARCHAR                                        AS assigned_to,
        'ci-' || (i % 2000)::VARCHAR                                             AS cmdb_ci,
        'Service ' || (i % 120)::VARCHAR                                         AS business_service,
        'Client ' || (i % 25)::VARCHAR                                           AS company,
        CASE WHEN i % 50 = 0 THEN 'Outage, users affected' || chr(10) || 'see bridge notes ' || i::VARCHAR
             ELSE 'Incident ' || i::VARCHAR || ', reported by monitoring; impact under review' END
                                                                                 AS short_description,
        CASE WHEN i % 5 = 0 THEN 'accepted' WHEN i % 7 = 0 THEN 'proposed' END  AS major_incident_state,
        strftime(TIMESTAMP '2026-01-05' + to_seconds(i * 7 % 7776000 + 100000), '%Y-%m-%d %H:%M:%S') AS sys_updated_on,
        (i % 30)::VARCHAR                                                        AS sys_mod_count,
        CASE WHEN i % 3 = 0 THEN 'EMEA' WHEN i % 3 = 1 THEN 'AMER' END           AS u_region
    FROM range($rows) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
"""


def generate(path: Path, rows: int) -> float:
    """Write the CSV (DuckDB, out of core); returns the seconds it took."""
    started = time.perf_counter()
    con = duckdb.connect()
    # COPY's target cannot be a bound parameter; the path is ours (a temp folder), quoted for SQL.
    con.execute(GENERATE.replace("{path}", str(path).replace("'", "''")), {"rows": rows})
    con.close()
    return time.perf_counter() - started


#: The child for --memory-limit: the same ingest through the Python API, after DuckDB's SET
#: memory_limit (the CLI leaves DuckDB's default, 80 % of RAM, and DuckDB spills beyond it).
LIMITED = """
import sys
from analytics.ingest import ingest_files
from analytics.store import open_store
with open_store(sys.argv[2]) as store:
    store.con.execute("SET memory_limit = ?", [sys.argv[3]])
    for s in ingest_files(store, [sys.argv[1]], tenant="Bench"):
        print(f"{s.file} read {s.rows_read} loaded {s.rows_loaded} unchanged {s.rows_unchanged} "
              f"rejected {s.rows_rejected}")
"""


def run_ingest(csv: Path, db: Path, memory_limit: str | None = None) -> dict[str, object]:
    """``mikpi ingest`` in a child process: wall time, peak RSS (os.wait4), exit status, summary."""
    args = ["ingest", str(csv), "--db", str(db), "--tenant", "Bench"]
    mikpi = shutil.which("mikpi")
    command = [mikpi, *args] if mikpi else [sys.executable, "-c", "from analytics.cli import main; main()", *args]
    if memory_limit is not None:
        command = [sys.executable, "-c", LIMITED, str(csv), str(db), memory_limit]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    return {
        "command": " ".join(command),
        "exit_status": os.waitstatus_to_exitcode(status),
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),   # Linux: ru_maxrss is in KiB
        "memory_limit": memory_limit,
        "summary": [line.strip(" │") for line in output.splitlines() if csv.name in line],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="approximate CSV size")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mikpi-large"))
    parser.add_argument("--keep", action="store_true", help="keep the CSV and the store afterwards")
    parser.add_argument("--memory-limit", help="also ingest once more into a fresh store under DuckDB's "
                                               "SET memory_limit (e.g. 1GB), through the Python API")
    args = parser.parse_args()

    args.workdir.mkdir(parents=True, exist_ok=True)
    csv, db = args.workdir / "incidents_1gb.csv", args.workdir / "bench.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    rows = int(args.size_gb * 1024 ** 3 / BYTES_PER_ROW)
    gen_s = generate(csv, rows)
    size = csv.stat().st_size
    print(f"generated {csv} ({size / 1024 ** 3:.2f} GiB, {rows:,} rows) in {gen_s:.1f} s", flush=True)

    first = run_ingest(csv, db)
    print(f"ingest:    {first['wall_s']} s, peak RSS {first['peak_rss_mb']} MB, exit {first['exit_status']}",
          flush=True)
    again = run_ingest(csv, db)
    print(f"re-ingest: {again['wall_s']} s, peak RSS {again['peak_rss_mb']} MB, exit {again['exit_status']}",
          flush=True)
    limited = None
    if args.memory_limit:
        fresh = args.workdir / "bench_limited.duckdb"
        fresh.unlink(missing_ok=True)
        limited = run_ingest(csv, fresh, args.memory_limit)
        print(f"ingest under memory_limit {args.memory_limit}: {limited['wall_s']} s, "
              f"peak RSS {limited['peak_rss_mb']} MB, exit {limited['exit_status']}", flush=True)
        if not args.keep:
            fresh.unlink(missing_ok=True)
    for line in first["summary"] + again["summary"] + (limited["summary"] if limited else []):
        print("  " + line)

    result = {
        "csv_bytes": size, "rows": rows, "generate_s": round(gen_s, 1),
        "ingest": first, "reingest": again, "ingest_memory_limited": limited,
        "store_bytes": db.stat().st_size if db.exists() else None,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "duckdb": duckdb.__version__, "platform": platform.platform()},
    }
    (args.workdir / "result.json").write_text(json.dumps(result, indent=2))
    print(f"written {args.workdir / 'result.json'}")
    if not args.keep:
        csv.unlink(missing_ok=True)
        db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
