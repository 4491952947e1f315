"""The benchmark's published form: the machine it ran on and one markdown table row per measurement."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    size: int
    step: str
    wall_s: float | None
    peak_mb: float | None
    target: str
    verdict: str


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model and library versions: what a reader needs to compare numbers."""
    import duckdb
    import pandas

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():  # loop over a few hundred lines
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem_gb = round(pages * size / 1024 ** 3, 1)
    except (ValueError, OSError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"nproc": os.cpu_count(), "memory_gb": mem_gb, "cpu": model, "duckdb": duckdb.__version__,
            "pandas": pandas.__version__, "load_avg_1min_at_start": load}


def _num(value: float | None, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def table(rows: list[Row]) -> str:
    lines = ["| size (incidents) | step | wall s | peak MB | target (1M) | ratio / verdict |",
             "|---:|---|---:|---:|---|---|"]
    for r in rows:  # loop over table rows
        lines.append(f"| {r.size:,} | {r.step} | {_num(r.wall_s, '.3f')} | {_num(r.peak_mb, ',.0f')} "
                     f"| {r.target} | {r.verdict} |")
    return "\n".join(lines)


def _is_target(row: Row) -> bool:
    """A row the issue sets a target for (its target column is not "—")."""
    return row.target.strip("()").split(" at 1M")[0] != "—"


def markdown(results: dict[str, Any], rows: list[Row]) -> str:
    m = results["machine"]
    sizes = sorted(results["sizes"].items(), key=lambda kv: int(kv[0]))
    shapes = "; ".join(f"{int(n):,}: {e['shape']['tenants']} tenants × {e['shape']['weeks']} weeks × "
                       f"{e['shape']['incidents_per_week']:,}/week" for n, e in sizes)
    peak = max((r.peak_mb for r in rows if r.peak_mb is not None and _is_target(r)), default=None)
    top = max((r for r in rows if r.peak_mb is not None), key=lambda r: r.peak_mb, default=None)
    return "\n".join([
        "# mikpi benchmark — latest run",
        "",
        f"- date: {results['date']}; code: {results.get('code', 'unknown')}; command: `{results['command']}`",
        (f"- machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB RAM, load average "
         f"{_num(m['load_avg_1min_at_start'], '.2f')} at start; Python {results['python']}, "
         f"DuckDB {m['duckdb']}, pandas {m['pandas']}"),
        f"- sample shape (ServiceNow incidents): {shapes}",
        f"- ingested files: {', '.join(results['csv_files'])}",
        ("- wall s: the step's work only, in a fresh process; peak MB: that process's own peak RSS "
         "(`VmHWM`, DuckDB's threads included). Targets apply at 1,000,000 incidents."),
        f"- peak memory of the steps with a target: {_num(peak, ',.0f')} MB (target < 4,096 MB at 1M)",
        (f"- peak memory of any row: {_num(top.peak_mb, ',.0f')} MB ({top.size:,}: {top.step})" if top else
         "- peak memory of any row: —"),
        "",
        table(rows),
        "",
        *[f"- {int(n):,}: step {k} failed: {v.split(' | ')[-1].strip()}" for n, e in sizes
          for k, v in e.get("errors", {}).items()],
        *[f"- {note}" for note in results.get("notes", [])],
        "",
        "How each step is measured: [benchmarks/README.md](../README.md).",
        "",
    ])


def write_results(out: Path, results: dict[str, Any], rows: list[Row]) -> None:
    """``latest.md`` and ``latest.json`` under ``out``, each replaced whole."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in (("latest.md", markdown(results, rows)),
                       ("latest.json", json.dumps(results, indent=1, default=str) + "\n")):
        tmp = out / f".{name}.partial"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out / name)
