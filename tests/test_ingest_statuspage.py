"""Statuspage incidents.json -> the exact canonical incidents and public updates."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from analytics.errors import IngestError
from analytics.ingest import FileSummary, ingest_files

FIXTURES = Path(__file__).parent / "fixtures" / "statuspage"

INCIDENT_COLUMNS = (
    "tenant, incident_id, sys_id, title, state, state_raw, priority, impact, urgency, severity, "
    "is_major, major_incident_state, category, subcategory, service, ci, assignment_group, "
    "assigned_to, opened_at, acknowledged_at, declared_at, mitigated_at, resolved_at, closed_at, "
    "updated_at, mod_count, caused_by_change, problem_id, parent_incident, reopen_count, "
    "reassignment_count, calendar_stc, business_stc"
)
NONE8 = (None,) * 8


def dt(*parts: int) -> datetime:
    return datetime(*parts)


def test_incidents_and_their_updates(bare_store):
    path = FIXTURES / "incidents.json"
    assert ingest_files(bare_store, [path], tenant="Aurora Bank") == [
        FileSummary(str(path), "statuspage", "incidents", 2, 6, 0, 0, 0, ("Aurora Bank",))]
    rows = bare_store.con.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents ORDER BY incident_id").fetchall()
    assert rows == [
        # impact critical -> priority 1; opened = started_at (before created_at); mitigated =
        # monitoring_at; service = the first component.
        ("Aurora Bank", "p31zjtct2jer", None, "Card payments failing", "resolved", "resolved", 1, "critical",
         None, None, None, None, None, None, "Card payments", None, None, None, dt(2026, 1, 5, 9), None,
         None, dt(2026, 1, 5, 10, 40), dt(2026, 1, 5, 11, 10), None, dt(2026, 1, 5, 11, 15), *NONE8),
        # No started_at: created_at (-05:00 -> UTC); minor -> 3; identified -> in_progress.
        ("Aurora Bank", "q41zjtct2jfs", None, "Slow statements page", "in_progress", "identified", 3, "minor",
         None, None, None, None, None, None, None, None, None, None, dt(2026, 1, 6, 12, 30), None, None,
         None, None, None, dt(2026, 1, 6, 13), *NONE8),
    ]
    attrs = {i: json.loads(a) for i, a in bare_store.con.execute(
        "SELECT incident_id, attributes FROM incidents ORDER BY 1").fetchall()}
    assert attrs == {
        "p31zjtct2jer": {"postmortem_body": None, "components": ["Card payments", "Mobile app"],
                         "created_at": "2026-01-05T09:07:00.000Z", "shortlink": "http://stspg.io/p31zjtct2jer",
                         "page_id": "y2j98763l443"},
        "q41zjtct2jfs": {"postmortem_body": None, "created_at": "2026-01-06T07:30:00-05:00",
                         "shortlink": "http://stspg.io/q41zjtct2jfs", "page_id": "y2j98763l443"},
    }
    updates = bare_store.con.execute(
        "SELECT tenant, incident_id, update_id, posted_at, audience, channel, author, body, source, line "
        "FROM updates ORDER BY posted_at").fetchall()
    assert updates == [
        ("Aurora Bank", "p31zjtct2jer", "u1", dt(2026, 1, 5, 9, 10), "public", "statuspage", None,
         "We are investigating failed card payments.", "statuspage", 1),
        # Text verbatim: no HTML stripped, no formula interpreted.
        ("Aurora Bank", "p31zjtct2jer", "u2", dt(2026, 1, 5, 10, 40), "public", "statuspage", None,
         "A fix is in place; we are monitoring.\n<b>Thanks</b> for your patience", "statuspage", 1),
        ("Aurora Bank", "p31zjtct2jer", "u3", dt(2026, 1, 5, 11, 10), "public", "statuspage", None,
         "Resolved.", "statuspage", 1),
        ("Aurora Bank", "q41zjtct2jfs", "u4", dt(2026, 1, 6, 13), "public", "statuspage", None,
         "=1+1 We have identified the cause.", "statuspage", 2),
    ]
    assert bare_store.con.execute(
        "SELECT kind, rows_read, rows_loaded FROM ingest_run_counts ORDER BY kind").fetchall() == [
        ("incidents", 2, 2), ("updates", 0, 4)]  # 2 records read, 2 incidents and their 4 updates loaded


def test_priority_from_impact_and_states(bare_store, tmp_path):
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps({"incidents": [
        {"id": f"i{n}", "name": impact, "status": status, "impact": impact,
         "created_at": "2026-01-05T09:00:00Z", "incident_updates": []}
        for n, (impact, status) in enumerate([("none", "investigating"), ("minor", "monitoring"),
                                              ("major", "postmortem"), ("critical", "resolved"),
                                              ("maintenance", "scheduled")])
    ]}))
    ingest_files(bare_store, [path])
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, priority, state FROM incidents ORDER BY 2").fetchall() == [
        ("default", "i0", 4, "in_progress"), ("default", "i1", 3, "in_progress"),
        ("default", "i2", 2, "resolved"), ("default", "i3", 1, "resolved"), ("default", "i4", 5, "new")]
    assert bare_store.con.execute("SELECT count(*) FROM updates").fetchone() == (0,)


def test_an_empty_incidents_list_needs_the_source_flag(bare_store, tmp_path):
    path = tmp_path / "incidents.json"
    path.write_text('{"page": {"id": "x"}, "incidents": []}')
    with pytest.raises(IngestError) as err:
        ingest_files(bare_store, [path])
    assert str(err.value) == (f"{path}: could be pagerduty/incidents or statuspage/incidents; "
                              "pass --source and --kind")
    assert ingest_files(bare_store, [path], source="statuspage") == [
        FileSummary(str(path), "statuspage", "incidents", 0, 0, 0, 0, 0, ())]
