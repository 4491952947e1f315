"""Hostile and broken input: a one-line error or a rejects entry, and nothing lost or half-written.

Every error case first loads a good file, then checks that the failed call left
every table exactly as it was (one transaction per call) and no temp object behind.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

import analytics
from analytics.errors import IngestError
from analytics.ingest import FileSummary, TableCounts, ingest_files

SERVICENOW = Path(__file__).parent / "fixtures" / "servicenow"
GOOD = SERVICENOW / "incident_list.csv"
TABLES = ("incidents", "timeline_events", "updates", "changes", "pirs", "actions",
          "closure_evidence", "ingest_runs", "ingest_run_counts", "rejects")


def snapshot(store) -> dict[str, list[tuple]]:
    return {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def leftovers(store) -> list[tuple]:
    return store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return path


def refused(store, files: list[Path], message: str, **options) -> None:
    """The call fails with exactly ``message`` (one line) and changes nothing."""
    before = snapshot(store)
    with pytest.raises(IngestError) as err:
        ingest_files(store, files, **options)
    assert str(err.value) == message
    assert "\n" not in message
    assert snapshot(store) == before
    assert leftovers(store) == []


@pytest.fixture
def loaded(bare_store):
    """A store that already holds one good file."""
    ingest_files(bare_store, [GOOD], tenant="Acme")
    return bare_store


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"   "], ids=["0-bytes", "bom", "newlines", "blanks"])
def test_empty_file(loaded, tmp_path, data):
    path = write(tmp_path, "empty.csv", data)
    # Also when it comes second: the good first file is not loaded either.
    refused(loaded, [GOOD, path], f"{path}: empty file")


@pytest.mark.parametrize(("name", "text", "source", "kind"), [
    ("incidents.csv", "number,opened_at,state\r\n", "servicenow", "incidents"),
    ("pirs.csv", "incident,due_at,completed_at,owner\n", "governance", "pirs"),
    ("analytics.csv", "id,created_at,seconds_to_first_ack\n", "pagerduty", "analytics"),
    ("log_entries.json", '{"log_entries": []}', "pagerduty", "log_entries"),
    ("table_api.json", '{"result": []}', "servicenow", "incidents"),
])
def test_header_only_or_no_records_is_a_summary_with_zero_rows(loaded, tmp_path, name, text, source, kind):
    path = write(tmp_path, name, text)
    before = snapshot(loaded)
    assert ingest_files(loaded, [path]) == [FileSummary(str(path), source, kind, 0, 0, 0, 0, 0, ())]
    after = snapshot(loaded)
    # Only the run log grows (the run is recorded, with no counts).
    assert {t: rows for t, rows in after.items() if t != "ingest_runs"} == {
        t: rows for t, rows in before.items() if t != "ingest_runs"}
    assert len(after["ingest_runs"]) == len(before["ingest_runs"]) + 1


def test_a_pdf_renamed_csv(loaded, tmp_path):
    path = write(tmp_path, "incidents.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    refused(loaded, [path], f"{path}: a PDF document, not a CSV, XLSX or JSON export")


def test_a_binary_file_renamed_csv(loaded, tmp_path):
    path = write(tmp_path, "incidents.csv", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03number,opened_at\n")
    refused(loaded, [path], f"{path}: a binary file, not a CSV, XLSX or JSON export")


@pytest.mark.parametrize("name", ["export.xlsx", "export.csv"])
def test_a_zip_that_is_not_an_xlsx(loaded, tmp_path, name):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("incidents.csv", "number,opened_at\nINC1,2026-01-05 10:00:00\n")
    refused(loaded, [path], f"{path}: not a readable XLSX workbook "
                            "(\"There is no item named '[Content_Types].xml' in the archive\")")


def test_truncated_json(loaded, tmp_path):
    path = write(tmp_path, "incidents.json", '{"incidents": [{"id": "P1", "created_at": "2026-01-05T10:00:00Z"}, '
                                             '{"id": "P2", "crea')
    before = snapshot(loaded)
    with pytest.raises(IngestError) as err:
        ingest_files(loaded, [GOOD, path], tenant="Acme")
    assert str(err.value).startswith(f"{path}: Invalid Input Error: Malformed JSON")
    assert "\n" not in str(err.value)
    assert snapshot(loaded) == before
    assert leftovers(loaded) == []


RAGGED = (
    "number,opened_at,state,short_description\n"
    'INC1,2026-01-05 10:00:00,2,"two\nlines"\n'          # lines 2-3
    "INC2,2026-01-05 10:00:00,2,printer, again\n"          # line 4: one field too many
    "INC3,2026-01-05 11:00:00,2,fine\n"                    # line 5
    "INC4,2026-01-05 12:00:00\n"                           # line 6: two fields short
    "INC5,2026-01-05 13:00:00,6,last\n"                    # line 7
)


def test_a_ragged_row_is_rejected_with_its_line_and_the_rest_loads(bare_store, tmp_path):
    path = write(tmp_path, "ragged.csv", RAGGED)
    assert ingest_files(bare_store, [path], tenant="Acme") == [
        FileSummary(str(path), "servicenow", "incidents", 5, 3, 0, 0, 2, ("Acme",))]
    assert bare_store.con.execute("SELECT incident_id, line FROM incidents ORDER BY 1").fetchall() == [
        ("INC1", 2), ("INC3", 5), ("INC5", 7)]
    assert bare_store.con.execute(
        "SELECT tenant, kind, line, field, reason, raw FROM rejects ORDER BY line").fetchall() == [
        ("Acme", "incidents", 4, "row", "ragged row: 5 fields where the header has 4",
         '{"record":"INC2,2026-01-05 10:00:00,2,printer, again"}'),
        ("Acme", "incidents", 6, "row", "ragged row: 2 fields where the header has 4",
         '{"record":"INC4,2026-01-05 12:00:00"}'),
    ]
    assert leftovers(bare_store) == []


def test_a_ragged_row_deep_in_a_large_file(bare_store, tmp_path):
    rows = [f"INC{i},2026-01-05 10:00:00,2" for i in range(30_000)]
    rows[25_000] += ",extra"
    path = write(tmp_path, "big.csv", "number,opened_at,state\n" + "\n".join(rows) + "\n")
    summary = ingest_files(bare_store, [path])[0]
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (30_000, 29_999, 1)
    assert bare_store.con.execute("SELECT line, tenant FROM rejects").fetchall() == [(25_002, "default")]
    assert bare_store.con.execute(
        "SELECT line FROM incidents WHERE incident_id IN ('INC24999', 'INC25001') ORDER BY 1").fetchall() == [
        (25_001,), (25_003,)]


def test_duplicate_ids_in_one_file_latest_version_wins(bare_store, tmp_path):
    path = write(tmp_path, "incidents.json", json.dumps({"incidents": [
        {"id": "P1", "created_at": "2026-01-05T09:00:00Z", "status": "resolved",
         "last_status_change_at": "2026-01-05T11:00:00Z", "title": "newest, first in the file"},
        {"id": "P1", "created_at": "2026-01-05T09:00:00Z", "status": "triggered",
         "last_status_change_at": "2026-01-05T09:00:00Z", "title": "older"},
        {"id": "P2", "created_at": "2026-01-05T10:00:00Z", "status": "triggered", "title": "once"},
    ]}))
    # The older version is counted as unchanged, not loaded and not rejected.
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "pagerduty", "incidents", 3, 2, 0, 1, 0, ("default",))]
    assert bare_store.con.execute("SELECT incident_id, state, title, line FROM incidents ORDER BY 1").fetchall() == [
        ("P1", "resolved", "newest, first in the file", 1), ("P2", "new", "once", 3)]


def test_the_kept_version_of_an_incident_by_time_then_mod_count_then_line(bare_store, tmp_path):
    # Only the kept version carries its text columns through typing: each rule of the choice
    # shows in which title is stored, and a newer but unparseable version is rejected, not kept.
    path = write(tmp_path, "incidents.csv",
                 "number,opened_at,state,sys_updated_on,sys_mod_count,short_description\n"
                 "INC1,2026-01-05 09:00:00,2,2026-01-05 10:00:00,3,a\n"
                 "INC1,2026-01-05 09:00:00,2,2026-01-05 10:00:00,4,b same time higher mod\n"
                 "INC1,2026-01-05 09:00:00,2,2026-01-05 09:30:00,9,c older time\n"
                 "INC1,2026-01-05 09:00:00,2,,12,d no update time\n"
                 "INC2,2026-01-05 09:00:00,2,2026-01-05 10:00:00,1,e\n"
                 "INC2,2026-01-05 09:00:00,2,2026-01-05 10:00:00,1,f same time and mod later line\n"
                 "INC3,2026-01-05 09:00:00,2,2026-01-05 10:00:00,1,g\n"
                 "INC3,2026-01-05 09:00:00,2,not a time,5,h newest unparseable\n")
    summary = ingest_files(bare_store, [path], tenant="Acme")[0]
    assert summary.tables[0] == TableCounts("incidents", 8, 3, 0, 4, 1)
    assert bare_store.con.execute(
        "SELECT incident_id, title, mod_count, line, row_hash IS NOT NULL FROM incidents ORDER BY 1").fetchall() == [
        ("INC1", "b same time higher mod", 4, 3, True), ("INC2", "f same time and mod later line", 1, 7, True),
        ("INC3", "g", 1, 8, True)]
    assert bare_store.con.execute("SELECT line, field FROM rejects").fetchall() == [(9, "updated_at")]
    # The same file again changes nothing: the kept versions hash as they did.
    again = ingest_files(bare_store, [path], tenant="Acme")[0]
    assert again.tables[0] == TableCounts("incidents", 8, 0, 0, 7, 1)


def test_duplicates_without_update_time_keep_the_last_line(bare_store, tmp_path):
    path = write(tmp_path, "closure.csv", "tenant,incident,service_validated_at,customer_confirmed_at,residual_risk\n"
                                          "Acme,INC1,2026-01-05 10:00:00,,first\n"
                                          "Acme,INC1,2026-01-05 10:00:00,2026-01-06 10:00:00,second\n")
    assert ingest_files(bare_store, [path])[0].rows_unchanged == 1
    assert bare_store.con.execute("SELECT residual_risk, line FROM closure_evidence").fetchall() == [("second", 3)]


def test_an_update_twice_in_one_file_keeps_its_last_line(bare_store, tmp_path):
    # Without a sys_id an entry's id is a digest of its incident, time, channel and text (not
    # its author): lines 2 and 3 are one entry. Lines 4 and 5 share a sys_id.
    listing = SERVICENOW / "incident_list.csv"
    journal = write(tmp_path, "journal.csv",
                    "element_id,element,value,sys_created_on,sys_created_by,sys_id,name\n"
                    "9d3a1f0e1b2c,comments,Same words,2026-01-05 09:05:00,ana.ruiz,,incident\n"
                    "9d3a1f0e1b2c,comments,Same words,2026-01-05 09:05:00,li.wei,,incident\n"
                    "9d3a1f0e1b2c,work_notes,first text,2026-01-05 10:00:00,ana.ruiz,j9,incident\n"
                    "9d3a1f0e1b2c,work_notes,second text,2026-01-05 10:05:00,li.wei,j9,incident\n"
                    "9d3a1f0e1b2c,work_notes,once,2026-01-05 11:00:00,li.wei,j10,incident\n")
    summary = ingest_files(bare_store, [listing, journal], tenant="Acme")[1]
    assert (summary.rows_read, summary.rows_loaded, summary.rows_unchanged, summary.rows_rejected) == (5, 3, 2, 0)
    assert bare_store.con.execute("SELECT author, body, line FROM updates ORDER BY line").fetchall() == [
        ("li.wei", "Same words", 3), ("li.wei", "second text", 5), ("li.wei", "once", 6)]
    # Again: every row is a repeat or the stored row itself.
    again = ingest_files(bare_store, [journal], tenant="Acme")[0]
    assert (again.rows_loaded, again.rows_unchanged) == (0, 5)


def test_an_event_twice_in_one_file_keeps_its_first_line(bare_store, tmp_path):
    # An event is its tenant, incident, time, kind, state, lane and text: the actor and the
    # evidence link of the second copy do not make it another event.
    path = write(tmp_path, "timeline.csv",
                 "tenant,incident,at,lane,kind,actor,text,evidence_link\n"
                 "Acme,INC1,2026-01-05 09:05:00,commander,decision,George Bell,Declared,\n"
                 "Acme,INC1,2026-01-05 09:05:00,commander,decision,Someone Else,Declared,https://x.example\n"
                 "Acme,INC1,2026-01-05 09:10:00,comms,update,Ewa Kowalska,Notice sent,\n")
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "governance", "timeline", 3, 2, 0, 1, 0, ("Acme",))]
    assert bare_store.con.execute(
        "SELECT actor, evidence_link, line FROM timeline_events ORDER BY line").fetchall() == [
        ("George Bell", None, 2), ("Ewa Kowalska", None, 4)]
    again = ingest_files(bare_store, [path])[0]
    assert (again.rows_loaded, again.rows_unchanged) == (0, 3)


def test_timestamps_in_the_future_or_before_2000_load_and_are_flagged(bare_store, tmp_path):
    path = write(tmp_path, "odd.csv", "number,opened_at,resolved_at,priority\n"
                                      "INC1,2026-01-05 10:00:00,2026-01-05 12:00:00,1\n"
                                      "INC2,2099-01-05 10:00:00,,1\n"
                                      "INC3,1999-12-31 23:00:00,2026-01-05 12:00:00,1\n"
                                      "INC4,2026-01-06 10:00:00,2030-01-01 00:00:00,1\n")
    assert ingest_files(bare_store, [path], tenant="Acme")[0].rows_loaded == 4
    quality = analytics.compute_kpis(bare_store, tenant="Acme", as_of=datetime(2026, 3, 1)).data_quality
    counts = dict(zip(quality["check"], quality["count"], strict=True))
    assert (counts["future_timestamps"], counts["timestamps_before_2000"]) == (2, 1)


def test_unknown_columns_are_kept_verbatim_as_attributes(bare_store, tmp_path):
    path = write(tmp_path, "odd.csv", 'number,opened_at,"Weird ""quoted"" name",u_region,Spalte ä\n'
                                      "INC1,2026-01-05 10:00:00,x,EMEA,ü\n")
    ingest_files(bare_store, [path])
    assert json.loads(bare_store.con.execute("SELECT attributes FROM incidents").fetchone()[0]) == {
        'Weird "quoted" name': "x", "u_region": "EMEA", "Spalte ä": "ü"}


def test_a_mapping_with_an_unknown_key_names_the_key_and_the_file(loaded, tmp_path):
    mapping = write(tmp_path, "m.toml", '[source]\nkind = "incidents"\n[columns]\nincident_id = "Key"\n'
                                        'opened_at = "Created"\nopend_at = "Opened"\n')
    data = write(tmp_path, "x.csv", "Key,Created\nA-1,2026-01-05 10:00:00\n")
    before = snapshot(loaded)
    with pytest.raises(IngestError) as err:
        ingest_files(loaded, [data], mapping=mapping)
    assert str(err.value).startswith(f"{mapping}: unknown key 'opend_at' in [columns] for kind incidents")
    assert snapshot(loaded) == before


TEXT = '=cmd|" /C calc"!A0 <script>alert(1)</script> +1 -1 @SUM(A1) line one\nline two ' + "x" * 5000


def test_text_is_stored_verbatim(bare_store, tmp_path):
    path = tmp_path / "text.csv"
    path.write_text('number,opened_at,short_description\nINC1,2026-01-05 10:00:00,"'
                    + TEXT.replace('"', '""') + '"\n')
    ingest_files(bare_store, [path])
    assert bare_store.con.execute("SELECT title FROM incidents").fetchone() == (TEXT,)


def test_a_csv_with_its_own_rowid_column_keeps_lines_and_values(bare_store, tmp_path):
    # The staged table numbers records by DuckDB's rowid, which a column of that name hides.
    path = write(tmp_path, "rowid.csv",
                 "number,opened_at,state,rowid\n"
                 'INC1,2026-01-05 09:00:00,2,"first\nsecond"\n'    # lines 2-3
                 "INC2,2026-01-05 10:00:00,2\n"                     # line 4: ragged
                 "INC3,2026-01-05 11:00:00,2,7\n")                  # line 5
    assert ingest_files(bare_store, [path]) == [
        FileSummary(str(path), "servicenow", "incidents", 3, 2, 0, 0, 1, ("default",))]
    assert bare_store.con.execute(
        "SELECT incident_id, line, attributes::VARCHAR FROM incidents ORDER BY 1").fetchall() == [
        ("INC1", 2, '{"rowid":"first\\nsecond"}'), ("INC3", 5, '{"rowid":"7"}')]
    assert bare_store.con.execute("SELECT line, field FROM rejects").fetchall() == [(4, "row")]
    assert leftovers(bare_store) == []


def test_lines_count_the_newlines_of_ragged_and_multi_line_records_before_them(bare_store, tmp_path):
    path = write(tmp_path, "spans.csv", (
        "number,opened_at,state,short_description\n"
        "INC1,2026-01-05 10:00:00,2,fine\n"                     # line 2
        'INC2,2026-01-05 10:00:00,2,"a\nb",extra\n'             # lines 3-4: ragged, over two lines
        'INC3,2026-01-05 11:00:00,2,"x\ny\nz"\n'                # lines 5-7
        "INC4,2026-01-05 12:00:00\n"                            # line 8: ragged
        "INC5,2026-01-05 13:00:00,6,last\n"                     # line 9
    ))
    ingest_files(bare_store, [path], tenant="Acme")
    assert bare_store.con.execute("SELECT incident_id, line FROM incidents ORDER BY 1").fetchall() == [
        ("INC1", 2), ("INC3", 5), ("INC5", 9)]
    assert bare_store.con.execute("SELECT line FROM rejects ORDER BY 1").fetchall() == [(3,), (8,)]
