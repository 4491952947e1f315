"""Generic CSV/XLSX through a TOML mapping (and the worked examples) -> the exact canonical rows."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from analytics.errors import IngestError
from analytics.ingest import FileSummary, TableCounts, ingest_files
from analytics.ingest.mapping import load_mapping

EXAMPLES = Path(__file__).parent.parent / "examples" / "mappings"

INCIDENT_COLUMNS = (
    "tenant, incident_id, title, state, state_raw, priority, is_major, category, service, "
    "assignment_group, assigned_to, opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, "
    "updated_at, source, line"
)


def dt(*parts: int) -> datetime:
    return datetime(*parts)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def incidents(store) -> list[tuple]:
    return store.con.execute(f"SELECT {INCIDENT_COLUMNS} FROM incidents ORDER BY incident_id").fetchall()


def test_jira_service_management_example(bare_store):
    path = EXAMPLES / "jira-service-management.csv"
    summary = ingest_files(bare_store, [path], mapping=EXAMPLES / "jira-service-management.toml",
                           tenant="Cobalt")
    # 3 records; 3 incidents and 3 comment updates loaded, 1 comment rejected (below).
    assert summary == [FileSummary(str(path), "generic", "incidents", 3, 6, 0, 0, 1,
                                   ("Aurora Bank", "Borealis Retail", "Cobalt"))]
    assert summary[0].tables == (TableCounts("incidents", 3, 3, 0, 0, 0), TableCounts("updates", 0, 3, 0, 0, 1))
    # Jira dates (11/May/24 03:26 PM) are Europe/London wall clock: BST, UTC+1.
    assert incidents(bare_store) == [
        ("Aurora Bank", "ITSM-101", "Card payments failing", "resolved", "Resolved", 1, None,
         "Report a system problem", "Card payments", None, "Ana Ruiz", dt(2024, 5, 11, 14, 26), None, None,
         dt(2024, 5, 11, 16, 45), None, dt(2024, 5, 11, 17, 2), "generic", 2),
        # The first issue's second comment spans two lines: this one starts on line 4.
        ("Borealis Retail", "ITSM-102", "Statements page slow", "on_hold", "Waiting for customer", 3, None,
         "Report a system problem", "Online banking", None, "Sam Lee", dt(2024, 5, 12, 8, 5), None, None,
         None, None, dt(2024, 5, 12, 10), "generic", 4),
        # No organization: --tenant.
        ("Cobalt", "ITSM-103", "VPN drops", "new", "Open", 2, None, "Get IT help", "VPN", None, None,
         dt(2024, 5, 13, 21), None, None, None, None, dt(2024, 5, 13, 21), "generic", 5),
    ]
    attrs = json.loads(bare_store.con.execute(
        "SELECT attributes FROM incidents WHERE incident_id = 'ITSM-101'").fetchone()[0])
    # The repeated Labels columns are one list; the comments are not attributes.
    assert attrs == {"Issue id": "10101", "Issue Type": "[System] Incident", "Project key": "ITSM",
                     "Resolution": "Done", "Reporter": "Ewa Kowalska",
                     "Labels": ["major-incident", "payments"]}
    updates = bare_store.con.execute(
        "SELECT tenant, incident_id, posted_at, audience, channel, author, body, line FROM updates "
        "ORDER BY posted_at").fetchall()
    assert updates == [
        ("Aurora Bank", "ITSM-101", dt(2024, 5, 11, 14, 40), "customer", "jira_comment",
         "5b10a2844c20165700ede21g", "We are investigating failed card payments; next update at 16:10.", 2),
        ("Aurora Bank", "ITSM-101", dt(2024, 5, 11, 15, 10), "customer", "jira_comment",
         "5b10a2844c20165700ede21g", "Fix deployed;\nwe are monitoring.", 2),
        # Verbatim: a formula stays text.
        ("Borealis Retail", "ITSM-102", dt(2024, 5, 12, 8, 30), "customer", "jira_comment",
         "61a0f3c2d4e5f6a7b8c9d0e1",
         '=HYPERLINK("http://evil.example","click") please send a screenshot', 4),
    ]
    # A comment cell without "date;author;" cannot be placed in time: a reject with the line.
    assert bare_store.con.execute("SELECT tenant, kind, line, field, reason FROM rejects").fetchall() == [
        ("Cobalt", "incidents", 5, "posted_at", "no time posted")]


def test_opsgenie_example_with_durations_in_milliseconds(bare_store):
    path = EXAMPLES / "opsgenie-alerts.csv"
    summary = ingest_files(bare_store, [path], mapping=EXAMPLES / "opsgenie-alerts.toml", tenant="Aurora Bank")
    assert summary == [FileSummary(str(path), "generic", "incidents", 3, 3, 0, 0, 0, ("Aurora Bank",))]
    assert incidents(bare_store) == [
        # AckTime 240000 ms = 4 min, CloseTime 5700000 ms = 95 min after CreatedAt.
        ("Aurora Bank", "1042", "Payments API 5xx rate above 5%", "resolved", "closed", 1, None, None,
         "payments-api", "Payments", "ana@acme.example", dt(2024, 5, 11, 15, 26, 7, 123000),
         dt(2024, 5, 11, 15, 30, 7, 123000), None, dt(2024, 5, 11, 17, 1, 7, 123000), None,
         dt(2024, 5, 11, 17, 2), "generic", 2),
        ("Aurora Bank", "1043", "Disk usage above 85% on db-02", "new", "open", 3, None, None, "db-02", "Data",
         "li@acme.example", dt(2024, 5, 12, 8), dt(2024, 5, 12, 8, 10), None, None, None,
         dt(2024, 5, 12, 8, 10), "generic", 3),
        ("Aurora Bank", "1044", "VPN tunnel flapping", "new", "open", 2, None, None, "vpn-gw-1", "Network",
         None, dt(2024, 5, 12, 21, 30), None, None, None, None, dt(2024, 5, 12, 21, 30), "generic", 4),
    ]
    assert json.loads(bare_store.con.execute(
        "SELECT attributes FROM incidents WHERE incident_id = '1042'").fetchone()[0]) == {
        "Alias": "payments-5xx", "Acknowledged": "true", "IsSeen": "true", "Tags": "prod,customer:aurora",
        "Source": "Datadog", "Count": "3"}


def test_servicenow_u_fields_become_pirs_and_closure_evidence(bare_store):
    export = EXAMPLES / "servicenow-u-fields.csv"
    assert ingest_files(bare_store, [export])[0].kind == "incidents"     # the export itself
    pirs = ingest_files(bare_store, [export], mapping=EXAMPLES / "servicenow-pirs.toml")
    closure = ingest_files(bare_store, [export], mapping=EXAMPLES / "servicenow-closure.toml",
                           source="generic")
    assert [(s.kind, s.rows_loaded, s.tenants) for s in pirs + closure] == [
        ("pirs", 3, ("Aurora Bank", "Cirrus Health")),
        ("closure_evidence", 3, ("Aurora Bank", "Cirrus Health"))]
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, due_at, completed_at, owner, source FROM pirs ORDER BY 2").fetchall() == [
        ("Aurora Bank", "INC0020001", dt(2026, 1, 10, 11), dt(2026, 1, 9, 15), "Priya Shah", "generic"),
        ("Aurora Bank", "INC0020002", None, None, None, "generic"),
        ("Cirrus Health", "INC0020003", dt(2026, 1, 12, 9, 30), None, "Claire Dubois", "generic"),
    ]
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, service_validated_at, customer_confirmed_at, residual_risk "
        "FROM closure_evidence ORDER BY 2").fetchall() == [
        ("Aurora Bank", "INC0020001", dt(2026, 1, 5, 11, 30), dt(2026, 1, 6, 10),
         "Patched; residual risk low, watched by a new alert."),
        ("Aurora Bank", "INC0020002", None, None, None),
        ("Cirrus Health", "INC0020003", dt(2026, 1, 7, 10), None, None),
    ]


MAPPING = """
[source]
kind = "incidents"
timezone = "Europe/Berlin"
date_order = "dayfirst"
tenant = "Mapped Client"

[columns]
incident_id = "Ref"
title = "What"
opened_at = "Opened"
state = "Status"
priority = "Sev"
is_major = "Major?"

[values.state]
"Logged" = "new"
"Fixed" = "resolved"

[values.priority]
"Sev A" = 1
"Sev B" = 2
"""


def test_value_maps_zone_date_order_and_tenant_of_a_mapping(bare_store, tmp_path):
    mapping = write(tmp_path, "m.toml", MAPPING)
    # 3/4/2026 alone is ambiguous: the mapping's date_order settles it (day-first, 3 April).
    data = write(tmp_path, "x.csv", "Ref,What,Opened,Status,Sev,Major?,Extra\n"
                                    "R1,Router down,3/4/2026 10:00,Fixed,Sev A,yes,e1\n"
                                    "R2,Slow page,5/4/2026 09:30,logged,sev b,,\n"
                                    "R3,Printer,6/4/2026 08:00,Waiting on vendor,P4,maybe,\n")
    ingest_files(bare_store, [data], mapping=mapping)
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, state, state_raw, priority, is_major, opened_at, attributes "
        "FROM incidents ORDER BY 2").fetchall() == [
        # Berlin CEST (UTC+2) in April; value maps match case-insensitively; no tenant column, no
        # --tenant: the mapping's tenant. is_major: empty in a mapped column is false, 'maybe' unknown.
        ("Mapped Client", "R1", "resolved", "Fixed", 1, True, dt(2026, 4, 3, 8), '{"Extra":"e1"}'),
        ("Mapped Client", "R2", "new", "logged", 2, False, dt(2026, 4, 5, 7, 30), '{"Extra":null}'),
        ("Mapped Client", "R3", "on_hold", "Waiting on vendor", 4, None, dt(2026, 4, 6, 6), '{"Extra":null}'),
    ]


def test_flags_override_the_mapping(bare_store, tmp_path):
    mapping = write(tmp_path, "m.toml", MAPPING)
    data = write(tmp_path, "x.csv", "Ref,What,Opened,Status,Sev,Major?\nR1,Router down,3/4/2026 10:00,,,\n")
    ingest_files(bare_store, [data], mapping=mapping, tenant="Flag Client", source_tz="UTC",
                 date_order="monthfirst")
    # --source-tz UTC is the default, so the mapping's zone still applies; month-first wins.
    assert bare_store.con.execute("SELECT tenant, opened_at FROM incidents").fetchall() == [
        ("Flag Client", dt(2026, 3, 4, 9))]
    ingest_files(bare_store, [data], mapping=mapping, source_tz="America/New_York")
    assert bare_store.con.execute("SELECT tenant, opened_at FROM incidents ORDER BY 1").fetchall() == [
        ("Flag Client", dt(2026, 3, 4, 9)), ("Mapped Client", dt(2026, 4, 3, 14))]


def test_constants_and_other_kinds(bare_store, tmp_path):
    mapping = write(tmp_path, "log.toml", """
[source]
kind = "timeline_events"
[columns]
incident_id = "Ticket"
occurred_at = "When"
text = "Entry"
lane = "Role"
[constants]
kind = "decision"
""")
    data = write(tmp_path, "log.csv", "Ticket,When,Entry,Role\nT1,2026-01-05 10:00:00,Declared major,Commander\n"
                                      "T1,2026-01-05 10:05:00,Call vendor,Legal\n")
    summary = ingest_files(bare_store, [data], mapping=mapping, tenant="Acme")
    assert summary == [FileSummary(str(data), "generic", "timeline_events", 2, 1, 0, 0, 1, ("Acme",))]
    assert bare_store.con.execute(
        "SELECT tenant, incident_id, occurred_at, kind, lane, text FROM timeline_events").fetchall() == [
        ("Acme", "T1", dt(2026, 1, 5, 10), "decision", "commander", "Declared major")]
    assert bare_store.con.execute("SELECT line, field FROM rejects").fetchall() == [(3, "lane")]


def test_repeated_columns_from_xlsx(bare_store, tmp_path):
    book = openpyxl.Workbook()
    for row in [["Issue key", "Created", "Labels", "Labels", "Comment", "Comment"],
                ["A-1", "2026-01-05 10:00:00", "x", "y", "2026-01-05 10:05:00;bob;first", "06/Jan/26 9:00 AM;amy;second"]]:
        book.active.append(row)
    path = tmp_path / "jira.xlsx"
    book.save(path)
    mapping = write(tmp_path, "m.toml", '[source]\nkind = "incidents"\n[columns]\nincident_id = "Issue key"\n'
                                        'opened_at = "Created"\n[comments]\ncolumn = "Comment"\n')
    ingest_files(bare_store, [path], mapping=mapping)
    assert bare_store.con.execute("SELECT attributes FROM incidents").fetchone() == ('{"Labels":["x","y"]}',)
    assert bare_store.con.execute(
        "SELECT posted_at, audience, channel, author, body FROM updates ORDER BY 1").fetchall() == [
        (dt(2026, 1, 5, 10, 5), "internal", "comment", "bob", "first"),
        (dt(2026, 1, 6, 9), "internal", "comment", "amy", "second")]


def test_canonical_columns_need_no_mapping(bare_store, tmp_path):
    path = write(tmp_path, "canonical.csv", "incident_id,opened_at,title,priority,state,tenant\n"
                                            "X1,2026-01-05 10:00:00,Outage,P1,Resolved,Acme\n")
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "generic", "incidents", 1, 1, 0, 0, 0, ("Acme",))]
    assert bare_store.con.execute("SELECT incident_id, title, priority, state FROM incidents").fetchall() == [
        ("X1", "Outage", 1, "resolved")]


def test_a_file_without_the_mapped_columns_names_them(bare_store, tmp_path):
    mapping = write(tmp_path, "m.toml", MAPPING)
    data = write(tmp_path, "x.csv", "Reference,What\nR1,x\n")
    with pytest.raises(IngestError) as err:
        ingest_files(bare_store, [data], mapping=mapping)
    assert str(err.value) == f"{data}: a generic/incidents export needs the column Ref; Opened"


@pytest.mark.parametrize(("text", "message"), [
    ('[source]\nkind = "incidents"\nzone = "UTC"\n[columns]\nincident_id = "a"\nopened_at = "b"\n',
     "unknown key 'zone' in [source] (known: kind, description, timezone, date_order, tenant, tenant_column)"),
    ('[source]\nkind = "incidents"\n[columns]\nincident_id = "a"\nopened_at = "b"\n[colums]\n',
     "unknown key 'colums' in the mapping (tables: [source], [columns], ...)"),
    ('[source]\nkind = "pirs"\n[columns]\nincident_id = "a"\nopened_at = "b"\n',
     ("unknown key 'opened_at' in [columns] for kind pirs (known: tenant, incident_id, due_at, "
     "completed_at, owner)")),
    ('[source]\nkind = "incidents"\n[columns]\nincident_id = "a"\nopened_at = "b"\n[values.state]\nx = "new"\n',
     "[values.state]: no column is mapped to state in [columns]"),
    ('[source]\nkind = "problems"\n', ("source.kind: 'problems' is not a kind (use incidents, "
     "timeline_events, updates, changes, pirs, actions, closure_evidence)")),
    ('[source]\nkind = "incidents"\ntimezone = "Mars/Olympus"\n[columns]\nincident_id = "a"\nopened_at = "b"\n',
     "source.timezone: unknown time zone 'Mars/Olympus'"),
    ('[source]\nkind = "incidents"\n[columns]\nincident_id = "a"\n',
     "a incidents mapping needs [columns] opened_at"),
    (('[source]\nkind = "incidents"\n[columns]\nincident_id = "a"\nopened_at = "b"\n[comments]\ncolumn = "C"\n'
     'audience = "everyone"\n'), "comments.audience: 'everyone' (use stakeholder, customer, public, internal)"),
    ('[source]\nkind = "pirs"\n[columns]\nincident_id = "a"\n[durations]\nresolved_at = "x"\n',
     "[durations] is only for kind incidents"),
    ('[source\nkind = "incidents"\n', "not a valid TOML mapping"),
])
def test_a_bad_mapping_is_one_line_naming_the_file_and_key(bare_store, tmp_path, text, message):
    mapping = write(tmp_path, "bad.toml", text)
    with pytest.raises(IngestError) as err:
        ingest_files(bare_store, [EXAMPLES / "opsgenie-alerts.csv"], mapping=mapping)
    assert str(err.value).startswith(f"{mapping}: {message}")
    assert "\n" not in str(err.value)
    assert bare_store.con.execute("SELECT count(*) FROM ingest_runs").fetchone() == (0,)


def test_a_missing_mapping_file(tmp_path):
    with pytest.raises(IngestError, match="no such mapping file$"):
        load_mapping(tmp_path / "nope.toml")


def test_every_example_mapping_loads():
    names = sorted(p.name for p in EXAMPLES.glob("*.toml"))
    assert names == ["jira-service-management.toml", "opsgenie-alerts.toml", "servicenow-closure.toml",
                     "servicenow-pirs.toml"]
    for path in EXAMPLES.glob("*.toml"):
        assert load_mapping(path).path == path


def test_runs_record_the_mapping_file_path_and_sha256(bare_store, tmp_path):
    mapping = write(tmp_path, "pirs.toml", '[source]\nkind = "pirs"\n[columns]\nincident_id = "Ticket"\n')
    data = write(tmp_path, "pirs.csv", "Ticket,Owner\nT1,Ana\n")
    plain = write(tmp_path, "closure.csv", "incident,service_validated_at,customer_confirmed_at,residual_risk\n"
                                           "T1,,,low\n")
    ingest_files(bare_store, [data], mapping=mapping, tenant="Acme")
    ingest_files(bare_store, [plain], tenant="Acme")
    runs = bare_store.con.execute("SELECT file_name, options FROM ingest_runs ORDER BY run_id").fetchall()
    assert [(name, json.loads(options)["mapping"]) for name, options in runs] == [
        ("pirs.csv", {"path": str(mapping.resolve()),
                      "sha256": hashlib.sha256(mapping.read_bytes()).hexdigest()}),
        ("closure.csv", None),  # no --mapping
    ]
    # The rest of the options stay as they were: what the call asked for, per file.
    assert {k: v for k, v in json.loads(runs[0][1]).items() if k != "mapping"} == {
        "tenant": "Acme", "source": "auto", "kind": "auto", "source_tz": "UTC", "date_order": None,
        "dayfirst": None, "format": "csv", "encoding": "utf-8", "json_root": None}
