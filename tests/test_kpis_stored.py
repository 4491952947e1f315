"""KPI facts kept in the store: read only when made from exactly the call's inputs, gone with the data.

Whether a call read them is made visible by tampering: a stored fact is changed by hand, so a
result that shows the change was reported from the stored facts and one that does not was
derived again. Then the real thing on a generated sample: stored or derived, the same to the bit.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analytics.cli import main
from analytics.config import config_from_dict
from analytics.errors import IngestError, MikpiError
from analytics.ingest import ingest_files
from analytics.kpis import stored
from analytics.kpis.engine import compute_kpis, prepare_kpis, store_facts
from analytics.store import open_store
from tests.test_kpis_rows import incident, overall

AS_OF = datetime(2026, 3, 1)
FIXTURES = Path(__file__).parent / "fixtures" / "servicenow"


def _kept(db: Path, schema: str = "facts") -> list[str]:
    with open_store(db, read_only=True) as s:
        return [t for (t,) in s.con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ? "
                                            "ORDER BY 1", [schema]).fetchall()]


def _tamper(db: Path, schema: str = "facts", minutes: int = 999) -> None:
    """Every stored MTTR becomes 999 minutes: visible in any result reported from them."""
    with open_store(db) as s:
        s.con.execute(f"UPDATE {schema}.kpi_inc_all SET mttr_minutes = {minutes}")


def _mttr(db: Path, **kw) -> float:
    with open_store(db, read_only=True) as s:
        return overall(compute_kpis(s, tenant="f", **kw), "f", "mttr_minutes")["value"]


@pytest.fixture
def small_db(tmp_path):
    db = tmp_path / "mikpi.duckdb"
    with open_store(db) as s:
        incident(s, "f", "F1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00")  # 60 minutes
        incident(s, "g", "G1", "2026-01-06 10:00", resolved_at="2026-01-06 10:30")
        store_facts(s, as_of=AS_OF)
    _tamper(db)
    return db


def test_a_call_with_the_stored_inputs_reads_the_stored_facts(small_db):
    assert _mttr(small_db, as_of=AS_OF) == 999.0
    with open_store(small_db, read_only=True) as s:  # ALL too: the facts hold every tenant
        assert overall(compute_kpis(s, as_of=AS_OF), "ALL", "mttr_minutes")["value"] == 999.0
        facts = prepare_kpis(s, tenant="f", as_of=AS_OF)
    assert overall(facts.compute(tenant="f"), "f", "mttr_minutes")["value"] == 999.0
    assert facts.tenants == ["f"]  # a one-tenant preparation keeps its own tenant only
    assert facts._db.execute("SELECT DISTINCT tenant FROM kpi_inc_all").fetchall() == [("f",)]
    facts.close()


def test_any_other_input_derives_the_facts_again(small_db):
    assert _mttr(small_db, as_of=datetime(2026, 3, 2)) == 60.0       # another as_of
    assert _mttr(small_db) == 60.0                                   # as_of from the data (f's last timestamp)
    assert _mttr(small_db, as_of=AS_OF, scope="all") == 60.0         # another scope
    other = config_from_dict({"defaults": {"lookback_days": 7}})
    assert _mttr(small_db, as_of=AS_OF, config=other) == 60.0        # another setting
    tz = config_from_dict({"portfolio": {"timezone": "Europe/London"}})
    with open_store(small_db, read_only=True) as s:                  # another portfolio
        assert overall(compute_kpis(s, as_of=AS_OF, config=tz), "ALL", "mttr_minutes")["value"] == 45.0
    with open_store(small_db) as s:  # another engine, whose kept inputs may not even compare
        s.con.execute("UPDATE facts.kpi_key SET code = 'another engine'")
        s.con.execute("ALTER TABLE facts.kpi_cfg_kept DROP COLUMN bh_prior")
    assert _mttr(small_db, as_of=AS_OF) == 60.0


def test_each_scope_keeps_its_own_facts_and_a_call_reads_those_of_its_scope(small_db):
    with open_store(small_db) as s:
        store_facts(s, scope="all", as_of=AS_OF)
    _tamper(small_db, "facts_all", 888)
    assert _mttr(small_db, as_of=AS_OF) == 999.0                 # configured (major): facts
    assert _mttr(small_db, as_of=AS_OF, scope="major") == 999.0  # named, and the same inputs
    assert _mttr(small_db, as_of=AS_OF, scope="all") == 888.0    # facts_all
    with open_store(small_db) as s:  # keeping one scope's facts again leaves the other's
        store_facts(s, as_of=AS_OF)
    assert _mttr(small_db, as_of=AS_OF) == 60.0
    assert _mttr(small_db, as_of=AS_OF, scope="all") == 888.0
    with open_store(small_db) as s:  # an ingest drops every scope's
        ingest_files(s, [FIXTURES / "incident_list.csv"], tenant="f")
    assert _kept(small_db) == [] and _kept(small_db, "facts_all") == []
    assert _mttr(small_db, as_of=AS_OF, scope="all") == 60.0


def test_ingest_keeps_the_other_scope_too_in_a_large_store(tmp_path, monkeypatch):
    db = tmp_path / "s.duckdb"
    files = [str(FIXTURES / "incident_list.csv")]
    assert main(["ingest", *files, "--db", str(db), "--tenant", "Acme"]) == 0
    assert _kept(db) and _kept(db, "facts_all") == []  # small: the dashboard computes it ahead
    monkeypatch.setattr("analytics.kpis.engine.OTHER_SCOPE_FACTS_ABOVE", 0)
    assert main(["ingest", *files, "--db", str(db), "--tenant", "Acme"]) == 0
    assert _kept(db) and _kept(db, "facts_all") == _kept(db)  # the toggle's next scope
    everything = tmp_path / "all.toml"
    everything.write_text("[defaults]\nscope = 'all'\n", encoding="utf-8")
    assert main(["ingest", *files, "--db", str(db), "--tenant", "Acme", "--config", str(everything)]) == 0
    assert _kept(db) and _kept(db, "facts_major") == _kept(db) and _kept(db, "facts_all") == []


def test_the_stored_facts_go_with_the_data_an_ingest_changes(small_db, monkeypatch):
    from analytics.ingest import pipeline

    load = pipeline._load

    def fail_after_the_first_file(con, plan, *args, **kw):
        if plan.index == 1:
            raise IngestError("journal.csv: row 2: boom")
        return load(con, plan, *args, **kw)

    with open_store(small_db) as s, monkeypatch.context() as m:
        m.setattr(pipeline, "_load", fail_after_the_first_file)
        with pytest.raises(IngestError, match="boom"):  # rolled back: the facts stay with the data
            ingest_files(s, [FIXTURES / "incident_list.csv", FIXTURES / "journal.csv"], tenant="f")
    assert _kept(small_db) and _mttr(small_db, as_of=AS_OF) == 999.0
    with open_store(small_db) as s:
        ingest_files(s, [FIXTURES / "incident_list.csv"], tenant="f")
    assert _kept(small_db) == []
    assert _mttr(small_db, as_of=AS_OF) == 60.0


def test_ingest_keeps_the_facts_unless_told_not_to(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    files = [str(FIXTURES / "incident_list.csv"), str(FIXTURES / "journal.csv")]
    assert main(["ingest", *files, "--db", str(db), "--tenant", "Acme", "--no-facts"]) == 0
    assert _kept(db) == []
    assert main(["ingest", files[0], "--db", str(db), "--tenant", "Acme"]) == 0
    assert _kept(db) == ["kpi_act_all", "kpi_asof_kept", "kpi_cfg_kept", "kpi_chg_all", "kpi_inc_all",
                         "kpi_key", "kpi_quality_base", "kpi_views_all"]
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults]\nscope = 'most'\n", encoding="utf-8")
    assert main(["ingest", files[0], "--db", str(db), "--config", str(bad)]) == 2  # before any write
    assert "scope" in capsys.readouterr().err
    assert _kept(db)


def test_a_kept_as_of_is_reused_only_while_no_timestamp_can_move_it(tmp_path, monkeypatch):
    db = tmp_path / "mikpi.duckdb"
    with open_store(db) as s:
        incident(s, "f", "F1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00")
        incident(s, "g", "G1", "2026-01-06 10:00", resolved_at="2099-01-06 10:30")  # a timestamp ahead
        store_facts(s)
        # Tampered: a reused as_of shows as this one, one found again as the data's.
        s.con.execute("UPDATE facts.kpi_asof_kept SET as_of = TIMESTAMP '2026-02-01'")

    def as_of_of(tenant: str, **kw) -> datetime:
        with open_store(db, read_only=True) as s:
            return compute_kpis(s, tenant=tenant, **kw).settings["tenants"][tenant]["as_of"]

    assert as_of_of("f") == datetime(2026, 2, 1)  # its latest timestamp was already past
    other = config_from_dict({"defaults": {"lookback_days": 7}})
    assert as_of_of("f", config=other) == datetime(2026, 2, 1)  # the data's alone: any configuration
    assert as_of_of("g") == datetime(2026, 1, 6, 10)  # 2099 will pass the wall clock one day
    with monkeypatch.context() as m:  # a wall clock behind the one the facts were kept at
        m.setattr("analytics.kpis.engine._now", lambda: datetime(2026, 1, 5, 10, 30))
        assert as_of_of("f") == datetime(2026, 1, 5, 10)
    with open_store(db) as s:
        ingest_files(s, [FIXTURES / "incident_list.csv"], tenant="f")
    assert as_of_of("f") == datetime(2026, 1, 7, 8, 30)  # new data: found again (the list's latest)


def test_ingest_that_cannot_keep_the_facts_warns_and_keeps_the_load(tmp_path, capsys, monkeypatch):
    def refuse(store, **kw):
        raise MikpiError("timezone 'Mars/Olympus' is not known to DuckDB's ICU time zone data")

    monkeypatch.setattr("analytics.kpis.engine.store_facts", refuse)
    db = tmp_path / "s.duckdb"
    assert main(["ingest", str(FIXTURES / "incident_list.csv"), "--db", str(db), "--tenant", "Acme"]) == 0
    err = capsys.readouterr().err
    assert "warning: the files are loaded, but the KPI facts were not kept (timezone 'Mars/Olympus'" in err
    with open_store(db, read_only=True) as s:
        assert s.tenants() == ["Acme", "Aurora Bank"]
    assert _kept(db) == []


def test_facts_cannot_be_kept_in_a_read_only_store(small_db):
    with open_store(small_db, read_only=True) as s, pytest.raises(MikpiError, match="read-only"):
        store_facts(s)


# --- the generated sample: stored or derived, to the bit ----------------------------------------

def test_stored_facts_give_the_derived_result_to_the_bit(tmp_path, monkeypatch):
    from tests.test_kpis_prepared import _same

    sample = pytest.importorskip("analytics.sample")
    sample.generate_sample(tmp_path / "exports", tenants=3, weeks=9, start="2026-01-05")
    derived, kept = tmp_path / "derived.duckdb", tmp_path / "kept.duckdb"
    for db in (derived, kept):
        with open_store(db) as store:
            ingest_files(store, sorted((tmp_path / "exports" / "servicenow").glob("*.csv")))
            ingest_files(store, sorted((tmp_path / "exports" / "governance").glob("*.csv")))
    cfg_path = tmp_path / "exports" / "mikpi.toml"
    with open_store(kept) as store:
        store_facts(store, config=cfg_path)
        store_facts(store, config=cfg_path, scope="all")
    monkeypatch.setattr("analytics.kpis.engine._now", lambda: datetime(2026, 11, 22, 12))
    reads = []
    use = stored.use
    monkeypatch.setattr(stored, "use", lambda cur, *a: (reads.append(1), use(cur, *a)))
    with open_store(derived, read_only=True) as a, open_store(kept, read_only=True) as b:
        tenants = a.tenants()
        calls = [{}, {"tenant": "ALL", "priority": [1, 2]}, {"tenant": tenants[1], "priority": 2},
                 {"tenant": tenants[0], "date_from": "2026-01-19", "date_to": "2026-02-15"},
                 {"scope": "all"}, {"tenant": tenants[2], "scope": "all", "priority": 3}]
        for kw in calls:
            _same(compute_kpis(b, config=cfg_path, **kw), compute_kpis(a, config=cfg_path, **kw))
        _same(prepare_kpis(b, config=cfg_path).compute(tenant=tenants[2]),
              compute_kpis(a, config=cfg_path, tenant=tenants[2]))
    assert len(reads) == len(calls) + 1  # every call on the kept store read them; none derived
