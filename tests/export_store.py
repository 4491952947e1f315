"""A small store holding record-level data for both fixture tenants, for exporter tests.

Pairs with ``tests.result_fixture.make_result()``: the result carries the KPIs,
this store carries what the export context lists (ingest runs, rejects,
actions, closure evidence, changes). Borealis rows carry Borealis leak markers
so an Aurora export can be searched for them.
"""

from __future__ import annotations

from analytics.store import Store

AURORA_SHA = "3f5a0c9e1d2b4a6f8e7d6c5b4a392817f6e5d4c3b2a19080706f5e4d3c2b1a09"
BOREALIS_SHA = "b0b0b0b0cafe4a6f8e7d6c5b4a392817f6e5d4c3b2a19080706f5e4d3c2b1a77"
SHARED_SHA = "5ca1ab1e00004a6f8e7d6c5b4a392817f6e5d4c3b2a19080706f5e4d3c2b1a55"
AURORA_FILE = "aurora-incidents-2026Q1.csv"
BOREALIS_FILE = "borealis-incidents-2026Q1.csv"
SHARED_FILE = "msp-journal-export.csv"


def _prov(run: int, sha: str, file: str) -> list:
    return ["governance", file, sha, 2, run]


def seed_two_tenants(store: Store) -> None:
    """Insert runs 1 (Aurora), 2 (Borealis) and 3 (a shared file) with their per-tenant counts."""
    con = store.con
    con.executemany(
        "INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?, 1000, 'servicenow', 'incidents', NULL)",
        [[1, "2026-03-02 08:00:00", "2026-03-02 08:00:05", AURORA_FILE, f"/in/{AURORA_FILE}", AURORA_SHA],
         [2, "2026-03-02 08:01:00", "2026-03-02 08:01:04", BOREALIS_FILE, f"/in/{BOREALIS_FILE}",
          BOREALIS_SHA],
         [3, "2026-03-02 08:02:00", "2026-03-02 08:02:09", SHARED_FILE, f"/in/{SHARED_FILE}", SHARED_SHA]])
    con.executemany(
        "INSERT INTO ingest_run_counts VALUES (?, ?, 'incidents', ?, ?, ?, ?, ?)",
        [[1, "Aurora Bank", 120, 117, 0, 0, 3],
         [2, "Borealis Retail", 80, 79, 0, 0, 1],
         [3, "Aurora Bank", 40, 30, 6, 4, 0],
         [3, "Borealis Retail", 55, 55, 0, 0, 0]])
    con.executemany(
        "INSERT INTO rejects VALUES (?, ?, 'servicenow', 'incidents', ?, ?, ?, ?, ?, ?)",
        [[1, "Aurora Bank", AURORA_FILE, AURORA_SHA, 14, "opened_at", "missing opened_at", "{}"],
         [1, "Aurora Bank", AURORA_FILE, AURORA_SHA, 15, "opened_at", "missing opened_at", "{}"],
         [1, "Aurora Bank", AURORA_FILE, AURORA_SHA, 40, "resolved_at",
          "timestamp '31/31/2026' does not parse", "{}"],
         [2, "Borealis Retail", BOREALIS_FILE, BOREALIS_SHA, 9, "number",
          "missing number (Borealis-only title)", '{"assigned_to": "Mateo Ruiz"}']])
    con.executemany(
        "INSERT INTO actions (tenant, action_id, incident_id, kind, title, owner, priority, due_at, "
        "completed_at, depends_on, row_hash, source, source_file, sha256, line, run_id) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 'h', ?, ?, ?, ?, ?)",
        [["Aurora Bank", "ACT-A1", "INC000001", "pir", "Fix alert routing", "Priya Shah",
          "2026-03-01 17:00:00", None, None, *_prov(1, AURORA_SHA, AURORA_FILE)],
         ["Aurora Bank", "ACT-A2", "INC000001", "mitigation", "Add failover runbook", "Priya Shah",
          "2026-03-10 17:00:00", "2026-03-09 10:00:00", "ACT-A1",
          *_prov(1, AURORA_SHA, AURORA_FILE)],
         ["Borealis Retail", "ACT-B1", "INC100001", "pir", "Borealis Checkout API hardening",
          "Mateo Ruiz", "2026-03-01 17:00:00", None, None,
          *_prov(2, BOREALIS_SHA, BOREALIS_FILE)]])
    con.executemany(
        "INSERT INTO closure_evidence (tenant, incident_id, service_validated_at, customer_confirmed_at, "
        "residual_risk, row_hash, source, source_file, sha256, line, run_id) "
        "VALUES (?, ?, ?, ?, ?, 'h', ?, ?, ?, ?, ?)",
        [["Aurora Bank", "INC000001", "2026-01-06 10:00:00", None, "Aurora residual risk",
          *_prov(1, AURORA_SHA, AURORA_FILE)],
         ["Borealis Retail", "INC100001", None, None, "Mateo Ruiz accepts Borealis Checkout API risk",
          *_prov(2, BOREALIS_SHA, BOREALIS_FILE)]])
    con.executemany(
        "INSERT INTO changes (tenant, change_id, title, ci, service, actual_end, row_hash, source, "
        "source_file, sha256, line, run_id) VALUES (?, ?, ?, ?, ?, ?, 'h', ?, ?, ?, ?, ?)",
        [["Aurora Bank", "CHG000001", "Patch payments gateway", "gw-01",
          "Core Banking Payments Gateway (EU-West)", "2026-01-06 02:00:00",
          *_prov(1, AURORA_SHA, AURORA_FILE)],
         ["Borealis Retail", "CHG100001", "Deploy Borealis Checkout API", "co-01", "Borealis Checkout API",
          "2026-01-07 02:00:00", *_prov(2, BOREALIS_SHA, BOREALIS_FILE)]])
    con.executemany(
        "INSERT INTO incidents (tenant, incident_id, title, priority, service, assigned_to, opened_at, "
        "row_hash, source, source_file, sha256, line, run_id) VALUES (?, ?, ?, 1, ?, ?, ?, 'h', ?, ?, ?, ?, ?)",
        [["Aurora Bank", "INC000001", "Aurora-only title", "Core Banking Payments Gateway (EU-West)",
          "Priya Shah", "2026-01-05 09:00:00", *_prov(1, AURORA_SHA, AURORA_FILE)],
         ["Borealis Retail", "INC100001", "Borealis-only title", "Borealis Checkout API", "Mateo Ruiz",
          "2026-01-05 10:00:00", *_prov(2, BOREALIS_SHA, BOREALIS_FILE)]])


def borealis_markers() -> list[str]:
    """Every string that must never appear in an Aurora Bank artefact."""
    from tests.result_fixture import LEAK_MARKERS

    return [*LEAK_MARKERS["Borealis Retail"], "Borealis Retail", "Borealis", BOREALIS_SHA, BOREALIS_FILE]
