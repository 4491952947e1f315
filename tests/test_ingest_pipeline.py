"""The loading path: idempotence, replacement, atomicity, rejects, dates, encodings, detection."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

import analytics.ingest
from analytics.errors import IngestError
from analytics.ingest import FileSummary, ingest_files
from analytics.ingest import pipeline as pipeline_module
from analytics.ingest.registry import DOCUMENTED_SOURCES
from analytics.store import open_store, read_sql

FIXTURES = Path(__file__).parent / "fixtures" / "servicenow"
ALL_FIXTURES = sorted(FIXTURES.iterdir())
TABLES = ("incidents", "timeline_events", "updates", "changes", "pirs", "actions",
          "closure_evidence", "ingest_runs", "ingest_run_counts", "rejects")
DATA_TABLES = TABLES[:7]


def snapshot(store, tables=TABLES) -> dict[str, list[tuple]]:
    return {t: store.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}


def csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_public_api():
    assert analytics.ingest.__all__ == [
        "FileSummary", "KindSpec", "TableCounts", "ingest_files", "register_kind", "register_mapping_loader",
        "registered_kinds", "registered_sources",
    ]
    assert "servicenow" in analytics.ingest.registered_sources()
    assert {k.kind for k in analytics.ingest.registered_kinds("servicenow")} == {
        "incidents", "incident_history", "journal", "changes"}


def test_reingesting_the_same_files_changes_no_data(bare_store):
    first = ingest_files(bare_store, ALL_FIXTURES, tenant="Acme")
    before = snapshot(bare_store, DATA_TABLES)
    again = ingest_files(bare_store, ALL_FIXTURES, tenant="Acme")
    assert snapshot(bare_store, DATA_TABLES) == before
    assert [s.rows_loaded + s.rows_replaced for s in again] == [0] * len(ALL_FIXTURES)
    # Every canonical row the first call wrote (or found) is now unchanged; the rejects stay rejects.
    assert [s.rows_unchanged for s in again] == [
        s.rows_loaded + s.rows_replaced + s.rows_unchanged for s in first]
    assert [s.rows_rejected for s in again] == [s.rows_rejected for s in first]
    assert [s.rows_read for s in again] == [s.rows_read for s in first]
    # The runs are logged each time: one ingest_runs row per file per call.
    assert bare_store.con.execute("SELECT count(*) FROM ingest_runs").fetchone() == (2 * len(ALL_FIXTURES),)


HEADER = "number,company,state,opened_at,resolved_at,sys_updated_on\n"


def test_newer_export_replaces_older_and_older_never_replaces_newer(bare_store, tmp_path):
    old = csv(tmp_path, "monday.csv", HEADER + "INC1,Acme,2,2026-01-05 10:00:00,,2026-01-05 10:30:00\n"
                                               "INC2,Acme,2,2026-01-05 11:00:00,,2026-01-05 11:00:00\n")
    new = csv(tmp_path, "tuesday.csv", HEADER + "INC1,Acme,6,2026-01-05 10:00:00,2026-01-05 13:00:00,"
                                                "2026-01-05 13:00:00\n"
                                                "INC2,Acme,2,2026-01-05 11:00:00,,2026-01-05 11:00:00\n")
    ingest_files(bare_store, [old])
    assert ingest_files(bare_store, [new]) == [
        FileSummary(str(new), "servicenow", "incidents", 2, 0, 1, 1, 0, ("Acme",))]
    ingest_files(bare_store, [old])  # the older export again: the newer rows stay
    rows = bare_store.con.execute(
        "SELECT incident_id, state, resolved_at, source_file, run_id FROM incidents ORDER BY 1").fetchall()
    assert rows == [
        ("INC1", "resolved", datetime(2026, 1, 5, 13), "tuesday.csv", 2),
        ("INC2", "in_progress", None, "monday.csv", 1),
    ]
    counts = bare_store.con.execute(
        "SELECT run_id, rows_loaded, rows_replaced, rows_unchanged FROM ingest_run_counts ORDER BY 1"
    ).fetchall()
    assert counts == [(1, 2, 0, 0), (2, 0, 1, 1), (3, 0, 0, 2)]


def test_same_update_time_or_no_update_time_replaces(bare_store, tmp_path):
    first = csv(tmp_path, "a.csv", HEADER + "INC1,Acme,2,2026-01-05 10:00:00,,2026-01-05 10:30:00\n"
                                            "INC2,Acme,2,2026-01-05 10:00:00,,\n")
    second = csv(tmp_path, "b.csv", HEADER + "INC1,Acme,3,2026-01-05 10:00:00,,2026-01-05 10:30:00\n"
                                             "INC2,Acme,3,2026-01-05 10:00:00,,\n")
    ingest_files(bare_store, [first])
    assert ingest_files(bare_store, [second])[0].rows_replaced == 2
    assert bare_store.con.execute("SELECT DISTINCT state FROM incidents").fetchall() == [("on_hold",)]


OLDER_INCIDENT = (
    '"INC0010001","9d3a1f0e1b2c","Payments API slow","2","2","2","2","Network","DNS","Network Ops","Bo Chen",'
    '"pay-api-02","Payments EU","Aurora Bank","2026-01-05 09:00:00","","","2026-01-05 09:30:00","1","proposed","",'
    '"","1","0","","https://bridge.example/old"\n')
OLDER_CHANGE = ('"CHG0030001","Upgrade gateway","pay-api-02","Payments EU","Aurora Bank","emergency","2","-1","",'
                '"2026-01-04 20:00:00","2026-01-05 01:00:00","","","2026-01-01 10:00:00","","2026-01-03 12:00:00"\n')


@pytest.mark.parametrize("one_call", [True, False], ids=["same call", "later call"])
@pytest.mark.parametrize(("newer", "older", "table", "key"), [
    ("incident_list.csv", OLDER_INCIDENT, "incidents", "incident_id"),
    ("change_requests.csv", OLDER_CHANGE, "changes", "change_id"),
], ids=["incidents", "changes"])
def test_a_replaced_record_is_the_newer_row_whole(bare_store, tmp_path, one_call, newer, older, table, key):
    # The newer export's row replaces every value of the older one, whether the older was
    # committed before or inserted by an earlier file of the same call (updated in place).
    newer = FIXTURES / newer
    header = newer.read_text().splitlines(keepends=True)[0]
    older = csv(tmp_path, "older.csv", header + older)
    if one_call:
        summaries = ingest_files(bare_store, [older, newer])
    else:
        summaries = ingest_files(bare_store, [older]) + ingest_files(bare_store, [newer])
    rows = bare_store.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert [(s.rows_loaded, s.rows_replaced) for s in summaries] == [(1, 0), (rows - 1, 1)]
    fresh = open_store(None)
    ingest_files(fresh, [newer])
    query = f"SELECT * EXCLUDE (run_id) FROM {table} ORDER BY {key}"
    assert bare_store.con.execute(query).fetchall() == fresh.con.execute(query).fetchall()
    fresh.close()
    assert bare_store.con.execute(f"SELECT DISTINCT run_id FROM {table}").fetchall() == [(2,)]


@pytest.mark.parametrize(("table", "key"), [("incidents", "incident_id"), ("changes", "change_id")])
def test_the_replacing_update_sets_every_column_but_the_key(bare_store, table, key):
    # The merge lists the columns it sets: a column added to the table must be added there
    # too, or a replaced record would keep its older value.
    sql = read_sql(f"ingest_merge_{table}")
    set_list = re.search(rf"UPDATE {table} SET(.*?)\nFROM", sql, re.DOTALL).group(1)
    assigned = re.findall(r"(\w+) = n\.(\w+)", set_list)
    assert all(column == value for column, value in assigned)
    columns = [row[0] for row in bare_store.con.execute(f"DESCRIBE {table}").fetchall()]
    assert [column for column, _ in assigned] == [c for c in columns if c not in ("tenant", key)]


def scratch_left(store, folder: Path) -> tuple[list, list]:
    """The scratch databases still attached, and what is left in the folder they were made in."""
    attached = store.con.execute(
        "SELECT database_name FROM duckdb_databases() WHERE database_name LIKE 'mikpi%'").fetchall()
    return attached, sorted(p.name for p in folder.iterdir())


def test_a_failure_half_way_leaves_the_store_exactly_as_it_was(bare_store, monkeypatch, tmp_path):
    # Staged rows go to a scratch database file made for the call: gone after it, either way.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ingest_files(bare_store, [FIXTURES / "history.csv"])
    assert scratch_left(bare_store, tmp_path) == ([], [])
    before = snapshot(bare_store)
    real_read_sql = pipeline_module.read_sql

    def failing_read_sql(name: str) -> str:
        # The journal merges after the incident list was merged in the same transaction.
        if name == "ingest_merge_updates":
            return "SELECT error('injected failure')"
        return real_read_sql(name)

    monkeypatch.setattr(pipeline_module, "read_sql", failing_read_sql)
    with pytest.raises(IngestError, match=r"journal\.csv: .*injected failure"):
        ingest_files(bare_store, [FIXTURES / "incident_list.csv", FIXTURES / "journal.csv"])
    assert snapshot(bare_store) == before
    temp = bare_store.con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name LIKE 'mikpi_stage%'"
    ).fetchone()
    assert temp == (0,)
    assert scratch_left(bare_store, tmp_path) == ([], [])


def test_an_unreadable_second_file_loads_nothing(bare_store, tmp_path):
    broken = csv(tmp_path, "broken.json", '{"result": [{"number": "INC1",')
    before = snapshot(bare_store)
    with pytest.raises(IngestError, match=r"broken\.json: "):
        ingest_files(bare_store, [FIXTURES / "incident_list.csv", broken])
    assert snapshot(bare_store) == before
    with pytest.raises(IngestError, match=r"nowhere\.csv: No such file"):
        ingest_files(bare_store, [FIXTURES / "incident_list.csv", tmp_path / "nowhere.csv"])
    assert snapshot(bare_store) == before


def test_unusable_rows_are_rejected_with_reasons_and_counted(bare_store, tmp_path):
    path = csv(tmp_path, "dirty.csv", HEADER +
               ",Acme,2,2026-01-05 10:00:00,,\n"                                 # line 2: no number
               "INC2,Acme,2,,,\n"                                                 # line 3: no opened_at
               "INC3,Acme,6,2026-01-05 10:00:00,yesterday-ish,\n"                 # line 4: bad timestamp
               "INC4,Acme,6,2026-01-05 10:00:00,2026-01-05 09:00:00,\n"           # line 5: resolved < opened
               "INC5,Acme,NULL,(empty),?,\n")                                     # line 6: null tokens
    summary = ingest_files(bare_store, [path])
    assert summary == [FileSummary(str(path), "servicenow", "incidents", 5, 1, 0, 0, 4, ("Acme",))]
    rejects = bare_store.con.execute(
        "SELECT tenant, kind, source_file, line, field, reason, raw FROM rejects ORDER BY line").fetchall()
    assert [r[:6] for r in rejects] == [
        ("Acme", "incidents", "dirty.csv", 2, "incident_id", "no incident id"),
        ("Acme", "incidents", "dirty.csv", 3, "opened_at", "no opened_at"),
        ("Acme", "incidents", "dirty.csv", 4, "resolved_at", "unparseable timestamp: yesterday-ish"),
        ("Acme", "incidents", "dirty.csv", 6, "opened_at", "no opened_at"),
    ]
    assert json.loads(rejects[2][6]) == {
        "number": "INC3", "company": "Acme", "state": "6", "opened_at": "2026-01-05 10:00:00",
        "resolved_at": "yesterday-ish", "sys_updated_on": None,
    }
    # Resolved before opened is loaded as given; the KPI engine flags it.
    assert bare_store.con.execute("SELECT incident_id, opened_at, resolved_at FROM incidents").fetchall() == [
        ("INC4", datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 9))]


SLASH_HEADER = "number,opened_at,resolved_at\n"


def test_ambiguous_slash_dates_are_refused_naming_the_flags(bare_store, tmp_path):
    path = csv(tmp_path, "ambiguous.csv", SLASH_HEADER + "INC1,3/4/2026 10:00,5/4/2026 9:00\n")
    with pytest.raises(IngestError) as err:
        ingest_files(bare_store, [path])
    assert str(err.value) == (f"{path}: ambiguous dates (no day above 12 in opened_at, resolved_at); "
                              "pass --dayfirst or --monthfirst")
    assert bare_store.con.execute("SELECT count(*) FROM incidents").fetchone() == (0,)


@pytest.mark.parametrize(("date_order", "opened"), [
    ("dayfirst", datetime(2026, 4, 3, 10)),
    ("monthfirst", datetime(2026, 3, 4, 10)),
])
def test_the_date_order_flag_settles_ambiguous_dates(bare_store, tmp_path, date_order, opened):
    path = csv(tmp_path, "ambiguous.csv", SLASH_HEADER + "INC1,3/4/2026 10:00,\n")
    ingest_files(bare_store, [path], date_order=date_order)
    assert bare_store.con.execute("SELECT opened_at FROM incidents").fetchone() == (opened,)


@pytest.mark.parametrize(("rows", "expected"), [
    # One day above 12 anywhere in the file settles the order for every row.
    ("INC1,13/1/2026 9:05,\nINC2,2/1/2026 16:00,3/1/2026 8:00\n",
     [datetime(2026, 1, 13, 9, 5), datetime(2026, 1, 2, 16)]),
    ("INC1,01/13/2026,\nINC2,02/01/2026,\n", [datetime(2026, 1, 13), datetime(2026, 2, 1)]),
])
def test_date_order_is_decided_per_file_from_the_values(bare_store, tmp_path, rows, expected):
    ingest_files(bare_store, [csv(tmp_path, "dates.csv", SLASH_HEADER + rows)])
    assert [r[0] for r in bare_store.con.execute(
        "SELECT opened_at FROM incidents ORDER BY incident_id").fetchall()] == expected


def test_contradictory_slash_dates_are_refused(bare_store, tmp_path):
    path = csv(tmp_path, "mixed.csv", SLASH_HEADER + "INC1,13/1/2026 9:05,\nINC2,1/13/2026 9:05,\n")
    with pytest.raises(IngestError, match=r"mixed\.csv: slash dates disagree"):
        ingest_files(bare_store, [path])


# Excel on Windows: ';' separators, a quoted field over two lines, cp1252 or a UTF-8 BOM.
EXCEL_TEXT = (
    "Number;Opened;State;Short description;Company\r\n"
    "INC7;2026-01-05 10:00:00;New;\"Card fees 5 € too high;\r\nsee ‘billing’ note\";Aurora Bank\r\n"
    "INC8;2026-01-05 11:00:00;Closed;Café Wi-Fi – down;Aurora Bank\r\n"
)


@pytest.mark.parametrize("encoded", [
    EXCEL_TEXT.encode("cp1252"),
    b"\xef\xbb\xbf" + EXCEL_TEXT.encode("utf-8"),
    b"\xef\xbb\xbf" + EXCEL_TEXT.encode("cp1252"),   # a BOM blindly put before cp1252 text
], ids=["cp1252", "utf8-bom", "bom-then-cp1252"])
def test_excel_csv_encodings_semicolons_and_quoted_newlines(bare_store, tmp_path, encoded):
    path = tmp_path / "excel.csv"
    path.write_bytes(encoded)
    ingest_files(bare_store, [path])
    rows = bare_store.con.execute(
        "SELECT incident_id, title, state, opened_at, line FROM incidents ORDER BY 1").fetchall()
    assert rows == [
        ("INC7", "Card fees 5 € too high;\r\nsee ‘billing’ note", "new", datetime(2026, 1, 5, 10), 2),
        ("INC8", "Café Wi-Fi – down", "closed", datetime(2026, 1, 5, 11), 4),
    ]


def test_a_few_duplicate_rows_are_a_list_export_not_history(bare_store, tmp_path):
    path = csv(tmp_path, "list.csv", HEADER +
               "INC1,Acme,2,2026-01-05 10:00:00,,2026-01-05 10:30:00\n"
               "INC1,Acme,2,2026-01-05 10:00:00,,2026-01-05 10:30:00\n"
               "INC2,Acme,2,2026-01-05 11:00:00,,2026-01-05 11:00:00\n"
               "INC3,Acme,2,2026-01-05 12:00:00,,2026-01-05 12:00:00\n")
    assert ingest_files(bare_store, [path])[0].kind == "incidents"
    assert bare_store.con.execute("SELECT count(*) FROM timeline_events").fetchone() == (0,)
    # The kind flag overrides detection.
    forced = ingest_files(bare_store, [path], kind="incident_history")[0]
    assert (forced.kind, forced.rows_unchanged) == ("incident_history", 4)
    assert bare_store.con.execute("SELECT count(*) FROM timeline_events").fetchone() == (3,)


@pytest.mark.parametrize(("options", "message"), [
    ({"source": "jira"}, "--source jira: unknown source"),
    ({"kind": "problems"}, "--kind problems: unknown kind"),
    ({"source_tz": "Mars/Olympus"}, "--source-tz Mars/Olympus: unknown time zone"),
    ({"date_order": "yearfirst"}, "date order 'yearfirst': use dayfirst or monthfirst"),
    ({"source": "servicenow", "mapping": "m.toml"}, "--mapping m.toml: mappings are not available"),
])
def test_bad_options_are_refused_before_anything_is_read(bare_store, options, message):
    with pytest.raises(IngestError, match="^" + message.replace(".", r"\.")):
        ingest_files(bare_store, [FIXTURES / "incident_list.csv"], **options)


def test_every_documented_source_is_registered():
    assert set(DOCUMENTED_SOURCES) <= set(analytics.ingest.registered_sources())


def test_a_file_no_source_recognises_names_its_columns(bare_store, tmp_path):
    path = csv(tmp_path, "what.csv", "id,title,when\n1,x,2026-01-01\n")
    with pytest.raises(IngestError) as err:
        ingest_files(bare_store, [path])
    assert str(err.value) == (f"{path}: cannot tell which export this is (columns: id, title, when); "
                              "pass --source and --kind")
    with pytest.raises(IngestError) as err:
        ingest_files(bare_store, [path], kind="incidents")
    assert str(err.value) == (f"{path}: a servicenow/incidents export needs the column number; "
                              "opened_at or sys_created_on")


@pytest.mark.parametrize("bad_row", [15_000, 30_000], ids=["among-the-sniffed-rows", "after-them"])
def test_a_large_csv_not_utf8_after_its_first_chunk_is_read_again_as_cp1252(bare_store, tmp_path, bad_row):
    # Only the first chunk (1 MiB) is decoded before DuckDB parses a file. A cp1252 byte after
    # it, among the rows DuckDB samples for the dialect or after them, is found by the parse,
    # and the file is read again as cp1252: every row and line as if that had been known.
    title = "Card fees too high " + "x" * 50
    rows = [f"INC{i},Acme,2,2026-01-05 10:00:00,{title},2026-01-05 10:30:00" for i in range(32_000)]
    rows[bad_row] = f"INC{bad_row},Acme,2,2026-01-05 10:00:00,\"Fees 5 € too high;\nsee note\",2026-01-05 10:30:00"
    data = ("number,company,priority,opened_at,short_description,sys_updated_on\n"
            + "\n".join(rows) + "\n").encode("cp1252")
    assert data.index("€".encode("cp1252")) > 1 << 20 and data[: 1 << 20].isascii()
    path = tmp_path / "large.csv"
    path.write_bytes(data)
    summary = ingest_files(bare_store, [path])[0]
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (32_000, 32_000, 0)
    con = bare_store.con
    assert con.execute("SELECT title, line FROM incidents WHERE incident_id = ?", [f"INC{bad_row}"]
                       ).fetchone() == ("Fees 5 € too high;\nsee note", bad_row + 2)
    # The record after the one spanning two lines is a line further on.
    assert con.execute("SELECT line FROM incidents WHERE incident_id = 'INC31999'").fetchone() == (32_002,)
    assert json.loads(con.execute("SELECT options FROM ingest_runs").fetchone()[0])["encoding"] == "cp1252"
