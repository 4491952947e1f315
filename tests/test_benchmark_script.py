"""The benchmark script end to end at a tiny size: it runs every step and publishes every row.

No timing is asserted (the numbers depend on the machine); only that the script works and
its table is complete, so the published benchmark cannot rot unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEPS = [
    "generate sample (not a target)",
    "floor: DuckDB `read_csv` → table",
    "ingest ServiceNow CSVs",
    "ingest governance CSVs (not a target)",
    "compute_kpis, all tenants + ALL: facts derived in the call",
    "keep the KPI facts in the store (`mikpi ingest` ends with it; not a target)",
    "compute_kpis, all tenants + ALL: from the kept facts, every frame",
    "compute_kpis, all tenants + ALL: from the kept facts, no breakdowns",
    "`mikpi kpis --format json`, all tenants + ALL (not a target)",
    "tenant switch, cold (first page: engine runs)",
    "tenant switch, warm: slowest callback",
    "tenant switch, warm: all 7 callbacks in sequence",
    "filter not seen before, its busiest service: slowest callback",
    "filter not seen before, weeks 2–8: slowest callback",
    "filter not seen before, priority 2: slowest callback",
    "filter not seen before, portfolio (ALL), priority 2: slowest callback",
    "scope toggle to all incidents: slowest callback",
    "one tenant: KPIs + four exports",
]


def test_benchmark_at_300_incidents_publishes_every_row(tmp_path):
    out, work = tmp_path / "results", tmp_path / "work"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "300", "--tenants", "3",
         "--weeks", "10", "--out", str(out), "--workdir", str(work)],
        check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    table = (out / "latest.md").read_text(encoding="utf-8")
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| 300 |")]
    assert [r[1] for r in rows] == [*STEPS, "ingest in 5 calls (batch check)"]
    by_step = {r[1]: r for r in rows}
    assert by_step["ingest ServiceNow CSVs"][5].split("×")[0].replace(".", "").isdigit()
    # a small store: the other scope was computed ahead while the page was idle
    assert by_step["scope toggle to all incidents: slowest callback"][5].startswith("computed ahead")
    # to the bit: no "except float rounding"
    assert by_step["ingest in 5 calls (batch check)"][5].startswith("identical (same store computed twice: identical)")
    assert "2 cores" in table or f"{__import__('os').cpu_count()} cores" in table
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    shape = data["sizes"]["300"]["shape"]
    assert (shape["tenants"], shape["weeks"], shape["incidents_per_week"], shape["servicenow_incidents"]) == (
        3, 10, 10, 300)
    ingest = data["sizes"]["300"]["steps"]["ingest"]
    # the sample's one deliberately blank opened_at is rejected
    assert ingest["incidents_loaded"] == 299 and ingest["peak_mb"] > 0
    assert not data["sizes"]["300"].get("errors")
    # the generated exports and stores stay in the work folder, not next to the results
    assert sorted(p.name for p in out.iterdir()) == ["latest.json", "latest.md"]
