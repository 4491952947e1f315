"""Governance layout (docs/governance-layout.md) -> the exact PIR, action, closure and timeline rows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from analytics.ingest import FileSummary, ingest_files

FIXTURES = Path(__file__).parent / "fixtures" / "governance"


def dt(*parts: int) -> datetime:
    return datetime(*parts)


def rows(store, sql: str) -> list[tuple]:
    return store.con.execute(sql).fetchall()


def test_pirs(bare_store):
    path = FIXTURES / "pirs.csv"
    # A row without tenant takes --tenant; a completion that does not parse is a reject.
    assert ingest_files(bare_store, [path], tenant="Cobalt") == [
        FileSummary(str(path), "governance", "pirs", 3, 2, 0, 0, 1, ("Aurora Bank", "Cobalt"))]
    assert rows(bare_store, "SELECT tenant, incident_id, due_at, completed_at, owner, source, line "
                            "FROM pirs ORDER BY incident_id") == [
        ("Aurora Bank", "INC0010001", dt(2026, 1, 10, 17), dt(2026, 1, 9, 10, 30), "Priya Shah", "governance", 2),
        ("Aurora Bank", "INC0010002", dt(2026, 1, 12, 17), None, "Sam Lee", "governance", 3),
    ]
    assert rows(bare_store, "SELECT tenant, kind, line, field, reason FROM rejects") == [
        ("Cobalt", "pirs", 4, "completed_at", "unparseable timestamp: soon")]


def test_actions_with_display_labels_and_company(bare_store):
    path = FIXTURES / "actions.csv"
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "governance", "actions", 3, 2, 0, 0, 1, ("Aurora Bank",))]
    assert rows(bare_store, "SELECT tenant, action_id, incident_id, kind, title, owner, priority, due_at, "
                            "completed_at, depends_on, line FROM actions ORDER BY action_id") == [
        ("Aurora Bank", "ACT-1", "INC0010001", "mitigation", "Fail over to the secondary site", "Hannah Cole",
         1, dt(2026, 1, 5, 10), dt(2026, 1, 5, 9, 40), None, 2),
        ("Aurora Bank", "ACT-2", "INC0010001", "pir", "Add pool saturation alert", "Tom Okafor", 2,
         dt(2026, 1, 19, 17), None, "ACT-1", 3),
    ]
    assert rows(bare_store, "SELECT line, field, reason FROM rejects") == [
        (4, "kind", "unknown action kind: follow-up (use mitigation or pir)")]


def test_closure_evidence(bare_store):
    path = FIXTURES / "closure.csv"
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "governance", "closure_evidence", 2, 2, 0, 0, 0, ("Aurora Bank",))]
    assert rows(bare_store, "SELECT tenant, incident_id, service_validated_at, customer_confirmed_at, "
                            "residual_risk, line FROM closure_evidence ORDER BY incident_id") == [
        ("Aurora Bank", "INC0010001", dt(2026, 1, 5, 12), dt(2026, 1, 6, 8),
         "Root cause fixed; low residual risk, monitored.", 2),
        ("Aurora Bank", "INC0010002", dt(2026, 1, 6, 12), None, None, 3),
    ]


def test_decision_log_lanes_and_kinds(bare_store):
    path = FIXTURES / "timeline.csv"
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "governance", "timeline", 5, 3, 0, 0, 2, ("Aurora Bank",))]
    assert rows(bare_store, "SELECT tenant, incident_id, occurred_at, kind, state, lane, actor, text, "
                            "evidence_link, source, line FROM timeline_events ORDER BY occurred_at") == [
        ("Aurora Bank", "INC0010001", dt(2026, 1, 5, 9, 5), "decision", None, "commander", "George Bell",
         "Major incident declared; bridge opened", None, "governance", 2),
        ("Aurora Bank", "INC0010001", dt(2026, 1, 5, 9, 10), "update", None, "communications", "Ewa Kowalska",
         "First stakeholder notice sent", "https://status.example/INC0010001", "governance", 3),
        ("Aurora Bank", "INC0010001", dt(2026, 1, 5, 9, 40), "action", None, "technical_lead", "Hannah Cole",
         "Failover executed", None, "governance", 4),
    ]
    assert rows(bare_store, "SELECT line, field, reason FROM rejects ORDER BY line") == [
        (5, "lane", ("unknown lane: Legal (use communications, technical_lead, service_owner, "
                    "executive_liaison or commander)")),
        (6, "kind", "unknown entry kind: escalation (use decision, action or update)"),
    ]


def test_xlsx_is_the_same_layout_and_the_same_records(bare_store, tmp_path):
    ingest_files(bare_store, [FIXTURES / "pirs.csv"], tenant="Cobalt")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [["Tenant", "Incident", "Due", "Completed", "Owner", "notes"],
                ["Aurora Bank", "INC0010001", datetime(2026, 1, 10, 17), "2026-01-09 10:30:00", "Priya Shah",
                 "on time"],
                ["Aurora Bank", "INC0010002", "2026-01-12 17:00:00", None, "Sam Lee", None]]:
        sheet.append(row)
    path = tmp_path / "pirs.xlsx"
    book.save(path)
    # Column labels, a real date cell, the same extra column: the same two records, unchanged.
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "governance", "pirs", 2, 0, 0, 2, 0, ("Aurora Bank",))]


def test_a_newer_pir_file_replaces_the_record_and_duplicates_keep_the_last_line(bare_store, tmp_path):
    ingest_files(bare_store, [FIXTURES / "pirs.csv"], tenant="Cobalt")
    path = tmp_path / "pirs.csv"
    path.write_text("tenant,incident,due_at,completed_at,owner\n"
                    "Aurora Bank,INC0010002,2026-01-12 17:00:00,2026-01-11 09:00:00,Sam Lee\n"
                    "Aurora Bank,INC0010002,2026-01-12 17:00:00,2026-01-12 09:00:00,Sam Lee\n")
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "governance", "pirs", 2, 0, 1, 1, 0, ("Aurora Bank",))]
    assert rows(bare_store, "SELECT completed_at, line FROM pirs WHERE incident_id = 'INC0010002'") == [
        (dt(2026, 1, 12, 9), 3)]


@pytest.mark.parametrize(("header", "kind"), [
    ("incident,due_at", "pirs"),
    ("action_id,incident,kind,due_at", "actions"),
    ("incident,service_validated_at,customer_confirmed_at,residual_risk", "closure_evidence"),
    ("incident,at,lane,kind,text", "timeline"),
])
def test_each_kind_is_detected_from_its_required_columns(bare_store, tmp_path, header, kind):
    path = tmp_path / "g.csv"
    path.write_text(header + "\n")
    # Header only: a clear 0-row outcome.
    assert ingest_files(bare_store, [path]) == [FileSummary(str(path), "governance", kind, 0, 0, 0, 0, 0, ())]
