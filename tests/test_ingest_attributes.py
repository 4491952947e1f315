"""Columns no canonical field holds reach ``attributes`` verbatim, for governance records and
timeline events too (docs/governance-layout.md), from every source that writes them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from analytics.ingest import FileSummary, ingest_files

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "examples" / "mappings"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(store, sql: str) -> list[tuple]:
    return store.con.execute(sql).fetchall()


def test_extra_governance_columns_arrive_in_attributes_verbatim(bare_store, tmp_path):
    files = [
        write(tmp_path, "pirs.csv", "tenant,incident,due_at,owner,Ticket\n"
                                    "Aurora Bank,INC1,2026-01-10 17:00:00,Priya Shah,=HYPERLINK(\"x\")\n"),
        write(tmp_path, "actions.csv", "tenant,action_id,incident,kind,due_at,Cost centre,Jira\n"
                                       "Aurora Bank,ACT-1,INC1,pir,2026-01-19 17:00:00,CC-42,OPS-7\n"),
        write(tmp_path, "closure.csv",
              "tenant,incident,service_validated_at,customer_confirmed_at,residual_risk,Signed off by\n"
              "Aurora Bank,INC1,2026-01-05 12:00:00,2026-01-06 08:00:00,low,\"Ng, Lee\"\n"),
        write(tmp_path, "timeline.csv", "tenant,incident,at,lane,kind,text,Bridge\n"
                                        "Aurora Bank,INC1,2026-01-05 09:05:00,commander,decision,Declared,"
                                        "\"line one\nline two\"\n"),
    ]
    ingest_files(bare_store, files)
    # The header's name, the cell as written (formula text, comma, newline): nothing interpreted.
    assert rows(bare_store, "SELECT incident_id, attributes FROM pirs") == [
        ("INC1", '{"Ticket":"=HYPERLINK(\\"x\\")"}')]
    assert rows(bare_store, "SELECT action_id, attributes FROM actions") == [
        ("ACT-1", '{"Cost centre":"CC-42","Jira":"OPS-7"}')]
    assert rows(bare_store, "SELECT incident_id, attributes FROM closure_evidence") == [
        ("INC1", '{"Signed off by":"Ng, Lee"}')]
    assert rows(bare_store, "SELECT incident_id, kind, attributes FROM timeline_events") == [
        ("INC1", "decision", '{"Bridge":"line one\\nline two"}')]


def test_no_extra_column_no_attributes_and_an_empty_cell_is_null(bare_store, tmp_path):
    ingest_files(bare_store, [FIXTURES / "governance" / "closure.csv", FIXTURES / "governance" / "pirs.csv"])
    assert rows(bare_store, "SELECT incident_id, attributes FROM closure_evidence ORDER BY 1") == [
        ("INC0010001", None), ("INC0010002", None)]
    # pirs.csv has a notes column: on every row, empty where the cell is (a null token).
    assert rows(bare_store, "SELECT incident_id, attributes FROM pirs ORDER BY 1") == [
        ("INC0010001", '{"notes":"on time"}'), ("INC0010002", '{"notes":null}')]


def test_a_change_only_in_an_extra_column_replaces_the_record(bare_store, tmp_path):
    pirs = write(tmp_path, "pirs.csv", "tenant,incident,due_at,Ticket\nAcme,INC1,2026-01-10 17:00:00,T-1\n")
    log = write(tmp_path, "log.csv", "tenant,incident,at,lane,kind,text,Bridge\n"
                                     "Acme,INC1,2026-01-05 09:05:00,commander,decision,Declared,B-1\n")
    ingest_files(bare_store, [pirs, log])
    assert [(s.rows_unchanged, s.rows_replaced) for s in ingest_files(bare_store, [pirs, log])] == [
        (1, 0), (1, 0)]
    pirs.write_text("tenant,incident,due_at,Ticket\nAcme,INC1,2026-01-10 17:00:00,T-2\n")
    log.write_text("tenant,incident,at,lane,kind,text,Bridge\n"
                   "Acme,INC1,2026-01-05 09:05:00,commander,decision,Declared,B-2\n")
    assert [(s.rows_loaded, s.rows_replaced) for s in ingest_files(bare_store, [pirs, log])] == [
        (0, 1), (0, 1)]
    assert rows(bare_store, "SELECT attributes FROM pirs") == [('{"Ticket":"T-2"}',)]
    # The same event (same key), its attributes replaced: still one row.
    assert rows(bare_store, "SELECT attributes FROM timeline_events") == [('{"Bridge":"B-2"}',)]


def test_a_timeline_event_with_a_new_actor_replaces_the_stored_one(bare_store, tmp_path):
    log = write(tmp_path, "log.csv", "tenant,incident,at,lane,kind,text,actor\n"
                                     "Acme,INC1,2026-01-05 09:05:00,commander,decision,Declared,Ana\n")
    ingest_files(bare_store, [log])
    log.write_text("tenant,incident,at,lane,kind,text,actor\n"
                   "Acme,INC1,2026-01-05 09:05:00,commander,decision,Declared,Ana Ruiz\n")
    assert ingest_files(bare_store, [log]) == [
        FileSummary(str(log), "governance", "timeline", 1, 0, 1, 0, 0, ("Acme",))]
    assert rows(bare_store, "SELECT actor, attributes FROM timeline_events") == [("Ana Ruiz", None)]


def test_generic_mappings_keep_unmapped_columns_on_pirs_and_timeline_events(bare_store, tmp_path):
    export = EXAMPLES / "servicenow-u-fields.csv"
    ingest_files(bare_store, [export], mapping=EXAMPLES / "servicenow-pirs.toml")
    attributes = rows(bare_store, "SELECT attributes FROM pirs WHERE incident_id = 'INC0020001'")[0][0]
    # Every column of the incident export the PIR mapping does not use, in file order.
    assert json.loads(attributes) == {
        "short_description": "Core banking outage", "priority": "1 - Critical", "state": "Closed",
        "opened_at": "2026-01-05 09:00:00", "resolved_at": "2026-01-05 11:00:00",
        "closed_at": "2026-01-07 09:00:00", "major_incident_state": "accepted",
        "u_service_validated": "2026-01-05 11:30:00", "u_customer_confirmed": "2026-01-06 10:00:00",
        "u_residual_risk": "Patched; residual risk low, watched by a new alert."}
    assert list(json.loads(attributes)) == [
        "short_description", "priority", "state", "opened_at", "resolved_at", "closed_at",
        "major_incident_state", "u_service_validated", "u_customer_confirmed", "u_residual_risk"]
    mapping = write(tmp_path, "log.toml", '[source]\nkind = "timeline_events"\n'
                                          '[columns]\nincident_id = "Ticket"\noccurred_at = "When"\n'
                                          'text = "Entry"\n[constants]\nkind = "decision"\n')
    data = write(tmp_path, "log.csv", "Ticket,When,Entry,Room\nT1,2026-01-05 10:00:00,Declared major,Bridge 2\n")
    ingest_files(bare_store, [data], mapping=mapping, tenant="Acme")
    assert rows(bare_store, "SELECT incident_id, occurred_at, kind, text, attributes FROM timeline_events") == [
        ("T1", datetime(2026, 1, 5, 10), "decision", "Declared major", '{"Room":"Bridge 2"}')]


def test_pagerduty_log_entries_keep_the_entry_id_and_channel(bare_store, tmp_path):
    log = write(tmp_path, "log.json", json.dumps({"log_entries": [
        {"id": "R1", "type": "trigger_log_entry", "summary": "Triggered", "created_at": "2026-01-05T09:00:00Z",
         "incident": {"id": "P1"}, "agent": {"summary": "Datadog"}, "channel": {"type": "api"},
         "html_url": "https://acme.pagerduty.com/incidents/P1/log_entries/R1"},
        {"id": "R2", "type": "acknowledge_log_entry", "created_at": "2026-01-05T09:05:00Z",
         "incident": {"id": "P1"}, "agent": {"summary": "Li Wei"}},
    ]}))
    ingest_files(bare_store, [log], tenant="Acme")
    got = {kind: json.loads(a) for kind, a in rows(bare_store, "SELECT kind, attributes FROM timeline_events")}
    assert got == {
        "trigger": {"html_url": "https://acme.pagerduty.com/incidents/P1/log_entries/R1", "id": "R1",
                    "channel": {"type": "api"}},
        # A field some records of the file have is null where a record lacks it (as for incidents).
        "acknowledged": {"html_url": None, "id": "R2"},
    }


def test_history_state_changes_carry_no_attributes(bare_store, tmp_path):
    # The u_* columns of a history row are the incident's (incidents.attributes), not the event's.
    path = write(tmp_path, "h.csv", "number,opened_at,state,sys_updated_on,u_war_room\n"
                                    "INC1,2026-01-05 10:00:00,New,2026-01-05 10:00:00,1\n"
                                    "INC1,2026-01-05 10:00:00,In Progress,2026-01-05 10:07:00,2\n")
    ingest_files(bare_store, [path], tenant="Acme")
    assert rows(bare_store, "SELECT state, attributes FROM timeline_events ORDER BY occurred_at") == [
        ("new", None), ("in_progress", None)]
    assert rows(bare_store, "SELECT attributes FROM incidents") == [('{"u_war_room":"2"}',)]
