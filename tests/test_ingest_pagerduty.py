"""PagerDuty shapes -> the exact canonical rows (hand-computed from the fixtures)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from analytics.ingest import FileSummary, TableCounts, ingest_files
from analytics.sample.generator import generate_sample, pagerduty_tenant

FIXTURES = Path(__file__).parent / "fixtures" / "pagerduty"

INCIDENT_COLUMNS = (
    "tenant, incident_id, sys_id, title, state, state_raw, priority, impact, urgency, severity, "
    "is_major, major_incident_state, category, subcategory, service, ci, assignment_group, "
    "assigned_to, opened_at, acknowledged_at, declared_at, mitigated_at, resolved_at, closed_at, "
    "updated_at, mod_count, caused_by_change, problem_id, parent_incident, reopen_count, "
    "reassignment_count, calendar_stc, business_stc"
)
NONE8 = (None,) * 8   # mod_count .. business_stc: PagerDuty has none of them


def dt(*parts: int) -> datetime:
    return datetime(*parts)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def incidents(store) -> list[tuple]:
    return store.con.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents ORDER BY incident_id").fetchall()


def attributes(store) -> dict[str, dict]:
    rows = store.con.execute("SELECT incident_id, attributes FROM incidents ORDER BY 1").fetchall()
    return {i: json.loads(a) for i, a in rows}


def test_rest_incidents(bare_store):
    path = FIXTURES / "incidents.json"
    assert ingest_files(bare_store, [path], tenant="Acme") == [
        FileSummary(str(path), "pagerduty", "incidents", 3, 3, 0, 0, 0, ("Acme",))]
    assert incidents(bare_store) == [
        # priority.summary P1 -> 1; two teams joined; the earliest acknowledgement by time, not
        # by text (09:12+01:00 = 08:12Z, before opened_at: loaded, the KPIs flag it).
        ("Acme", "PT4KHLK", None, "Checkout API 5xx above 5%", "resolved", "resolved", 1, None, "high",
         None, None, None, None, None, "Checkout API", None, "Payments, SRE", "Earline Greenholt",
         dt(2026, 1, 5, 9), dt(2026, 1, 5, 8, 12), None, None, dt(2026, 1, 5, 10, 30), None,
         dt(2026, 1, 5, 10, 30), *NONE8),
        # No priority, no acknowledgements; created_at with an offset -> UTC; text verbatim.
        ("Acme", "PT4KHLL", None, '=HYPERLINK("http://x") <b>disk</b> full on db-02', "in_progress",
         "acknowledged", None, None, "low", None, None, None, None, None, "Reporting DB", None, None, None,
         dt(2026, 1, 6, 19), None, None, None, None, None, dt(2026, 1, 6, 19, 5), *NONE8),
        ("Acme", "PT4KHLM", None, "Login page slow", "new", "triggered", 2, None, "high", None, None, None,
         None, None, "Identity", None, "Identity", None, dt(2026, 1, 7, 8), None, None, None, None, None,
         dt(2026, 1, 7, 8), *NONE8),
    ]
    attrs = attributes(bare_store)
    assert attrs["PT4KHLK"] == {
        "type": "incident", "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
        "incident_number": "1234", "escalation_policy": "Payments on-call"}
    assert attrs["PT4KHLM"] == {"type": "incident", "html_url": None, "incident_number": "1236",
                                "escalation_policy": "Identity on-call"}
    assert bare_store.con.execute(
        "SELECT source, source_file, sha256, line, run_id FROM incidents ORDER BY line").fetchall() == [
        ("pagerduty", "incidents.json", sha256(path), n, 1) for n in (1, 2, 3)]


def test_a_list_of_incidents_with_a_major_field(bare_store, tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([
        {"id": "P1", "created_at": "2026-01-05T09:00:00Z", "status": "resolved",
         "priority": {"summary": "P3"}, "major": True, "urgency": "high"},
        {"id": "P2", "created_at": "2026-01-05T10:00:00Z", "status": "resolved",
         "priority": {"summary": "P1"}, "major": None, "urgency": "high"},
    ]))
    # No --tenant: PagerDuty names no client, so 'default'.
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "pagerduty", "incidents", 2, 2, 0, 0, 0, ("default",))]
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, priority, is_major FROM incidents ORDER BY 2").fetchall() == [
        ("default", "P1", 3, True), ("default", "P2", 1, False)]


def test_log_entries_feed_the_timeline_and_status_updates(bare_store):
    ingest_files(bare_store, [FIXTURES / "incidents.json"], tenant="Acme")
    path = FIXTURES / "log_entries.json"
    # No --tenant: entries take the tenant of their stored incident, else 'default'.
    summary = ingest_files(bare_store, [path])
    # 7 entries read: 4 timeline events and 2 status updates loaded, 1 entry rejected.
    assert summary == [FileSummary(str(path), "pagerduty", "log_entries", 7, 6, 0, 0, 1, ("Acme", "default"))]
    assert summary[0].tables == (TableCounts("timeline_events", 5, 4, 0, 0, 1),
                                 TableCounts("updates", 2, 2, 0, 0, 0))
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, occurred_at, kind, state, lane, actor, text, evidence_link, line "
        "FROM timeline_events ORDER BY occurred_at").fetchall() == [
        ("Acme", "PT4KHLK", dt(2026, 1, 5, 8, 12), "acknowledged", None, None, "Earline Greenholt",
         "Acknowledged by Earline Greenholt", None, 2),
        ("Acme", "PT4KHLK", dt(2026, 1, 5, 9), "trigger", None, None, "Datadog",
         "Triggered through the API", None, 1),
        ("Acme", "PT4KHLK", dt(2026, 1, 5, 9, 30), "assign", None, None, "Earline Greenholt",
         "Assigned to SRE", None, 4),
        ("Acme", "PT4KHLK", dt(2026, 1, 5, 10, 30), "resolved", None, None, "Earline Greenholt",
         "Resolved by Earline Greenholt", None, 5),
    ]
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, update_id, posted_at, audience, channel, author, body, line "
        "FROM updates ORDER BY posted_at").fetchall() == [
        ("Acme", "PT4KHLK", "R3", dt(2026, 1, 5, 9, 25), "stakeholder", "status_update_log_entry",
         "Ewa Kowalska", "We are investigating elevated errors at checkout; next update by 10:00 UTC.", 3),
        ("default", "PNOTLOADED", "R6", dt(2026, 1, 6, 19, 30), "stakeholder", "status_update_log_entry",
         "Ewa Kowalska", "Reports are delayed.", 6),
    ]
    assert bare_store.con.execute(
        "SELECT tenant, kind, rows_read, rows_loaded, rows_rejected FROM ingest_run_counts "
        "WHERE run_id = 2 ORDER BY ALL").fetchall() == [
        ("Acme", "timeline_events", 5, 4, 1), ("Acme", "updates", 1, 1, 0),
        ("default", "updates", 1, 1, 0)]
    assert bare_store.con.execute("SELECT tenant, line, field, reason FROM rejects").fetchall() == [
        ("Acme", 7, "occurred_at", "unparseable timestamp: not a time")]


def test_acknowledgement_from_log_entries_reaches_incident_view(bare_store, tmp_path):
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"log_entries": [
        {"id": "A1", "type": "acknowledge_log_entry", "created_at": "2026-01-07T08:07:00Z",
         "incident": {"id": "PT4KHLM"}, "agent": {"summary": "Li Wei"}},
        {"id": "A2", "type": "acknowledge_log_entry", "created_at": "2026-01-07T08:30:00Z",
         "incident": {"id": "PT4KHLM"}, "agent": {"summary": "Sam Lee"}},
    ]}))
    # One call, log first on the command line: incidents still load first.
    ingest_files(bare_store, [log, FIXTURES / "incidents.json"], tenant="Acme")
    assert bare_store.con.execute(
        "SELECT incident_id, acknowledged_at FROM incident_view ORDER BY 1").fetchall() == [
        ("PT4KHLK", dt(2026, 1, 5, 8, 12)), ("PT4KHLL", None), ("PT4KHLM", dt(2026, 1, 7, 8, 7))]


ANALYTICS_ROWS = [
    # acknowledged_at = created_at + seconds_to_first_ack; major true -> is_major.
    ("Acme", "Q1ABC", None, "Payments gateway timeout", "resolved", "resolved", 1, None, "high", None,
     True, None, None, None, "Payments", None, "Payments Team", None, dt(2026, 1, 5, 9),
     dt(2026, 1, 5, 9, 5), None, None, dt(2026, 1, 5, 11), None, None, *NONE8),
]


def test_analytics_raw_incidents_csv(bare_store):
    path = FIXTURES / "analytics.csv"
    assert ingest_files(bare_store, [path], tenant="Acme") == [
        FileSummary(str(path), "pagerduty", "analytics", 3, 2, 0, 0, 1, ("Acme",))]
    assert incidents(bare_store) == [
        *ANALYTICS_ROWS,
        # No resolved_at: created_at + seconds_to_resolve; 90.5 s to acknowledge.
        ("Acme", "Q1ABD", None, "Disk almost full", "resolved", "resolved", 3, None, "low", None, False,
         None, None, None, "Reporting", None, "Data Team", None, dt(2026, 1, 5, 12),
         dt(2026, 1, 5, 12, 1, 30, 500000), None, None, dt(2026, 1, 5, 12, 30), None, None, *NONE8),
    ]
    assert attributes(bare_store)["Q1ABD"] == {
        "engaged_user_count": "1", "incident_number": "502", "escalation_policy": "Data EP",
        "seconds_to_first_ack": "90.5", "seconds_to_resolve": "1800", "snoozed_seconds": "600"}
    assert bare_store.con.execute("SELECT line, field, reason FROM rejects").fetchall() == [
        (4, "seconds_to_first_ack", "not a number: n/a")]


def test_analytics_raw_incidents_json(bare_store):
    path = FIXTURES / "analytics.json"
    assert ingest_files(bare_store, [path], tenant="Acme") == [
        FileSummary(str(path), "pagerduty", "analytics", 1, 1, 0, 0, 0, ("Acme",))]
    # The API has no status field: resolved because it has a resolution time.
    assert incidents(bare_store) == [ANALYTICS_ROWS[0][:5] + (None,) + ANALYTICS_ROWS[0][6:]]
    # The CSV export of the same incident (with a status) replaces it: no update time to compare.
    summary = ingest_files(bare_store, [FIXTURES / "analytics.csv"], tenant="Acme")[0]
    assert (summary.rows_loaded, summary.rows_replaced, summary.rows_rejected) == (1, 1, 1)
    assert incidents(bare_store)[0] == ANALYTICS_ROWS[0]


def test_reingesting_pagerduty_files_changes_nothing(bare_store):
    files = [FIXTURES / "incidents.json", FIXTURES / "log_entries.json"]
    ingest_files(bare_store, files, tenant="Acme")
    tables = ("incidents", "timeline_events", "updates")
    before = {t: bare_store.con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY ALL").fetchall()
              for t in tables}
    again = ingest_files(bare_store, files, tenant="Acme")
    assert [(s.rows_loaded, s.rows_replaced) for s in again] == [(0, 0), (0, 0)]
    assert {t: bare_store.con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY ALL").fetchall()
            for t in tables} == before


def test_the_sample_pagerduty_and_governance_files_load_without_rejects(bare_store, tmp_path):
    files = generate_sample(tmp_path, tenants=2, weeks=2, incidents_per_week=3, seed=3)
    governance = sorted(p for name, p in files.items() if name.startswith("governance/"))
    pagerduty = sorted(p for name, p in files.items() if name.startswith("pagerduty/"))
    gov = ingest_files(bare_store, governance)          # detected from their headers
    pd = ingest_files(bare_store, pagerduty, tenant=pagerduty_tenant(2))
    assert [(s.source, s.kind) for s in gov] == [
        ("governance", "actions"), ("governance", "closure_evidence"), ("governance", "pirs"),
        ("governance", "timeline")]
    assert [(s.source, s.kind) for s in pd] == [("pagerduty", "incidents"), ("pagerduty", "log_entries")]
    assert sum(s.rows_rejected for s in gov + pd) == 0
    assert bare_store.con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    incidents_json = json.loads(files["pagerduty/incidents.json"].read_text())["incidents"]
    entries = json.loads(files["pagerduty/log_entries.json"].read_text())["log_entries"]
    status = [e for e in entries if e["type"] == "status_update_log_entry"]
    assert pd[0].rows_loaded == len(incidents_json)
    # Every entry is a record read once; the status updates are the updates table's share.
    assert (pd[1].rows_read, pd[1].rows_loaded) == (len(entries), len(entries))
    assert [(t.table, t.loaded) for t in pd[1].tables] == [
        ("timeline_events", len(entries) - len(status)), ("updates", len(status))]
    assert bare_store.con.execute(
        "SELECT count(*) FROM updates WHERE source = 'pagerduty' AND audience = 'stakeholder'"
    ).fetchone() == (len(status),)
