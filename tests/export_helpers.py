"""Shared by the XLSX and PPTX export tests: seeded listings, OOXML search, the sample build."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from analytics.store import open_store
from exporters.context import build_context
from exporters.register_xlsx import write_register
from tests.result_fixture import LEAK_MARKERS

PROV = "'governance', 'gov.csv', 'sha', 2"


def seed_store(con) -> None:
    """Governance listings and provenance for both fixture tenants, each with its own markers."""
    con.execute("""INSERT INTO ingest_runs VALUES
        (1, TIMESTAMP '2026-03-01 09:00', TIMESTAMP '2026-03-01 09:01', 'aurora-incidents.csv', NULL,
         'aaaa1111', 100, 'servicenow', 'incidents', NULL),
        (2, TIMESTAMP '2026-03-01 10:00', TIMESTAMP '2026-03-01 10:01', 'Borealis-export.csv', NULL,
         'bbbb2222', 100, 'servicenow', 'incidents', NULL)""")
    con.execute("""INSERT INTO ingest_run_counts VALUES (1, 'Aurora Bank', 'incidents', 40, 37, 0, 0, 3),
        (2, 'Borealis Retail', 'incidents', 50, 48, 0, 0, 2)""")
    con.execute("""INSERT INTO rejects VALUES
        (1, 'Aurora Bank', 'servicenow', 'incidents', 'aurora-incidents.csv', 'aaaa1111', 7, 'opened_at',
         'timestamp does not parse', '{}'),
        (1, 'Aurora Bank', 'servicenow', 'incidents', 'aurora-incidents.csv', 'aaaa1111', 9, 'opened_at',
         'timestamp does not parse', '{}'),
        (1, 'Aurora Bank', 'servicenow', 'incidents', 'aurora-incidents.csv', 'aaaa1111', 12, 'number',
         '=cmd|calc', '{}'),
        (2, 'Borealis Retail', 'servicenow', 'incidents', 'Borealis-export.csv', 'bbbb2222', 3, 'number',
         'Borealis-only reason', '{}')""")
    con.execute(f"""INSERT INTO actions (tenant, action_id, incident_id, kind, title, owner, due_at,
                    completed_at, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'A1', 'INC000000', 'pir', 'Fix alerting', 'Priya Shah',
         TIMESTAMP '2026-03-10', NULL, 'h', {PROV}, 1),
        ('Aurora Bank', 'A2', 'INC000001', 'mitigation', 'Rollback runbook', 'Priya Shah',
         TIMESTAMP '2026-03-20', NULL, 'h', {PROV}, 1),
        ('Aurora Bank', 'A3', 'INC000002', 'pir', 'Capacity review', 'Oliver Grant',
         TIMESTAMP '2026-03-25', NULL, 'h', {PROV}, 1),
        ('Aurora Bank', 'A4', 'INC000003', 'pir', 'Vendor escalation', 'Oliver Grant',
         TIMESTAMP '2026-03-01', TIMESTAMP '2026-02-28', 'h', {PROV}, 1),
        ('Aurora Bank', 'A5', 'INC000004', 'pir', 'Update template', 'Oliver Grant',
         TIMESTAMP '2026-04-15', NULL, 'h', {PROV}, 1),
        ('Borealis Retail', 'B1', 'INC100000', 'pir', 'Borealis-only action', 'Mateo Ruiz',
         TIMESTAMP '2026-03-01', NULL, 'h', {PROV}, 2)""")
    con.execute(f"""INSERT INTO closure_evidence (tenant, incident_id, service_validated_at,
                    customer_confirmed_at, residual_risk, row_hash, source, source_file, sha256,
                    line, run_id) VALUES
        ('Aurora Bank', 'INC000000', TIMESTAMP '2026-01-06', NULL, 'none', 'h', {PROV}, 1),
        ('Aurora Bank', 'INC000001', TIMESTAMP '2026-01-07', TIMESTAMP '2026-01-07', '', 'h', {PROV}, 1),
        ('Borealis Retail', 'INC100000', NULL, NULL, 'Borealis-only risk', 'h', {PROV}, 2)""")


def xml_parts(data: bytes) -> dict[str, str]:
    """Every part of an OOXML zip as text, descending into embedded packages."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            blob = zf.read(name)
            if name.endswith((".xlsx", ".xlsm", ".docx", ".pptx")) or blob[:2] == b"PK":
                out.update({f"{name}!{k}": v for k, v in xml_parts(blob).items()})
            else:
                out[name] = blob.decode("utf-8", errors="replace")
    return out


def assert_no_leak(path: Path, other: str = "Borealis Retail") -> int:
    parts = xml_parts(path.read_bytes())
    for name, text in parts.items():
        for marker in [*LEAK_MARKERS[other], "Borealis", "INC1000", "Mateo"]:
            assert marker not in text, f"{marker!r} in {name}"
    return len(parts)


def build_sample_export(root: Path) -> tuple:
    """Sample exports -> ingest -> the real KPI engine -> Aurora Bank's register and deck.

    Returns (ctx, result, xlsx path, pptx path, strings only other tenants have). The same
    sample shape as tests/test_export_sample.py, with its ServiceNow and governance files, so the
    artefacts show governance KPIs too.
    """
    from analytics.ingest import ingest_files
    from analytics.kpis.engine import compute_kpis
    from analytics.sample import generate_sample
    from exporters.brief_pptx import write_brief

    generate_sample(root / "data", tenants=3, weeks=9, incidents_per_week=8)
    store = open_store(root / "mikpi.duckdb")
    ingest_files(store, [*sorted((root / "data" / "servicenow").glob("*.csv")),
                         *sorted((root / "data" / "governance").glob("*.csv"))])
    # Every tenant and ALL computed, so the export's restriction to one tenant is what is tested.
    result = compute_kpis(store, config=root / "data" / "mikpi.toml")
    ctx = build_context(store, result, "Aurora Bank")
    xlsx, pptx = root / "kpi-and-risk-register.xlsx", root / "exec-brief.pptx"
    write_register(ctx, xlsx)
    write_brief(ctx, pptx)
    # What only the other tenants have in the store: their names, services, CIs and incident numbers.
    others = [t for t in store.tenants() if t != "Aurora Bank"]
    only_others = store.con.execute("""
        SELECT v FROM (SELECT tenant, unnest([service, ci, incident_id]) AS v FROM incidents)
        WHERE v IS NOT NULL GROUP BY v HAVING bool_and(tenant <> 'Aurora Bank')""").fetchall()
    aurora = [v for (v,) in store.con.execute(
        "SELECT DISTINCT unnest([service, ci, incident_id, title]) FROM incidents WHERE tenant = 'Aurora Bank'"
    ).fetchall() if v]
    # A name inside an Aurora name ("X" in "X (EU)") proves nothing: leave those out.
    markers = sorted(v for (v,) in only_others if not any(v in a for a in aurora))
    markers = [*others, "Borealis", *markers]
    store.close()
    return ctx, result, xlsx, pptx, markers
