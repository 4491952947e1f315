"""implementation-runbook.docx read back with python-docx: structure, settings, figures, isolation."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from docx import Document

from analytics.formatting import (
    format_improvement,
    format_interval,
    format_status,
    format_value,
    kpi_label,
)
from analytics.store import open_store
from exporters import content
from exporters.export import export_artefacts
from tests.export_store import borealis_markers, seed_two_tenants
from tests.previews import needs_pdftoppm, needs_soffice, render_pages, soffice_to_pdf
from tests.result_fixture import make_result


def _result_with_aurora_cadence():
    """The fixture result with an Aurora override: P1 every 15 minutes, PIR window 3 days."""
    result = make_result()
    settings = dict(result.settings)
    settings["tenants"] = {"Aurora Bank": {"timezone": "Europe/London",
                                           "cadence_minutes": {"P1": 15}, "pir_window_days": 3}}
    return dataclasses.replace(result, settings=settings)


@pytest.fixture(scope="module")
def runbook(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx")
    with open_store(None) as store:
        seed_two_tenants(store)
        [path] = export_artefacts(store, _result_with_aurora_cadence(), "Aurora Bank", out, only="docx")
    return path


@pytest.fixture(scope="module")
def doc(runbook):
    return Document(str(runbook))


def _table(doc, first_header: str, second_header: str):
    for table in doc.tables:
        cells = [c.text for c in table.rows[0].cells]
        if cells[:2] == [first_header, second_header]:
            return table
    raise AssertionError(f"no table headed {first_header!r}, {second_header!r}")


def _first_line(cell) -> str:
    return cell.paragraphs[0].text


def test_sections_are_real_word_headings(doc):
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == ["Owners", "Prerequisites gate", "Trigger criteria for major-incident mode",
                  "Role lanes and duties", "Update cadence", "Mitigation queue", "Closure gates",
                  "Post-incident review", "Escalation paths", "30-day implementation rhythm",
                  "Risks and controls", "KPI baseline and targets"]
    h2 = {p.text for p in doc.paragraphs if p.style.name == "Heading 2"}
    assert {"Commander assignment", "Queue rules and dependency tracking", "Rollback steps",
            "Week 1 — Prepare", "Week 4 — Operate", "KPIs with targets", "Other KPIs"} <= h2


def test_title_page_names_tenant_and_date(doc):
    texts = [p.text for p in doc.paragraphs[:12]]
    assert "Implementation runbook" in texts and "Aurora Bank" in texts
    facts = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert facts["Prepared for"] == "Aurora Bank"
    assert facts["Generated"] == "30 Mar 2026 09:00 UTC"
    assert facts["Data up to"] == "programme week 9"
    assert facts["Reporting timezone"] == "Europe/London"
    assert doc.core_properties.title == "Implementation runbook — Aurora Bank"


def test_steps_are_numbered_lists_restarting_at_one(doc):
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    expected = (len(content.PLAYBOOK_STEPS) + len(content.COMMANDER_STEPS)
                + len(content.MITIGATION_QUEUE_RULES) + len(content.ROLLBACK_STEPS) + len(content.PIR_STEPS))
    assert len(numbered) == expected == 27
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    # Five lists, each its own numbering instance (so each starts at 1).
    assert len(set(num_ids)) == 5
    assert [p.text for p in numbered[:2]] == list(content.PLAYBOOK_STEPS[:2])


def test_rhythm_and_prerequisites_are_checklists(doc):
    boxes = [p.text for p in doc.paragraphs if p.text.startswith("\u2610\t")]
    assert len(boxes) == 12 + 4
    assert "\u2610\tCapture baseline values for all listed KPIs." in boxes


def test_cadence_table_comes_from_the_tenants_settings(doc):
    table = _table(doc, "Priority", "Update at least every")
    rows = [[c.text for c in row.cells[:2]] for row in table.rows[1:]]
    # Aurora's override P1 = 15 merged over the defaults P2 = 60, other = 120.
    assert rows == [["P1", "15 minutes"], ["P2", "60 minutes"], ["Any other priority", "120 minutes"]]


def test_pir_window_and_major_priorities_from_settings(doc):
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "completed within 3 days of resolution" in text
    assert "Reporting treats P1 incidents as major" in text


def test_kpi_baseline_table_equals_the_result(doc):
    table = _table(doc, "KPI", "Baseline")
    header = [c.text for c in table.rows[0].cells]
    assert header == ["KPI", "Baseline", "Latest", "Improvement", "90 % interval", "Target", "Status"]
    rows = {row.cells[0].text: row for row in table.rows[1:]}
    assert list(rows) == ["MTTA", "MTTR", "Status-update compliance", "Repeat major-incident rate"]
    mttr = rows["MTTR"]
    # Hand-computed from the fixture: baseline 260 min; week 9 improvement 45 % -> 143 min.
    assert [_first_line(c) for c in mttr.cells] == [
        "MTTR", "4 h 20 min", "2 h 23 min", "+45.0 %", "[+35.5 %, +53.2 %]", "≥ +20.0 % by week 8", "Met"]
    assert mttr.cells[1].paragraphs[1].text == "n = 5"
    assert mttr.cells[2].paragraphs[1].text == "week 9, n = 20"
    assert mttr.cells[5].paragraphs[1].text == "stretch +50.0 %"
    cp = make_result().checkpoints
    latest = cp[(cp["tenant"] == "Aurora Bank") & (cp["checkpoint"] == "latest")].set_index("kpi")
    for kpi in ("mtta_minutes", "mttr_minutes", "update_compliance_pct", "repeat_rate_pct"):
        row, rec = rows[kpi_label(kpi)], latest.loc[kpi]
        assert _first_line(row.cells[1]) == format_value(kpi, rec["baseline"])
        assert _first_line(row.cells[2]) == format_value(kpi, rec["value"])
        assert row.cells[3].text == format_improvement(rec["improvement_pct"])
        assert row.cells[4].text == format_interval(rec["improvement_ci_low"],
                                                                       rec["improvement_ci_high"])
        assert row.cells[6].text == format_status(rec["status"])


def test_other_kpis_listed_with_their_baseline(doc):
    table = _table(doc, "KPI", "Baseline")
    others = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["KPI", "Baseline"]][1]
    assert table is not others
    assert [c.text for c in others.rows[0].cells] == [
        "KPI", "Baseline", "Week 4", "Week 8", "Latest (wk 9)", "Improvement", "90 % interval"]
    rows = {row.cells[0].text: [_first_line(c) for c in row.cells[1:]] for row in others.rows[1:]}
    # Time to mitigate: baseline 210 min; weeks 4, 8, 9 at 20, 40, 45 % better.
    assert rows["Time to mitigate"] == ["3 h 30 min", "2 h 48 min", "2 h 6 min", "1 h 56 min", "+45.0 %",
                                        "[+35.5 %, +53.2 %]"]
    assert rows["Closure-gate compliance"][0] == "55.0 %"
    assert len(rows) == 7


def test_risks_and_controls_map_psf_and_pai8(doc):
    table = _table(doc, "Risk", "Control and owner")
    mapping = [row.cells[2].text for row in table.rows[1:]]
    assert mapping == ["D2 Output validation\nC2 Decision quality", "D6 Human oversight\nC6 Incident governance",
                       "D5 Deployment safety\nC5 Mitigation safety", "D4 Observability\nC4 Command telemetry"]
    evidence = table.rows[1].cells[3].text
    # Aurora's runs 1 and 3: 160 rows read, 3 rejected.
    assert "Rows rejected at ingest: 3 of 160 rows rejected (1.9 %) across 2 ingest runs" in evidence


def test_overdue_actions_are_the_tenants_own(doc):
    table = _table(doc, "Action", "Incident")
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        ["ACT-A1", "INC000001", "Priya Shah", "01 Mar 2026", "29"]]


def test_nothing_of_another_tenant_in_any_part(runbook):
    markers = [m.lower() for m in borealis_markers()]
    with zipfile.ZipFile(runbook) as z:
        names = z.namelist()
        assert "word/document.xml" in names and "word/footer1.xml" in names
        for name in names:
            part = z.read(name).decode("utf-8", errors="replace").lower()
            for marker in markers:
                assert marker not in part, f"{marker!r} in {name}"
        assert "aurora bank" in z.read("word/footer1.xml").decode().lower()


def test_portfolio_runbook_names_the_portfolio(tmp_path):
    with open_store(None) as store:
        seed_two_tenants(store)
        [path] = export_artefacts(store, make_result(), "ALL", tmp_path, only=["docx"])
    doc = Document(str(path))
    assert "All tenants (portfolio)" in [p.text for p in doc.paragraphs[:12]]
    table = _table(doc, "Priority", "Update at least every")
    assert table.rows[1].cells[1].text == "30 minutes"


@pytest.mark.render
@needs_soffice
@needs_pdftoppm
def test_runbook_converts_in_libreoffice_and_renders(runbook, tmp_path):
    pdf = soffice_to_pdf(runbook, tmp_path, tmp_path / "lo-profile")
    pages = render_pages(pdf, tmp_path, "implementation-runbook")  # previews: test_export_sample
    assert len(pages) >= 6
    assert all(p.stat().st_size > 2_000 for p in pages)


def test_tenant_without_data(tmp_path):
    with open_store(None) as store:
        [path] = export_artefacts(store, make_result(), "Cygnus Air", tmp_path, only="docx")
    doc = Document(str(path))
    text = [p.text for p in doc.paragraphs]
    assert "No KPI data for this tenant yet: capture the baseline in week one." in text
    facts = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert facts["Data up to"] == "—"
