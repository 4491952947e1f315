"""`mikpi demo`, the README's first command, end to end (without the server, which blocks).

The other tests cover each step; this one keeps the sequence a new user runs honest: the
sample, both ingests (the PagerDuty one keeping the KPI facts), the KPI table and every
client's and the portfolio's four artefacts.
"""

from __future__ import annotations

import re

import pytest

from analytics.cli import main
from analytics.store import open_store

pytest.importorskip("exporters")

ARTEFACTS = ["exec-brief.pptx", "implementation-runbook.docx", "kpi-and-risk-register.xlsx",
             "proof-brief.pdf"]


def test_demo_writes_every_clients_artefacts_from_a_clean_store(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--no-serve"]) == 0
    printed = capsys.readouterr().out
    steps = re.findall(r"^\$ mikpi (\w+)", printed, flags=re.MULTILINE)
    assert steps[:5] == ["sample", "ingest", "ingest", "kpis", "export"]  # as the README lists them
    with open_store(out / "mikpi.duckdb", read_only=True) as store:
        tenants = store.tenants()
        runs = store.con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0]
        kept = store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'facts'").fetchone()[0]
    assert len(tenants) == 4 and kept > 0  # the last ingest kept the facts the reports read
    folders = sorted(p.name for p in (out / "artefacts").iterdir())
    assert folders == sorted([re.sub(r"[^a-z0-9]+", "-", t.lower()) for t in tenants] + ["all"])
    for folder in folders:
        files = sorted(p.name for p in (out / "artefacts" / folder).iterdir())
        assert files == ARTEFACTS, folder
        assert all((out / "artefacts" / folder / f).stat().st_size > 10_000 for f in files)
    assert f"Artefacts: {out / 'artefacts'}" in printed
    # Run again into the same folder: a demo starts from a clean store, not on top of the last one.
    assert main(["demo", "--out", str(out), "--no-serve"]) == 0
    with open_store(out / "mikpi.duckdb", read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0] == runs
