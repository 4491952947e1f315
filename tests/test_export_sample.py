"""End to end: sample exports -> ingest -> KPI engine -> artefacts; the files show the engine's numbers.

Also writes the committed page previews (docs/previews/) from the sample data when
MIKPI_WRITE_PREVIEWS=1 (see docs/artefacts.md).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from docx import Document

from analytics import details
from analytics.formatting import (
    format_improvement,
    format_interval,
    format_status,
    format_value,
    kpi_label,
)
from analytics.store import open_store
from exporters import registry
from exporters.export import export_artefacts
from tests.previews import needs_pdftoppm, needs_soffice, preview_dir, render_pages, soffice_to_pdf

engine = pytest.importorskip("analytics.kpis.engine")
sample = pytest.importorskip("analytics.sample")
ingest = pytest.importorskip("analytics.ingest")

START = datetime(2026, 1, 5)
WEEKS = 9
TARGETED = ("mtta_minutes", "mttr_minutes", "update_compliance_pct", "repeat_rate_pct")
NAMES = {"week4": "Week 4", "week8": "Week 8", "week13": "Week 13", "latest": "Latest"}


def _available() -> list[str]:
    """Artefact keys whose writer is implemented in this tree."""
    keys = []
    for key, artefact in registry.ARTEFACTS.items():
        try:
            artefact.load_writer()
        except (ImportError, AttributeError):
            continue
        keys.append(key)
    return keys


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    sample.generate_sample(root / "exports", tenants=2, weeks=WEEKS, incidents_per_week=6,
                           start=START.date().isoformat())
    files = sorted((root / "exports" / "servicenow").glob("*.csv"))
    if "governance" in ingest.registered_sources():  # the governance source may land later
        files += sorted((root / "exports" / "governance").glob("*.csv"))
    store = open_store(root / "mikpi.duckdb")
    ingest.ingest_files(store, files)
    tenants = store.tenants()
    tenant = tenants[0]
    # Exported as at the end of the programme: figures and previews do not depend on today's date.
    result = engine.compute_kpis(store, tenant=tenant, config=root / "exports" / "mikpi.toml",
                                 as_of=START + timedelta(weeks=WEEKS))
    paths = export_artefacts(store, result, tenant, root / "out", only=_available())
    runs = details.ingest_runs(store, tenant)
    store.close()
    yield {"tenant": tenant, "others": tenants[1:], "result": result, "runs": runs,
           "paths": {p.suffix.lstrip("."): p for p in paths}}


def _pdf_lines(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [re.sub(r"\s+", " ", line).strip() for line in out.splitlines()]


def _latest(result, tenant: str):
    cp = result.checkpoints
    return cp[(cp["tenant"] == tenant) & (cp["checkpoint"] == "latest")].set_index("kpi")


def test_every_implemented_artefact_is_written(exported):
    assert {"docx", "pdf"} <= set(exported["paths"])
    assert all(p.stat().st_size > 10_000 for p in exported["paths"].values())


def test_runbook_kpi_table_equals_the_engine(exported):
    doc = Document(str(exported["paths"]["docx"]))
    facts = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert facts["Figures as of"] == "09 Mar 2026 00:00 UTC"
    assert facts["Data up to"] == "programme week 9"
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["KPI", "Baseline", "Latest"])
    rows = {row.cells[0].text: row for row in table.rows[1:]}
    latest = _latest(exported["result"], exported["tenant"])
    assert list(rows) == [kpi_label(k) for k in TARGETED]
    for kpi in TARGETED:
        rec, cells = latest.loc[kpi], rows[kpi_label(kpi)].cells
        assert cells[1].paragraphs[0].text == format_value(kpi, rec["baseline"])
        assert cells[2].paragraphs[0].text == format_value(kpi, rec["value"])
        assert cells[3].text == format_improvement(rec["improvement_pct"])
        assert cells[4].text == format_interval(rec["improvement_ci_low"], rec["improvement_ci_high"])
        assert cells[6].text == format_status(rec["status"])


def test_proof_checkpoints_and_provenance_equal_the_engine(exported):
    lines = _pdf_lines(exported["paths"]["pdf"])
    cp = exported["result"].checkpoints
    cp = cp[(cp["tenant"] == exported["tenant"]) & cp["kpi"].isin(TARGETED)]
    assert len(cp) >= 8
    for rec in cp.to_dict("records"):  # every checkpoint of every KPI with a target
        expected = " ".join([NAMES[rec["checkpoint"]], str(int(rec["week"])),
                             format_value(rec["kpi"], rec["value"]), str(int(rec["n"])),
                             format_improvement(rec["improvement_pct"]),
                             format_interval(rec["improvement_ci_low"], rec["improvement_ci_high"])])
        assert any(expected in line for line in lines), expected
    text = " ".join(lines)
    assert len(exported["runs"]) >= 4
    for sha in exported["runs"]["sha256"]:
        assert sha in text


def test_no_other_tenant_in_runbook_or_proof(exported):
    others = [t.lower() for t in exported["others"]]
    assert others
    with zipfile.ZipFile(exported["paths"]["docx"]) as z:
        for name in z.namelist():
            part = z.read(name).decode("utf-8", errors="replace").lower()
            assert not [t for t in others if t in part], name
    text = " ".join(_pdf_lines(exported["paths"]["pdf"])).lower()
    assert not [t for t in others if t in text]


@pytest.mark.render
@needs_soffice
@needs_pdftoppm
def test_sample_artefacts_render(exported, tmp_path):
    """LibreOffice converts the runbook; pdftoppm renders both PDFs (docs/previews with MIKPI_WRITE_PREVIEWS=1)."""
    target = preview_dir(tmp_path)
    runbook_pdf = soffice_to_pdf(exported["paths"]["docx"], tmp_path, tmp_path / "lo-profile")
    assert len(render_pages(runbook_pdf, target, "implementation-runbook")) >= 6
    assert len(render_pages(exported["paths"]["pdf"], target, "proof-brief")) >= 3
