"""ServiceNow shapes -> the exact canonical rows (hand-computed from the fixtures)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from analytics.ingest import FileSummary, TableCounts, ingest_files

FIXTURES = Path(__file__).parent / "fixtures" / "servicenow"

INCIDENT_COLUMNS = (
    "tenant, incident_id, sys_id, title, state, state_raw, priority, impact, urgency, severity, "
    "is_major, major_incident_state, category, subcategory, service, ci, assignment_group, "
    "assigned_to, opened_at, acknowledged_at, declared_at, mitigated_at, resolved_at, closed_at, "
    "updated_at, mod_count, caused_by_change, problem_id, parent_incident, reopen_count, "
    "reassignment_count, calendar_stc, business_stc, attributes"
)
PROVENANCE = "source, source_file, sha256, line, run_id"


def dt(*parts: int) -> datetime:
    return datetime(*parts)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def incidents(store) -> list[tuple]:
    return store.con.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents ORDER BY incident_id").fetchall()


def provenance(store, table: str = "incidents", order: str = "incident_id") -> list[tuple]:
    return store.con.execute(f"SELECT {PROVENANCE} FROM {table} ORDER BY {order}").fetchall()


def test_list_csv_with_field_names_and_raw_codes(bare_store):
    path = FIXTURES / "incident_list.csv"
    summary = ingest_files(bare_store, [path], tenant="Acme")
    assert summary == [FileSummary(str(path), "servicenow", "incidents", 3, 3, 0, 0, 0,
                                   ("Acme", "Aurora Bank"))]
    assert incidents(bare_store) == [
        ("Aurora Bank", "INC0010001", "9d3a1f0e1b2c", "Payments API returning 500s", "closed", "7", 1,
         "1", "1", None, True, "accepted", "Software", "API", "Payments", "pay-api-01", "Payments Ops",
         "Ana Ruiz", dt(2026, 1, 5, 9), None, None, None, dt(2026, 1, 5, 11, 30), dt(2026, 1, 6, 9),
         dt(2026, 1, 6, 9), 7, "CHG0030001", "PRB0040001", None, 0, 2, 9000, None,
         '{"u_bridge_url":"https://bridge.example/1"}'),
        ("Aurora Bank", "INC0010002", "9d3a1f0e1b2d", "Slow logins, EU region", "in_progress", "2", 2,
         "2", "2", None, False, "proposed", "Network", None, "Single sign-on", "idp-eu", "Identity",
         None, dt(2026, 1, 6, 14), None, None, None, None, None, dt(2026, 1, 6, 14, 20), 2, None,
         None, None, 0, 1, None, None, '{"u_bridge_url":null}'),
        # No company: the --tenant; empty major_incident_state in a file that has the column -> False.
        ("Acme", "INC0010003", "9d3a1f0e1b2e", "Printer offline", "on_hold", "3", 4, "3", "3", None,
         False, None, "Hardware", "Printer", None, None, "Desk", "Li Wei", dt(2026, 1, 7, 8, 15), None,
         None, None, None, None, dt(2026, 1, 7, 8, 30), 1, None, None, None, None, None, None, None,
         '{"u_bridge_url":null}'),
    ]
    digest = sha256(path)
    assert provenance(bare_store) == [
        ("servicenow", "incident_list.csv", digest, 2, 1),
        ("servicenow", "incident_list.csv", digest, 3, 1),
        ("servicenow", "incident_list.csv", digest, 4, 1),
    ]
    hashes = [r[0] for r in bare_store.con.execute("SELECT row_hash FROM incidents").fetchall()]
    assert len(set(hashes)) == 3 and all(len(h) == 32 for h in hashes)
    run = bare_store.con.execute(
        "SELECT run_id, file_name, sha256, size_bytes, source, kind FROM ingest_runs").fetchall()
    assert run == [(1, "incident_list.csv", digest, path.stat().st_size, "servicenow", "incidents")]
    counts = bare_store.con.execute(
        "SELECT tenant, kind, rows_read, rows_loaded, rows_replaced, rows_unchanged, rows_rejected "
        "FROM ingest_run_counts ORDER BY tenant").fetchall()
    assert counts == [("Acme", "incidents", 1, 1, 0, 0, 0), ("Aurora Bank", "incidents", 2, 2, 0, 0, 0)]


def test_source_tz_turns_naive_timestamps_into_utc(bare_store):
    ingest_files(bare_store, [FIXTURES / "incident_list.csv"], source_tz="America/New_York")
    rows = bare_store.con.execute(
        "SELECT incident_id, opened_at, resolved_at FROM incidents ORDER BY 1").fetchall()
    assert rows == [
        ("INC0010001", dt(2026, 1, 5, 14), dt(2026, 1, 5, 16, 30)),
        ("INC0010002", dt(2026, 1, 6, 19), None),
        ("INC0010003", dt(2026, 1, 7, 13, 15), None),
    ]
    # Without --tenant a row without company lands in 'default'.
    assert bare_store.tenants() == ["Aurora Bank", "default"]


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_display_labels_and_display_values(bare_store, tmp_path):
    path = write_xlsx(tmp_path / "incident.xlsx", [
        ["Number", "Opened", "State", "Priority", "Short description", "Category", "Service",
         "Configuration item", "Assignment group", "Assigned to", "Major incident state", "Updated",
         "Resolved", "Closed", "Company", "Region (custom)"],
        # Opened is a real date cell; the other times are text as a list export writes them,
        # day-first (13/1 settles it), in Berlin time.
        ["INC0030001", datetime(2026, 1, 13, 9, 5), "In Progress", "1 - Critical", "Database failover",
         "Database", "Billing", "db-01", "DBA", "Sam Lee", "Accepted", "13/1/2026 9:40", None, None,
         "Aurora Bank", "EMEA"],
        ["INC0030002", "2/1/2026 16:00", "Closed", "3 - Moderate", "Report slow", "Reporting", None,
         None, "BI", None, None, "5/1/2026 10:00", "4/1/2026 18:30", "5/1/2026 10:00", None, "APAC"],
    ])
    summary = ingest_files(bare_store, [path], tenant="Cobalt", source_tz="Europe/Berlin")
    assert summary == [FileSummary(str(path), "servicenow", "incidents", 2, 2, 0, 0, 0,
                                   ("Aurora Bank", "Cobalt"))]
    assert incidents(bare_store) == [
        ("Aurora Bank", "INC0030001", None, "Database failover", "in_progress", "In Progress", 1, None,
         None, None, True, "accepted", "Database", None, "Billing", "db-01", "DBA", "Sam Lee",
         dt(2026, 1, 13, 8, 5), None, None, None, None, None, dt(2026, 1, 13, 8, 40), None, None, None,
         None, None, None, None, None, '{"Region (custom)":"EMEA"}'),
        ("Cobalt", "INC0030002", None, "Report slow", "closed", "Closed", 3, None, None, None, False,
         None, "Reporting", None, None, None, "BI", None, dt(2026, 1, 2, 15), None, None, None,
         dt(2026, 1, 4, 17, 30), dt(2026, 1, 5, 9), dt(2026, 1, 5, 9), None, None, None, None, None,
         None, None, None, '{"Region (custom)":"APAC"}'),
    ]
    assert provenance(bare_store) == [
        ("servicenow", "incident.xlsx", sha256(path), 2, 1),
        ("servicenow", "incident.xlsx", sha256(path), 3, 1),
    ]


def test_table_api_json_with_raw_values(bare_store):
    path = FIXTURES / "table_api_raw.json"
    summary = ingest_files(bare_store, [path], tenant="Cobalt Insurance")
    assert summary == [FileSummary(str(path), "servicenow", "incidents", 2, 2, 0, 0, 0,
                                   ("Cobalt Insurance",))]
    assert incidents(bare_store) == [
        ("Cobalt Insurance", "INC0020001", "a11", "Mailbox sync failing", "in_progress", "2", 2, "2",
         "1", None, None, None, None, None, "c5d1", None, "b7e9", None, dt(2026, 1, 12, 7, 30), None,
         None, None, None, None, dt(2026, 1, 12, 8), 3, None, None, None, 1, None, None, None,
         '{"u_vendor_ticket":"MS-4471"}'),
        # ISO-8601 with an offset: +01:00 -> UTC, whatever --source-tz says.
        ("Cobalt Insurance", "INC0020002", "a12", "VPN drops", "resolved", "6", 3, "2", "2", None, None,
         None, None, None, None, None, "b7e9", None, dt(2026, 1, 12, 8), None, None, None,
         dt(2026, 1, 12, 9, 15), None, dt(2026, 1, 12, 9, 20), 4, None, None, None, 0, None, None, None,
         '{"u_vendor_ticket":null}'),
    ]
    assert provenance(bare_store) == [
        ("servicenow", "table_api_raw.json", sha256(path), 1, 1),
        ("servicenow", "table_api_raw.json", sha256(path), 2, 1),
    ]


def test_table_api_json_with_value_link_references(bare_store):
    ingest_files(bare_store, [FIXTURES / "table_api_links.json"])
    # A reference without display_value gives its value (the sys_id): that is all the export says.
    assert incidents(bare_store) == [
        ("c0c0", "INC0020003", "a13", "ERP batch late", "on_hold", "3", 2, None, None, None, None, None,
         None, None, None, None, "b7e9", None, dt(2026, 1, 13, 6), None, None, None, None, None,
         dt(2026, 1, 13, 6, 45), None, "d1d1", None, None, None, None, None, None, None),
    ]


def test_table_api_json_with_display_value_all(bare_store):
    ingest_files(bare_store, [FIXTURES / "table_api_display_all.json"])
    # References (with "link") give their display value; other fields their raw value, so
    # timestamps come from the UTC raw value, not the user-formatted display value.
    assert incidents(bare_store) == [
        ("Cobalt Insurance", "INC0020004", "a14", "Checkout errors", "on_hold", "3", 1, None, None, None,
         True, "accepted", None, None, "Online shop", None, "Web Platform", None, dt(2026, 1, 14, 9),
         None, None, None, None, None, dt(2026, 1, 14, 9, 20), None, None, None, None, None, None, None,
         None, '{"u_war_room":"1"}'),
    ]


def test_history_collapses_to_latest_snapshot_and_keeps_the_timeline(bare_store):
    path = FIXTURES / "history.csv"
    summary = ingest_files(bare_store, [path])
    # 8 rows: 2 records loaded, 6 older versions of them unchanged; 7 state changes loaded.
    assert summary == [FileSummary(str(path), "servicenow", "incident_history", 8, 9, 0, 6, 0,
                                   ("Borealis Retail",))]
    assert summary[0].tables == (TableCounts("incidents", 8, 2, 0, 6, 0),
                                 TableCounts("timeline_events", 0, 7, 0, 0, 0))
    rows = bare_store.con.execute(
        "SELECT incident_id, state, priority, assignment_group, resolved_at, updated_at, mod_count, "
        "is_major, line FROM incidents ORDER BY 1").fetchall()
    assert rows == [
        ("INC0010005", "resolved", 1, "Network Tier 2", dt(2026, 1, 8, 12, 30), dt(2026, 1, 8, 12, 30),
         5, None, 9),
        ("INC0010006", "resolved", 2, "Retail Apps", dt(2026, 1, 9, 9), dt(2026, 1, 9, 9), 1, None, 8),
    ]
    events = bare_store.con.execute(
        "SELECT tenant, incident_id, occurred_at, kind, state, line, source_file FROM timeline_events "
        "ORDER BY incident_id, occurred_at").fetchall()
    assert events == [
        ("Borealis Retail", "INC0010005", dt(2026, 1, 8, 10), "state_change", "new", 3, "history.csv"),
        ("Borealis Retail", "INC0010005", dt(2026, 1, 8, 10, 12), "state_change", "in_progress", 2,
         "history.csv"),
        # 10:40 is a reassignment, not a state change: no event.
        ("Borealis Retail", "INC0010005", dt(2026, 1, 8, 11), "state_change", "on_hold", 6, "history.csv"),
        ("Borealis Retail", "INC0010005", dt(2026, 1, 8, 11, 45), "state_change", "in_progress", 7,
         "history.csv"),
        ("Borealis Retail", "INC0010005", dt(2026, 1, 8, 12, 30), "state_change", "resolved", 9,
         "history.csv"),
        ("Borealis Retail", "INC0010006", dt(2026, 1, 9, 8), "state_change", "in_progress", 4,
         "history.csv"),
        ("Borealis Retail", "INC0010006", dt(2026, 1, 9, 9), "state_change", "resolved", 8, "history.csv"),
    ]
    view = bare_store.con.execute(
        "SELECT incident_id, acknowledged_at, declared_at, mitigated_at FROM incident_view ORDER BY 1"
    ).fetchall()
    assert view == [
        ("INC0010005", dt(2026, 1, 8, 10, 12), dt(2026, 1, 8, 10), dt(2026, 1, 8, 12, 30)),
        ("INC0010006", dt(2026, 1, 9, 8), dt(2026, 1, 9, 8), dt(2026, 1, 9, 9)),
    ]
    holds = bare_store.con.execute(
        "SELECT tenant, incident_id, start_at, end_at FROM hold_intervals").fetchall()
    assert holds == [("Borealis Retail", "INC0010005", dt(2026, 1, 8, 11), dt(2026, 1, 8, 11, 45))]
    counts = bare_store.con.execute(
        "SELECT kind, rows_read, rows_loaded, rows_unchanged FROM ingest_run_counts ORDER BY kind"
    ).fetchall()
    # The events come from rows the incidents already read: no record is read twice.
    assert counts == [("incidents", 8, 2, 6), ("timeline_events", 0, 7, 0)]


def test_overlapping_history_exports_add_no_second_hold_interval(bare_store, tmp_path):
    # The second export starts while the incident is on hold: its first row is always an event,
    # at a new time, with the same state. The view must still see one on-hold interval.
    header = '"number","opened_at","state","sys_updated_on"\n'
    first = tmp_path / "h1.csv"
    first.write_text(header + "INC9,2026-01-08 10:00:00,2,2026-01-08 10:00:00\n"
                     "INC9,2026-01-08 10:00:00,3,2026-01-08 10:30:00\n"
                     "INC9,2026-01-08 10:00:00,3,2026-01-08 10:40:00\n")
    second = tmp_path / "h2.csv"
    second.write_text(header + "INC9,2026-01-08 10:00:00,3,2026-01-08 10:50:00\n"
                      "INC9,2026-01-08 10:00:00,2,2026-01-08 11:10:00\n")
    ingest_files(bare_store, [first], tenant="t")
    ingest_files(bare_store, [second], tenant="t")
    holds = bare_store.con.execute("SELECT start_at, end_at FROM hold_intervals").fetchall()
    assert holds == [(dt(2026, 1, 8, 10, 30), dt(2026, 1, 8, 11, 10))]


def test_journal_comments_are_customer_facing_work_notes_internal(bare_store):
    journal, listing = FIXTURES / "journal.csv", FIXTURES / "incident_list.csv"
    # Journal first on the command line: incidents still load first, so entries resolve.
    summary = ingest_files(bare_store, [journal, listing], tenant="Acme")
    assert [(s.file, s.kind, s.rows_read, s.rows_loaded, s.rows_rejected) for s in summary] == [
        (str(journal), "journal", 5, 3, 2),
        (str(listing), "incidents", 3, 3, 0),
    ]
    rows = bare_store.con.execute(
        "SELECT tenant, incident_id, update_id, posted_at, audience, channel, author, body, line, run_id "
        "FROM updates ORDER BY update_id").fetchall()
    assert rows == [
        ("Aurora Bank", "INC0010001", "j0001", dt(2026, 1, 5, 9, 5), "customer", "comments", "ana.ruiz",
         "We are investigating failed card payments. Next update 09:30.", 2, 2),
        ("Aurora Bank", "INC0010001", "j0002", dt(2026, 1, 5, 10, 50), "internal", "work_notes", "li.wei",
         "Rolled back CHG0030001, errors dropping", 3, 2),
        ("Aurora Bank", "INC0010001", "j0003", dt(2026, 1, 5, 11, 31), "customer", "comments", "ana.ruiz",
         "Payments restored.\nMonitoring for 30 minutes.", 4, 2),
    ]
    # An entry whose incident is not in the store is rejected, never parked under a made-up tenant.
    unknown, reject = bare_store.con.execute(
        "SELECT run_id, tenant, source, kind, source_file, sha256, line, field, reason, raw FROM rejects "
        "ORDER BY line"
    ).fetchall()
    assert unknown[:9] == (2, "Acme", "servicenow", "journal", "journal.csv", sha256(journal), 6,
                           "element_id", ("journal entry for incident ffff00000000 which is not in the "
                                          "store: ingest the incident export first or in the same call"))
    assert reject[:9] == (2, "Aurora Bank", "servicenow", "journal", "journal.csv", sha256(journal), 7,
                          "name", "journal entry of table change_request, not of an incident")
    assert json.loads(reject[9]) == {
        "element_id": "9d3a1f0e1b2c", "element": "comments", "value": "Change approved",
        "sys_created_on": "2026-01-05 12:05:00", "sys_created_by": "cab", "sys_id": "j0005",
        "name": "change_request",
    }


def test_journal_number_resolves_only_inside_the_given_tenant(bare_store, tmp_path):
    ingest_files(bare_store, [FIXTURES / "incident_list.csv"])
    path = tmp_path / "journal_labels.csv"
    path.write_text("Incident,Element,Value,Created,Created by\n"
                    "INC0010002,Additional comments,Root cause found,2026-01-06 15:00:00,ops\n")
    (summary,) = ingest_files(bare_store, [path], tenant="Other")
    assert (summary.rows_loaded, summary.rows_rejected) == (0, 1)
    assert bare_store.con.execute("SELECT count(*) FROM updates").fetchone() == (0,)
    assert bare_store.con.execute("SELECT tenant, line, field FROM rejects").fetchall() == [
        ("Other", 2, "element_id")]


@pytest.mark.parametrize(("tenant", "expected"), [
    (None, ("Aurora Bank", "INC0010002")),
    ("Aurora Bank", ("Aurora Bank", "INC0010002")),
])
def test_journal_by_incident_number_with_display_labels(bare_store, tmp_path, tenant, expected):
    ingest_files(bare_store, [FIXTURES / "incident_list.csv"])
    path = tmp_path / "journal_labels.csv"
    path.write_text(
        "Incident,Element,Value,Created,Created by\n"
        "INC0010002,Additional comments,Root cause found,2026-01-06 15:00:00,ops\n"
        "INC0010002,Work notes,Restarted IdP node 2,2026-01-06 14:30:00,ops\n"
    )
    ingest_files(bare_store, [path], tenant=tenant)
    rows = bare_store.con.execute(
        "SELECT tenant, incident_id, update_id, audience, channel, body FROM updates ORDER BY posted_at"
    ).fetchall()

    def key(text: str) -> str:
        return hashlib.md5(text.replace("|", "\x1f").encode()).hexdigest()

    assert rows == [
        (*expected, key("INC0010002|2026-01-06 14:30:00|work_notes|Restarted IdP node 2"), "internal",
         "work_notes", "Restarted IdP node 2"),
        (*expected, key("INC0010002|2026-01-06 15:00:00|comments|Root cause found"), "customer",
         "comments", "Root cause found"),
    ]


def test_change_requests(bare_store):
    path = FIXTURES / "change_requests.csv"
    summary = ingest_files(bare_store, [path])
    assert summary == [FileSummary(str(path), "servicenow", "changes", 2, 2, 0, 0, 0, ("Aurora Bank",))]
    rows = bare_store.con.execute(
        "SELECT tenant, change_id, title, ci, service, type, risk, state, close_code, planned_start, "
        "planned_end, actual_start, actual_end, opened_at, closed_at, updated_at, attributes, line "
        "FROM changes ORDER BY change_id").fetchall()
    assert rows == [
        ("Aurora Bank", "CHG0030001", "Upgrade payments gateway", "pay-api-01", "Payments", "normal",
         "moderate", "closed", "unsuccessful", dt(2026, 1, 4, 22), dt(2026, 1, 5, 2), dt(2026, 1, 4, 22, 10),
         dt(2026, 1, 5, 1, 40), dt(2026, 1, 2, 10), dt(2026, 1, 6, 12), dt(2026, 1, 6, 12), None, 2),
        ("Aurora Bank", "CHG0030002", "Rotate IdP certificates", "idp-eu", "Single sign-on", "standard",
         "low", "scheduled", None, dt(2026, 1, 10, 20), dt(2026, 1, 10, 21), None, None,
         dt(2026, 1, 8, 9), None, dt(2026, 1, 8, 9), None, 3),
    ]
