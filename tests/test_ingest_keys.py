"""Join keys arrive trimmed, and no row may claim the portfolio's name."""

from __future__ import annotations

from analytics.cli import main
from analytics.ingest import ingest_files

HEADER = "number,opened_at,company,business_service,cmdb_ci,problem_id,caused_by\n"


def test_engine_join_keys_are_trimmed(bare_store, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(HEADER + 'INC1,2026-01-05 10:00:00,Acme,"Payments ", " pay-01",PRB1 ," "\n')
    ingest_files(bare_store, [path])
    row = bare_store.con.execute(
        "SELECT service, ci, problem_id, caused_by_change FROM incidents").fetchone()
    assert row == ("Payments", "pay-01", "PRB1", None)


def test_a_row_naming_tenant_all_is_rejected(bare_store, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(HEADER + "INC1,2026-01-05 10:00:00,ALL,Payments,,,\n"
                             "INC2,2026-01-05 11:00:00,Acme,Payments,,,\n")
    (summary,) = ingest_files(bare_store, [path])
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 1)
    assert bare_store.con.execute("SELECT tenant, line, field, reason FROM rejects").fetchall() == [
        ("ALL", 2, "tenant", "the tenant name ALL is reserved for the portfolio view")]
    assert bare_store.tenants() == ["Acme"]


def test_tenant_all_on_the_command_line_is_refused(tmp_path, capsys):
    path = tmp_path / "incidents.csv"
    path.write_text(HEADER + "INC1,2026-01-05 10:00:00,,Payments,,,\n")
    assert main(["ingest", str(path), "--db", str(tmp_path / "s.duckdb"), "--tenant", "ALL"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --tenant: the name ALL is reserved for the portfolio view"]
    assert not (tmp_path / "s.duckdb").exists()


def test_no_record_kind_may_claim_tenant_all(bare_store, tmp_path):
    path = tmp_path / "pirs.csv"
    path.write_text("tenant,incident,due_at,completed_at,owner\n"
                    "ALL,INC1,2026-01-12 17:00:00,,Ana\n"
                    "Acme,INC1,2026-01-12 17:00:00,,Ana\n")
    (summary,) = ingest_files(bare_store, [path])
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 1)
    assert bare_store.con.execute("SELECT tenant FROM pirs").fetchall() == [("Acme",)]
    assert bare_store.con.execute("SELECT tenant, line, field, reason FROM rejects").fetchall() == [
        ("ALL", 2, "tenant", "the tenant name ALL is reserved for the portfolio view")]
