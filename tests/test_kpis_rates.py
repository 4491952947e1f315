"""Rate KPIs on hand-computed fixtures: compliance, repeats, changes, governance."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import pytest

from analytics.config import config_from_dict
from analytics.kpis import compute_kpis, update_slots
from analytics.store import open_store
from tests.test_kpis_rows import action, change, closure, dq, incident, overall, pir, update

AS_OF = datetime(2026, 6, 1)


@pytest.fixture(scope="module")
def compliance_store():
    s = open_store(None)
    # C1 (P1, cadence 30): declared 10:00, resolved 12:10 -> m = 4, due 10:30 11:00 11:30 12:00
    incident(s, "t", "C1", "2026-01-05 10:00", resolved_at="2026-01-05 12:10")
    for posted in ("2026-01-05 10:15", "2026-01-05 10:30", "2026-01-05 10:45", "2026-01-05 11:40",
                   "2026-01-05 12:05"):
        update(s, "t", "C1", posted)
    update(s, "t", "C1", "2026-01-05 11:10", audience="internal")  # work note: not stakeholder-facing
    # C2 (P2, cadence 60): open 50 minutes -> m = 0, owes nothing
    incident(s, "t", "C2", "2026-01-05 10:00", resolved_at="2026-01-05 10:50", priority=2)
    update(s, "t", "C2", "2026-01-05 10:20")
    # C3 (P3, "other" = 120): declared 08:30 (promoted), resolved 12:45 -> m = 2, due 10:30 12:30
    incident(s, "t", "C3", "2026-01-06 08:00", declared_at="2026-01-06 08:30",
             resolved_at="2026-01-06 12:45", priority=3)
    update(s, "t", "C3", "2026-01-06 08:30", audience="customer")  # at d itself: in no slot
    update(s, "t", "C3", "2026-01-06 09:00", audience="customer")
    update(s, "t", "C3", "2026-01-06 10:31", audience="public")
    yield s
    s.close()


def test_update_compliance_pct_pools_met_over_due(compliance_store):
    r = compute_kpis(compliance_store, scope="all", as_of=AS_OF)
    row = overall(r, "t", "update_compliance_pct")
    # C1 3 of 4 (slots 1, 2, 4), C2 none due, C3 2 of 2 -> 5 / 6; n is the denominator (due updates)
    assert row["value"] == pytest.approx(500 / 6)
    assert row["n"] == 6
    inc = r.incidents.set_index("incident_id")
    assert list(inc.loc[["C1", "C2", "C3"], "updates_due"]) == [4, 0, 2]
    assert list(inc.loc[["C1", "C2", "C3"], "updates_met"]) == [3, 0, 2]


def test_update_compliance_pct_cadence_from_configuration(compliance_store):
    cfg = config_from_dict({"tenants": {"t": {"cadence_minutes": {"P1": 60}}}})
    r = compute_kpis(compliance_store, scope="all", config=cfg, as_of=AS_OF)
    # C1 now m = 2 (11:00, 12:00): slot 1 (10:15..10:45) and slot 2 (11:40) met; C3 unchanged
    assert overall(r, "t", "update_compliance_pct")["value"] == 100.0
    assert r.settings["tenants"]["t"]["cadence_minutes"] == {"P1": 60, "P2": 60, "other": 120}


def test_update_slots_drill_down_matches_the_kpi(compliance_store):
    slots = update_slots(compliance_store, "t", "C1")
    assert list(slots["j"]) == [1, 2, 3, 4]
    assert [str(t) for t in slots["due_at"]] == ["2026-01-05 10:30:00", "2026-01-05 11:00:00",
                                                  "2026-01-05 11:30:00", "2026-01-05 12:00:00"]
    assert str(slots["slot_start"].iloc[0]) == "2026-01-05 10:00:00"
    assert list(slots["met"]) == [True, True, False, True]
    assert [None if pd.isna(t) else str(t) for t in slots["first_update_at"]] == [
        "2026-01-05 10:15:00", "2026-01-05 10:45:00", None, "2026-01-05 11:40:00"]
    assert update_slots(compliance_store, "t", "C2").empty          # m = 0
    assert update_slots(compliance_store, "t", "NOPE").empty
    assert list(update_slots(compliance_store, "t", "C3")["met"]) == [True, True]


@pytest.fixture(scope="module")
def repeat_store():
    s = open_store(None)
    incident(s, "t", "R1", "2026-01-05 10:00", service="web")
    incident(s, "t", "R2", "2026-01-05 10:00", service="web")     # same instant as R1: not earlier
    incident(s, "t", "R3", "2026-02-04 10:00", service="web")     # exactly 30 days later: a repeat
    incident(s, "t", "R4", "2026-03-10 10:00", service="web")     # 34 days after R3: not a repeat
    incident(s, "t", "R5", "2026-01-06 10:00", ci="db1")          # no service: the CI is the key
    incident(s, "t", "R6", "2026-01-07 10:00", ci="db1")
    incident(s, "t", "R7", "2026-01-08 10:00", problem_id="PRB1")  # no service, no CI
    incident(s, "t", "R8", "2026-01-09 10:00", service="mail", problem_id="PRB1")
    incident(s, "t", "R9", "2026-01-10 10:00", problem_id="PRB2")
    incident(s, "t", "R10", "2026-01-10 10:00", problem_id="PRB2")  # problem tie: neither repeats
    incident(s, "t", "R11", "2026-01-11 10:00", problem_id="")      # empty problem ids never match
    incident(s, "t", "R12", "2026-01-11 11:00", problem_id="")
    incident(s, "t", "X1", "2026-01-04 10:00", service="web", priority=3)  # out of scope (major)
    incident(s, "t", "X2", "2026-01-05 12:00", service="web", state="canceled")
    yield s
    s.close()


def test_repeat_rate_pct_ties_lookback_ci_and_problem(repeat_store):
    r = compute_kpis(repeat_store, as_of=AS_OF)
    inc = r.incidents.set_index("incident_id")
    repeats = sorted(inc.index[inc["is_repeat"]])
    assert repeats == ["R3", "R6", "R8"]
    # latest strictly earlier incident on the key (ties: the greatest id); first of the problem
    assert (inc.at["R3", "repeat_of"], inc.at["R6", "repeat_of"], inc.at["R8", "repeat_of"]) == ("R2", "R5", "R7")
    row = overall(r, "t", "repeat_rate_pct")
    assert (row["value"], row["n"]) == (25.0, 12)


def test_repeat_rate_pct_lookback_is_configurable(repeat_store):
    cfg = config_from_dict({"defaults": {"lookback_days": 29}})
    inc = compute_kpis(repeat_store, config=cfg, as_of=AS_OF).incidents.set_index("incident_id")
    assert not inc.at["R3", "is_repeat"]
    # in scope "all" the P3 opened a day before R1 makes R1 and R2 repeats too
    inc = compute_kpis(repeat_store, scope="all", as_of=AS_OF).incidents.set_index("incident_id")
    assert (inc.at["R1", "repeat_of"], inc.at["R2", "repeat_of"]) == ("X1", "X1")


@pytest.fixture(scope="module")
def change_store():
    s = open_store(None)
    incident(s, "t", "K1", "2026-01-10 12:00", ci="app1")
    change(s, "t", "CH1", ci="app1", actual_end="2026-01-09 12:00")         # exactly 24 h before
    change(s, "t", "CH6", ci="app1", actual_end="2026-01-10 11:00", state="Cancelled")
    incident(s, "t", "K2", "2026-01-20 12:00", ci="app2")
    change(s, "t", "CH2", ci="app2", actual_end="2026-01-19 11:59")         # 24 h 1 min before
    incident(s, "t", "K3", "2026-01-25 12:00", service="pay")
    change(s, "t", "CH3", service="pay", planned_end="2026-01-25 12:00")    # planned end, at opening
    incident(s, "t", "K4", "2026-01-26 12:00", caused_by_change="CH5")     # named by the source
    change(s, "t", "CH5", ci="app9", actual_end="2026-01-12 09:00")
    incident(s, "t", "K5", "2026-01-27 12:00", ci="app1")
    change(s, "t", "CH4", ci="app1", actual_end="2026-01-27 13:00", planned_end="2026-01-27 11:00")
    change(s, "t", "CH7", ci="app3")                                        # never ended
    change(s, "other", "OX", ci="app2", actual_end="2026-01-20 11:00")      # another tenant's change
    incident(s, "other", "O1", "2026-01-20 12:00", ci="zzz")
    yield s
    s.close()


def test_change_related_pct_window_edges(change_store):
    r = compute_kpis(change_store, tenant="t", as_of=AS_OF)
    inc = r.incidents.set_index("incident_id")
    assert list(inc["change_related"]) == [True, False, True, True, False]
    assert list(inc["linked_change"].fillna("-")) == ["CH1", "-", "CH3", "CH5", "-"]
    row = overall(r, "t", "change_related_pct")
    assert (row["value"], row["n"]) == (60.0, 5)
    cfg = config_from_dict({"defaults": {"change_window_hours": 25}})
    inc = compute_kpis(change_store, tenant="t", config=cfg, as_of=AS_OF).incidents.set_index("incident_id")
    assert inc.at["K2", "linked_change"] == "CH2"


def test_change_failure_rate_pct_links_either_way(change_store):
    r = compute_kpis(change_store, tenant="t", as_of=AS_OF)
    row = overall(r, "t", "change_failure_rate_pct")
    # ended: CH1 (K1 follows), CH2 (no), CH3 (K3), CH5 (named by K4), CH4 (no); CH6 canceled, CH7 open
    assert (row["value"], row["n"]) == (60.0, 5)
    assert dq(r, "t")["changes_without_end"] == 1


@pytest.fixture(scope="module")
def governance_store():
    s = open_store(None)
    incident(s, "gov", "G1", "2026-01-05 10:00", resolved_at="2026-01-05 12:00", closed_at="2026-01-06 10:00")
    closure(s, "gov", "G1", "2026-01-06 09:00", "2026-01-06 09:30", "Low: monitoring in place")
    pir(s, "gov", "G1", "2026-01-10 12:00")                  # exactly resolved + 5 days: on time
    incident(s, "gov", "G2", "2026-01-06 10:00", resolved_at="2026-01-06 12:00", closed_at="2026-01-07 10:00")
    closure(s, "gov", "G2", "2026-01-07 09:00", "2026-01-07 09:30", "   ")  # blank residual risk
    pir(s, "gov", "G2", "2026-01-11 12:01")                  # one minute late
    incident(s, "gov", "G3", "2026-01-07 10:00", resolved_at="2026-01-07 12:00", closed_at="2026-01-08 10:00")
    incident(s, "gov", "G4", "2026-01-08 10:00", resolved_at="2026-01-08 12:00")  # open, PIR window open
    incident(s, "gov", "G5", "2026-01-08 11:00", resolved_at="2026-01-08 12:00", closed_at="2026-01-09 10:00",
             priority=3)                                      # not a major incident
    closure(s, "gov", "G5", "2026-01-09 09:00", "2026-01-09 09:30", "none")
    action(s, "gov", "A1", "2026-01-09 12:00", "2026-01-09 12:00", "G1")  # done on the due time
    action(s, "gov", "A2", "2026-01-10 12:00", "2026-01-11 09:00", "G1")  # late
    action(s, "gov", "A3", "2026-01-10 12:00", None, "G2")                # not done
    action(s, "gov", "A4", "2026-01-20 12:00", None, "G2")                # not yet due
    action(s, "gov", "A5", None, None, "G2")                              # no due date
    action(s, "gov", "A6", "2026-01-09 12:00", None, "G5")                # its incident is out of scope
    incident(s, "bare", "B1", "2026-01-05 10:00", resolved_at="2026-01-05 12:00", closed_at="2026-01-06 10:00")
    yield s
    s.close()


GOV_AS_OF = datetime(2026, 1, 12, 12, 0)


@pytest.fixture(scope="module")
def governance(governance_store):
    return compute_kpis(governance_store, as_of=GOV_AS_OF)


def test_closure_gate_pct_needs_all_three_pieces_of_evidence(governance_store, governance):
    r = governance
    row = overall(r, "gov", "closure_gate_pct")
    # closed majors G1 (complete), G2 (blank residual risk), G3 (no evidence); G5 is a P3
    assert (row["value"], row["n"]) == (pytest.approx(100 / 3), 3)
    inc = r.incidents.set_index("incident_id")
    assert list(inc.loc[["G1", "G2", "G3"], "closure_gate_ok"]) == [True, False, False]
    assert pd.isna(inc.at["G4", "closure_gate_ok"])


def test_pir_on_time_pct_window_and_pending(governance_store, governance):
    r = governance
    row = overall(r, "gov", "pir_on_time_pct")
    # G1 on time, G2 late, G3 none and its window (to 12 Jan 12:00) has closed; G4's is still open
    assert (row["value"], row["n"]) == (pytest.approx(100 / 3), 3)
    assert dq(r, "gov")["pir_not_yet_due"] == 1
    cfg = config_from_dict({"defaults": {"pir_window_days": 6}})
    row = overall(compute_kpis(governance_store, config=cfg, as_of=GOV_AS_OF), "gov", "pir_on_time_pct")
    assert (row["value"], row["n"]) == (100.0, 2)  # G3's and G4's windows are still open


def test_action_on_time_pct_due_in_the_past(governance_store, governance):
    r = governance
    row = overall(r, "gov", "action_on_time_pct")
    assert (row["value"], row["n"]) == (pytest.approx(100 / 3), 3)
    q = dq(r, "gov")
    assert (q["actions_not_yet_due"], q["actions_without_due_date"]) == (1, 1)


def test_governance_kpis_without_records_are_null_with_a_note(governance_store, governance):
    r = governance
    for kpi in ("closure_gate_pct", "pir_on_time_pct", "action_on_time_pct"):
        row = overall(r, "bare", kpi)
        assert math.isnan(row["value"]) and row["n"] == 0
    notes = r.data_quality[r.data_quality["tenant"] == "bare"].set_index("check")
    assert notes.at["no_pir_records", "count"] == 1
    assert "pir_on_time_pct is null" in notes.at["no_pir_records", "note"]
    assert {"no_closure_records", "no_action_records"} <= set(notes.index)
    assert "no_pir_records" not in set(r.data_quality.loc[r.data_quality["tenant"] == "gov", "check"])
    # the portfolio pools the tenants that have records; "bare" adds nothing (not 0 %)
    assert overall(r, "ALL", "closure_gate_pct")["n"] == 3
    all_notes = r.data_quality[r.data_quality["tenant"] == "ALL"].set_index("check")
    assert all_notes.at["no_closure_records", "count"] == 1
