"""``mikpi ingest`` through the real console entry point."""

from __future__ import annotations

from pathlib import Path

from analytics.cli import main
from analytics.store import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "servicenow"
EXAMPLES = Path(__file__).parent.parent / "examples" / "mappings"


def test_ingest_prints_a_summary_per_file(tmp_path, capsys):
    db = tmp_path / "store.duckdb"
    files = [str(FIXTURES / "incident_list.csv"), str(FIXTURES / "journal.csv")]
    assert main(["ingest", *files, "--db", str(db), "--tenant", "Acme"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "│" in line]
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in lines]
    assert cells == [
        ["incident_list.csv", "servicenow", "incidents", "3", "3", "0", "0", "0", "Acme, Aurora Bank"],
        ["journal.csv", "servicenow", "journal", "5", "3", "0", "0", "2", "Acme, Aurora Bank"],
    ]
    assert "2 row(s) rejected" in out
    with open_store(db, read_only=True) as store:
        assert store.tenants() == ["Acme", "Aurora Bank"]


def test_missing_file_exits_2_with_one_line(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["ingest", str(missing), "--db", str(tmp_path / "s.duckdb")]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"error: {missing}: no such file\n"
    assert captured.out == ""


def test_ambiguous_dates_exit_2_naming_the_flags(tmp_path, capsys):
    path = tmp_path / "dates.csv"
    path.write_text("number,opened_at\nINC1,3/4/2026 10:00\n")
    assert main(["ingest", str(path), "--db", str(tmp_path / "s.duckdb")]) == 2
    assert capsys.readouterr().err == (
        f"error: {path}: ambiguous dates (no day above 12 in opened_at); pass --dayfirst or --monthfirst\n")
    assert main(["ingest", str(path), "--db", str(tmp_path / "s.duckdb"), "--monthfirst"]) == 0


def test_no_files_and_unknown_source_exit_2(tmp_path, capsys):
    assert main(["ingest", "--db", str(tmp_path / "s.duckdb")]) == 2
    assert capsys.readouterr().err.startswith("error: no files given")
    assert main(["ingest", str(FIXTURES / "incident_list.csv"), "--source", "jira",
                 "--db", str(tmp_path / "s.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --source jira: unknown source") and err.count("\n") == 1


def test_rows_of_a_second_table_are_in_the_summary(tmp_path, capsys):
    # Jira: 3 issues -> 3 incidents and 3 comment updates; one comment cell has no date: a reject.
    db = tmp_path / "store.duckdb"
    assert main(["ingest", str(EXAMPLES / "jira-service-management.csv"), "--mapping",
                 str(EXAMPLES / "jira-service-management.toml"), "--tenant", "Cobalt", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    cells = [[c.strip() for c in line.strip("│").split("│")] for line in out.splitlines() if "│" in line]
    assert cells == [["jira-service-management.csv", "generic", "incidents", "3", "6", "0", "0", "1",
                      "Aurora Bank, Borealis Retail, Cobalt"]]
    assert "jira-service-management.csv: incidents 3 loaded; updates 3 loaded, 1 rejected\n" in out
    assert "1 row(s) rejected" in out
    with open_store(db, read_only=True) as store:
        assert store.con.execute("SELECT count(*) FROM rejects").fetchone() == (1,)
        # Per run the counts add up to the summary line: 3 records read, 6 rows loaded, 1 rejected.
        assert store.con.execute(
            "SELECT sum(rows_read), sum(rows_loaded), sum(rows_rejected) FROM ingest_run_counts").fetchone() == (
            3, 6, 1)
