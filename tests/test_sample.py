"""The sample generator: files and headers, determinism, consistency, the story, the dirt, memory."""

from __future__ import annotations

import hashlib
import json
import tomllib
import tracemalloc
from pathlib import Path

import duckdb
import pytest

import analytics.sample
from analytics.cli import main
from analytics.errors import MikpiError
from analytics.sample import generate_sample

INCIDENT_HEADER = (
    "number,sys_id,opened_at,resolved_at,closed_at,state,priority,impact,urgency,category,"
    "subcategory,assignment_group,assigned_to,cmdb_ci,business_service,company,"
    "short_description,caused_by,problem_id,reopen_count,reassignment_count,"
    "major_incident_state,promoted_on,sys_updated_on,sys_mod_count,u_incident_commander"
)
HEADERS = {
    "servicenow/incidents.csv": INCIDENT_HEADER,
    "servicenow/incident_history.csv": INCIDENT_HEADER,
    "servicenow/incidents_reexport.csv": INCIDENT_HEADER,
    "servicenow/journal.csv": "element_id,element,value,sys_created_on,sys_created_by",
    "servicenow/changes.csv": (
        "number,short_description,cmdb_ci,business_service,company,type,risk,state,close_code,"
        "start_date,end_date,work_start,work_end,opened_at,closed_at"
    ),
    "governance/pirs.csv": "tenant,incident,due_at,completed_at,owner",
    "governance/actions.csv": (
        "tenant,action_id,incident,kind,title,owner,priority,due_at,completed_at,depends_on"
    ),
    "governance/closure.csv": (
        "tenant,incident,service_validated_at,customer_confirmed_at,residual_risk"
    ),
    "governance/timeline.csv": "tenant,incident,at,lane,kind,actor,text,evidence_link",
}
JSON_FILES = {"pagerduty/incidents.json": "incidents", "pagerduty/log_entries.json": "log_entries"}
TENANTS = ("Aurora Bank", "Borealis Retail", "Cirrus Health", "Dunmore Logistics")


@pytest.fixture(scope="module")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default sample: 4 tenants, 13 weeks, 12 incidents a week; Dunmore also in PagerDuty."""
    out = tmp_path_factory.mktemp("default")
    generate_sample(out)
    return out


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small")
    generate_sample(out, tenants=2, weeks=3, incidents_per_week=6, seed=11)
    return out


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    yield c
    c.close()


def csv(path: Path) -> str:
    """DuckDB table expression reading a generated CSV as text columns."""
    return f"read_csv('{path}', all_varchar = true, header = true)"


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_public_names():
    assert analytics.sample.__all__ == ["generate_sample", "pagerduty_tenant"]


@pytest.mark.parametrize("tenants, client", [(4, "Dunmore Logistics"), (9, "Dunmore Logistics"),
                                             (2, "Borealis Retail")])
def test_pagerduty_client_is_a_servicenow_tenant(tenants: int, client: str):
    assert analytics.sample.pagerduty_tenant(tenants) == client


def test_expected_files_and_headers(small_sample: Path, tmp_path: Path):
    files = generate_sample(tmp_path, tenants=1, weeks=1, incidents_per_week=3)
    assert sorted(files) == sorted([*HEADERS, *JSON_FILES, "mikpi.toml"])
    assert all(path == tmp_path / name and path.is_file() for name, path in files.items())
    for name, header in HEADERS.items():
        assert (small_sample / name).read_text(encoding="utf-8").split("\n", 1)[0] == header
    for name, key in JSON_FILES.items():
        assert list(json.loads((small_sample / name).read_text(encoding="utf-8"))) == [key]


def test_deterministic_for_a_seed(tmp_path: Path, small_sample: Path):
    generate_sample(tmp_path / "a", tenants=2, weeks=3, incidents_per_week=6, seed=11)
    generate_sample(tmp_path / "b", tenants=2, weeks=3, incidents_per_week=6, seed=12)
    assert digest(tmp_path / "a") == digest(small_sample)
    assert digest(tmp_path / "b") != digest(small_sample)


def test_row_counts_for_small_parameters(small_sample: Path, con):
    # 2 tenants x 3 weeks x 6 incidents; two thirds of them (4 a week) major.
    counts = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE major_incident_state = 'accepted'),
               count(DISTINCT company)
        FROM {csv(small_sample / 'servicenow/incidents.csv')}""").fetchone()
    assert counts == (36, 24, 2)
    pd_doc = json.loads((small_sample / "pagerduty/incidents.json").read_text(encoding="utf-8"))
    assert len(pd_doc["incidents"]) == 18
    assert sum(i["priority"]["summary"] == "P1" for i in pd_doc["incidents"]) == 12
    reexport = con.execute(
        f"SELECT count(*) FROM {csv(small_sample / 'servicenow/incidents_reexport.csv')}").fetchone()
    assert reexport == (5,)


def test_history_last_row_equals_list_row(default_sample: Path, con):
    hist, listed = csv(default_sample / "servicenow/incident_history.csv"), csv(
        default_sample / "servicenow/incidents.csv")
    con.execute(f"""
        CREATE TABLE last AS SELECT * EXCLUDE (rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY number
                                         ORDER BY sys_mod_count::INT DESC) AS rn FROM {hist})
        WHERE rn = 1""")
    con.execute(f"CREATE TABLE listed AS SELECT * FROM {listed}")
    assert con.execute("SELECT count(*) FROM (FROM last EXCEPT ALL FROM listed)").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM (FROM listed EXCEPT ALL FROM last)").fetchone() == (0,)
    # Every history starts New at mod count 0 and counts up without gaps.
    bad = con.execute(f"""
        SELECT count(*) FROM (
            SELECT number, min(sys_mod_count::INT) lo, max(sys_mod_count::INT) hi, count(*) n,
                   arg_min(state, sys_mod_count::INT) first_state
            FROM {hist} GROUP BY number)
        WHERE lo <> 0 OR hi <> n - 1 OR first_state <> 'New'""").fetchone()
    assert bad == (0,)


def test_identifiers_are_unique(default_sample: Path, con):
    row = con.execute(f"""
        SELECT count(*), count(DISTINCT number), count(DISTINCT sys_id),
               count(*) FILTER (WHERE NOT regexp_full_match(sys_id, '[0-9a-f]{{32}}')),
               count(*) FILTER (WHERE NOT regexp_full_match(number, 'INC[0-9]{{7}}'))
        FROM {csv(default_sample / 'servicenow/incidents.csv')}""").fetchone()
    assert row == (624, 624, 624, 0, 0)
    changes = con.execute(f"SELECT count(*) - count(DISTINCT number) FROM "
                          f"{csv(default_sample / 'servicenow/changes.csv')}").fetchone()
    actions = con.execute(f"SELECT count(*) - count(DISTINCT action_id) FROM "
                          f"{csv(default_sample / 'governance/actions.csv')}").fetchone()
    assert changes == actions == (0,)
    pd_ids = [i["id"] for i in json.loads(
        (default_sample / "pagerduty/incidents.json").read_text(encoding="utf-8"))["incidents"]]
    assert len(set(pd_ids)) == len(pd_ids) == 156


def test_improving_tenants_resolve_faster_off_track_tenant_does_not(default_sample: Path, con):
    rows = con.execute(f"""
        WITH m AS (
            SELECT company, opened_at::TIMESTAMP opened, resolved_at::TIMESTAMP resolved
            FROM {csv(default_sample / 'servicenow/incidents.csv')}
            WHERE major_incident_state = 'accepted' AND resolved_at::TIMESTAMP > opened_at::TIMESTAMP)
        SELECT company,
               avg(date_diff('minute', opened, resolved)) FILTER (WHERE opened < TIMESTAMP '2026-01-12'),
               avg(date_diff('minute', opened, resolved)) FILTER (
                   WHERE opened >= TIMESTAMP '2026-02-09' AND opened < TIMESTAMP '2026-03-02')
        FROM m GROUP BY company""").fetchall()
    ratio = {company: late / week1 for company, week1, late in rows}
    assert ratio["Aurora Bank"] <= 0.5                       # fast: stretch target (-50 %)
    for steady in ("Borealis Retail", "Cirrus Health"):
        assert ratio[steady] <= 0.8                          # minimum target (-20 %)
    assert ratio["Dunmore Logistics"] >= 1.0                 # off track: worse, not better


def test_status_updates_follow_the_plan(default_sample: Path, con):
    """Share of due update slots with a customer-facing comment: week 1 vs weeks 10-13."""
    incidents = csv(default_sample / "servicenow/incidents.csv")
    journal = csv(default_sample / "servicenow/journal.csv")
    rows = con.execute(f"""
        WITH m AS (
            SELECT company, sys_id, promoted_on::TIMESTAMP d, resolved_at::TIMESTAMP r,
                   CASE WHEN priority LIKE '1%' THEN 30 ELSE 60 END cad
            FROM {incidents}
            WHERE major_incident_state = 'accepted' AND resolved_at::TIMESTAMP > promoted_on::TIMESTAMP),
        slots AS (
            SELECT m.*, j FROM m, range(1, (date_diff('minute', d, r) // cad) + 1) t(j)),
        met AS (
            SELECT s.company, s.r, EXISTS (
                SELECT 1 FROM {journal} c WHERE c.element_id = s.sys_id AND c.element = 'comments'
                   AND c.sys_created_on::TIMESTAMP > s.d + to_minutes((s.j - 1) * s.cad)
                   AND c.sys_created_on::TIMESTAMP <= s.d + to_minutes(s.j * s.cad)) ok
            FROM slots s)
        SELECT company, avg(ok::INT) FILTER (WHERE r < TIMESTAMP '2026-01-12'),
               avg(ok::INT) FILTER (WHERE r >= TIMESTAMP '2026-03-09' AND r < TIMESTAMP '2026-04-06')
        FROM met GROUP BY company""").fetchall()
    gain = {company: late / week1 - 1 for company, week1, late in rows}
    for improving in ("Aurora Bank", "Borealis Retail", "Cirrus Health"):
        assert gain[improving] >= 0.10                       # +10 % relative by week 13
    assert gain["Dunmore Logistics"] < 0.0


def test_repeats_share_a_service_or_problem(default_sample: Path, con):
    """Repeat rule of kpis.md on the raw data: week 1 vs weeks 5-8 for the tenant good on repeats."""
    rows = con.execute(f"""
        WITH m AS (
            SELECT company, business_service svc, nullif(problem_id, '') prb,
                   opened_at::TIMESTAMP opened
            FROM {csv(default_sample / 'servicenow/incidents.csv')}
            WHERE major_incident_state = 'accepted' AND opened_at IS NOT NULL),
        flagged AS (
            SELECT a.company, a.opened, EXISTS (
                SELECT 1 FROM m b WHERE b.company = a.company AND b.opened < a.opened AND (
                    (b.svc = a.svc AND b.opened >= a.opened - INTERVAL 30 DAY)
                    OR (a.prb IS NOT NULL AND b.prb = a.prb))) rep
            FROM m a)
        SELECT company, avg(rep::INT) FILTER (WHERE opened < TIMESTAMP '2026-01-12'),
               avg(rep::INT) FILTER (WHERE opened >= TIMESTAMP '2026-02-02'
                                     AND opened < TIMESTAMP '2026-03-02')
        FROM flagged GROUP BY company ORDER BY company""").fetchall()
    rates = {company: (week1, late) for company, week1, late in rows}
    assert rates["Aurora Bank"] == (0.375, 0.1875)           # 3 of 8, then 6 of 32
    assert rates["Cirrus Health"][1] <= 0.5 * rates["Cirrus Health"][0]
    assert rates["Dunmore Logistics"][1] >= rates["Dunmore Logistics"][0]


def test_changes_named_in_caused_by_precede_the_incident_on_its_ci(default_sample: Path, con):
    row = con.execute(f"""
        SELECT count(*),
               count(*) FILTER (WHERE c.cmdb_ci = i.cmdb_ci AND c.company = i.company
                   AND c.work_end::TIMESTAMP BETWEEN i.opened_at::TIMESTAMP - INTERVAL 24 HOUR
                                                 AND i.opened_at::TIMESTAMP)
        FROM {csv(default_sample / 'servicenow/incidents.csv')} i
        JOIN {csv(default_sample / 'servicenow/changes.csv')} c ON c.number = i.caused_by
        WHERE i.opened_at IS NOT NULL""").fetchone()
    assert row[0] > 20 and row[0] == row[1]


def test_realistic_dirt_is_present(default_sample: Path, con):
    incidents = csv(default_sample / "servicenow/incidents.csv")
    dirt = con.execute(f"""
        SELECT count(*) FILTER (WHERE opened_at IS NULL),
               count(*) FILTER (WHERE resolved_at::TIMESTAMP < opened_at::TIMESTAMP),
               count(*) FILTER (WHERE major_incident_state = 'accepted' AND resolved_at IS NULL
                                AND opened_at::TIMESTAMP < TIMESTAMP '2026-04-01')
        FROM {incidents}""").fetchone()
    assert dirt == (1, 1, 1)
    newer = con.execute(f"""
        SELECT count(*) FILTER (WHERE r.sys_updated_on::TIMESTAMP > i.sys_updated_on::TIMESTAMP
                                AND r.assigned_to <> i.assigned_to
                                AND r.sys_mod_count::INT = i.sys_mod_count::INT + 1)
        FROM {csv(default_sample / 'servicenow/incidents_reexport.csv')} r
        JOIN {incidents} i USING (number)""").fetchone()
    assert newer == (5,)
    elements = con.execute(f"SELECT list(DISTINCT element ORDER BY element) FROM "
                           f"{csv(default_sample / 'servicenow/journal.csv')}").fetchone()
    assert elements == (["comments", "work_notes"],)


def test_aurora_has_an_incident_right_after_the_clock_change(default_sample: Path, con):
    # 00:30 BST on Monday 30 March 2026 is 23:30 UTC on Sunday: week 13 in London, week 12 in UTC.
    row = con.execute(f"""
        SELECT count(*) FROM {csv(default_sample / 'servicenow/incidents.csv')}
        WHERE company = 'Aurora Bank' AND opened_at = '2026-03-29 23:30:00'""").fetchone()
    assert row == (1,)


def test_governance_files_cover_each_tenant_and_only_majors(default_sample: Path, con):
    names = con.execute(f"""
        SELECT list(DISTINCT tenant ORDER BY tenant) FROM {csv(default_sample / 'governance/pirs.csv')}
        """).fetchone()[0]
    assert names == sorted(TENANTS)
    stray = con.execute(f"""
        SELECT count(*) FROM {csv(default_sample / 'governance/timeline.csv')} t
        LEFT JOIN {csv(default_sample / 'servicenow/incidents.csv')} i ON i.number = t.incident
        WHERE t.incident LIKE 'INC%' AND i.major_incident_state IS DISTINCT FROM 'accepted'
        """).fetchone()
    assert stray == (0,)
    pagerduty = con.execute(f"""
        SELECT list(DISTINCT tenant) FROM {csv(default_sample / 'governance/pirs.csv')}
        WHERE incident NOT LIKE 'INC%'""").fetchone()
    assert pagerduty == (["Dunmore Logistics"],)
    lanes = con.execute(f"SELECT list(DISTINCT lane ORDER BY lane) FROM "
                        f"{csv(default_sample / 'governance/timeline.csv')}").fetchone()[0]
    assert lanes == ["commander", "communications", "executive_liaison", "service_owner",
                     "technical_lead"]


def test_pagerduty_services_are_not_servicenow_services(default_sample: Path, con):
    """PagerDuty incidents are the client's own, on technical services of their own."""
    incidents = json.loads((default_sample / "pagerduty/incidents.json").read_text(encoding="utf-8"))
    services = {i["service"]["summary"] for i in incidents["incidents"]}
    servicenow = {s for (s,) in con.execute(f"SELECT DISTINCT business_service FROM "
                                            f"{csv(default_sample / 'servicenow/incidents.csv')}"
                                            ).fetchall()}
    assert services and not services & servicenow


def test_pagerduty_log_entries_reference_known_incidents(default_sample: Path):
    incidents = json.loads((default_sample / "pagerduty/incidents.json").read_text(encoding="utf-8"))
    entries = json.loads((default_sample / "pagerduty/log_entries.json").read_text(encoding="utf-8"))
    ids = {i["id"] for i in incidents["incidents"]}
    kinds = {e["type"] for e in entries["log_entries"]}
    assert {e["incident"]["id"] for e in entries["log_entries"]} == ids
    assert kinds == {"trigger_log_entry", "acknowledge_log_entry", "status_update_log_entry",
                     "resolve_log_entry"}
    first = incidents["incidents"][0]
    assert first["created_at"].endswith("Z") and first["priority"]["summary"].startswith("P")


def test_config_sets_aurora_timezone(default_sample: Path):
    config = tomllib.loads((default_sample / "mikpi.toml").read_text(encoding="utf-8"))
    assert config == {
        "defaults": {"timezone": "UTC", "programme_start": "2026-01-05"},
        "tenants": {"Aurora Bank": {"timezone": "Europe/London"}},
        "portfolio": {"timezone": "UTC", "programme_start": "2026-01-05"},
    }


def test_more_tenants_get_distinct_generated_names(tmp_path: Path, con):
    generate_sample(tmp_path, tenants=7, weeks=1, incidents_per_week=3)
    names = con.execute(f"SELECT list(DISTINCT company ORDER BY company) FROM "
                        f"{csv(tmp_path / 'servicenow/incidents.csv')}").fetchone()[0]
    assert names == sorted(TENANTS + ("Elmstead Insurance", "Fairhaven Energy", "Glenrock Foods"))


def test_memory_stays_bounded_for_20k_incidents(tmp_path: Path):
    """5 tenants x 4 weeks x 1,000 = 20,000 incidents in chunks of 5,000 (a functional limit)."""
    tracemalloc.start()
    try:
        generate_sample(tmp_path, tenants=4, weeks=4, incidents_per_week=1000, chunk_incidents=5000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert peak < 60_000_000 and peak < written / 2   # streamed: far less held than written
    with (tmp_path / "servicenow/incidents.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 1 + 4 * 4 * 1000


@pytest.mark.parametrize("kwargs, message", [
    ({"tenants": 0}, "tenants: must be at least 1"),
    ({"start": "2026-01-06"}, "start: 2026-01-06 is not a Monday"),
    ({"start": "soon"}, "start: 'soon' is not a date"),
])
def test_bad_parameters_raise_one_line_errors(tmp_path: Path, kwargs: dict, message: str):
    with pytest.raises(MikpiError, match=message):
        generate_sample(tmp_path, **kwargs)


def test_cli_writes_the_files(tmp_path: Path, capsys):
    assert main(["sample", "--out", str(tmp_path), "--tenants", "1", "--weeks", "1",
                 "--incidents-per-week", "3"]) == 0
    out = capsys.readouterr().out
    assert "Wrote 6 incidents for 1 tenants" in out
    assert '--tenant "Aurora Bank"' in out
    assert (tmp_path / "servicenow/incidents.csv").exists()


def test_cli_rejects_bad_usage(tmp_path: Path, capsys):
    assert main(["sample", "--out", str(tmp_path), "--tenants", "0"]) == 2
    assert "--tenants" in capsys.readouterr().err
