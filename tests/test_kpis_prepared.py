"""Filters choose among facts and never change one; prepared facts answer them exactly as compute_kpis.

Hand-computed first: what a priority or service filter keeps of each KPI's items (actions of a
selected incident, changes on a selected service, repeats looked up among every incident).
Then the same calls through :func:`prepare_kpis` on a generated sample, frame by frame, to
the bit.
"""

from __future__ import annotations

import tomllib
from datetime import datetime

import pandas as pd
import pytest

from analytics.config import config_from_dict
from analytics.errors import MikpiError
from analytics.kpis.engine import compute_kpis, prepare_kpis
from analytics.store import open_store
from tests.test_kpis_rows import action, change, dq, incident, overall

AS_OF = datetime(2026, 3, 1)


@pytest.fixture(scope="module")
def filter_store():
    s = open_store(None)
    incident(s, "f", "F1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00", service="web", ci="w1")
    incident(s, "f", "F2", "2026-01-06 10:00", resolved_at="2026-01-06 12:00", service="mail", priority=2,
             is_major=True)
    incident(s, "f", "F3", "2026-01-07 10:00", service="web", state="canceled")
    incident(s, "f", "F4", "2026-01-08 10:00", resolved_at="2026-01-08 10:30", service="web", priority=2,
             is_major=True)
    action(s, "f", "AF1", "2026-01-09 12:00", "2026-01-09 11:00", "F1")   # on time, P1 web
    action(s, "f", "AF2", "2026-01-09 12:00", None, "F2")                 # not done, P2 mail
    action(s, "f", "AF3", "2026-01-09 12:00", "2026-01-09 12:00", None)   # on time, names no incident
    action(s, "f", "AF4", "2026-01-09 12:00", None, "F3")                 # its incident is canceled
    change(s, "f", "CW", service="web", actual_end="2026-01-05 09:00")    # an hour before F1: linked
    change(s, "f", "CM", service="mail", actual_end="2026-01-20 09:00")   # nothing follows: not linked
    yield s
    s.close()


def _via(how: str):
    """compute_kpis itself, or the same call answered by facts prepared for every tenant."""
    if how == "direct":
        return lambda store, **kw: compute_kpis(store, as_of=AS_OF, **kw)

    def prepared(store, **kw):
        return prepare_kpis(store, as_of=AS_OF).compute(**kw)
    return prepared


@pytest.fixture(params=["direct", "prepared"])
def kpis(request):
    return _via(request.param)


def test_action_on_time_pct_under_filters_counts_actions_of_selected_incidents(filter_store, kpis):
    cases = {  # filter -> (value, n)
        None: (100 * 2 / 3, 3),        # AF1, AF2 and AF3 (names no incident); AF4's incident is canceled
        ("priority", 1): (100.0, 1),   # AF1 only: an action naming no incident is in no filtered view
        ("service", "mail"): (0.0, 1),  # AF2
    }
    for case, expected in cases.items():
        kw = {} if case is None else {case[0]: case[1]}
        row = overall(kpis(filter_store, tenant="f", **kw), "f", "action_on_time_pct")
        assert (row["value"], row["n"]) == (pytest.approx(expected[0]), expected[1]), case
    row = overall(kpis(filter_store, tenant="f", priority=3), "f", "action_on_time_pct")
    assert row["n"] == 0


def test_change_failure_rate_pct_under_filters_follows_the_change_service(filter_store, kpis):
    row = overall(kpis(filter_store, tenant="f"), "f", "change_failure_rate_pct")
    assert (row["value"], row["n"]) == (50.0, 2)
    row = overall(kpis(filter_store, tenant="f", service="web"), "f", "change_failure_rate_pct")
    assert (row["value"], row["n"]) == (100.0, 1)
    row = overall(kpis(filter_store, tenant="f", service="mail"), "f", "change_failure_rate_pct")
    assert (row["value"], row["n"]) == (0.0, 1)
    # a priority filter selects incidents, not changes
    row = overall(kpis(filter_store, tenant="f", priority=2), "f", "change_failure_rate_pct")
    assert (row["value"], row["n"]) == (50.0, 2)


def test_repeat_rate_pct_under_a_filter_looks_up_every_incident(filter_store, kpis):
    r = kpis(filter_store, tenant="f", priority=2)
    inc = r.incidents.set_index("incident_id")
    assert list(inc.index) == ["F2", "F4"]
    assert inc.at["F4", "repeat_of"] == "F1"  # F1 (P1) is not selected, but it is still earlier
    row = overall(r, "f", "repeat_rate_pct")
    assert (row["value"], row["n"]) == (50.0, 2)
    q = dq(r, "f")
    assert (q["incidents_in_scope"], q["canceled_excluded"]) == (2, 1)
    q = dq(kpis(filter_store, tenant="f", priority=1), "f")
    assert (q["incidents_in_scope"], q["canceled_excluded"]) == (1, 1)


def test_prepared_facts_refuse_what_they_do_not_hold(filter_store):
    facts = prepare_kpis(filter_store, tenant="f", as_of=AS_OF)
    assert facts.tenants == ["f"]
    with pytest.raises(MikpiError, match="prepare_kpis for every tenant"):
        facts.compute(tenant="ALL")
    with pytest.raises(MikpiError, match="no tenant 'g'"):
        facts.compute(tenant="g")
    with pytest.raises(MikpiError, match="date_from 2026-02-01 is after date_to 2026-01-01"):
        facts.compute(tenant="f", date_from="2026-02-01", date_to="2026-01-01")


def test_prepared_facts_outlive_the_store(tmp_path):
    db = tmp_path / "mikpi.duckdb"
    with open_store(db) as s:
        incident(s, "f", "F1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00")
    with open_store(db, read_only=True) as s:
        facts = prepare_kpis(s, as_of=AS_OF)
    with open_store(db) as s:  # a writer may open the file once the facts are made
        incident(s, "f", "F2", "2026-01-06 10:00", resolved_at="2026-01-06 12:00")
    row = overall(facts.compute(tenant="f"), "f", "mttr_minutes")
    assert (row["value"], row["n"]) == (60.0, 1)  # the facts are those of when they were made
    facts.close()


# --- the generated sample: every frame, to the bit ------------------------------------------

sample = pytest.importorskip("analytics.sample")
ingest = pytest.importorskip("analytics.ingest")


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("prepared")
    sample.generate_sample(root / "exports", tenants=3, weeks=9, start="2026-01-05")
    with open_store(root / "mikpi.duckdb") as store:
        ingest.ingest_files(store, sorted((root / "exports" / "servicenow").glob("*.csv")))
        ingest.ingest_files(store, sorted((root / "exports" / "governance").glob("*.csv")))
    doc = tomllib.loads((root / "exports" / "mikpi.toml").read_text(encoding="utf-8"))
    first = min(doc["tenants"])
    # One tenant turns both duration variants on, so their stage runs too.
    doc["tenants"][first].update({"exclude_on_hold": True, "business_hours": True})
    return root / "mikpi.duckdb", config_from_dict(doc)


def _same(a, b) -> None:
    assert (a.scope, a.generated_at) == (b.scope, b.generated_at)
    assert a.settings == b.settings
    for name in ("overall", "weekly", "checkpoints", "data_quality", "breakdowns", "incidents"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


def test_prepared_facts_give_compute_kpis_result_to_the_bit(sample_db, monkeypatch):
    db, cfg = sample_db
    with open_store(db, read_only=True) as store:
        tenants = store.tenants()
        service = store.con.execute("SELECT service FROM incidents WHERE tenant = ? GROUP BY 1 "
                                    "ORDER BY count(*) DESC, 1 LIMIT 1", [tenants[1]]).fetchone()[0]
        facts = prepare_kpis(store, config=cfg)
        facts_major = prepare_kpis(store, config=cfg, scope="all")
        one = prepare_kpis(store, tenant=tenants[1], config=cfg)
        calls = [
            {}, {"tenant": "ALL"}, {"tenant": tenants[0]}, {"tenant": tenants[1], "priority": 2},
            {"tenant": tenants[1], "service": service}, {"tenant": "ALL", "priority": [1, 2]},
            {"tenant": tenants[0], "date_from": "2026-01-19", "date_to": "2026-02-15"},
            {"tenant": tenants[2], "priority": 1, "service": service, "with_incidents": False},
            {"tenant": tenants[0], "with_breakdowns": False},
        ]
        for kw in calls:
            # generated_at is the call's clock: pin it to the facts' so whole results compare
            monkeypatch.setattr("analytics.kpis.engine._now", lambda: facts.generated_at)
            _same(facts.compute(**kw), compute_kpis(store, config=cfg, **kw))
        for kw in calls[1:4]:  # the scope is the facts'
            monkeypatch.setattr("analytics.kpis.engine._now", lambda: facts_major.generated_at)
            _same(facts_major.compute(**kw), compute_kpis(store, config=cfg, scope="all", **kw))
        monkeypatch.setattr("analytics.kpis.engine._now", lambda: one.generated_at)
        _same(one.compute(tenant=tenants[1], priority=1),
              compute_kpis(store, config=cfg, tenant=tenants[1], priority=1))


def test_with_breakdowns_false_leaves_only_the_breakdowns_out(filter_store, kpis):
    full = kpis(filter_store, tenant="f")
    bare = kpis(filter_store, tenant="f", with_breakdowns=False)
    assert not full.breakdowns.empty
    assert bare.breakdowns.empty and list(bare.breakdowns.columns) == list(full.breakdowns.columns)
    for name in ("overall", "weekly", "checkpoints", "data_quality", "incidents"):
        pd.testing.assert_frame_equal(getattr(bare, name), getattr(full, name), check_exact=True)
