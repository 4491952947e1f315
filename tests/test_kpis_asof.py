"""The data as-of time: each tenant's "now" is the latest timestamp in its own data.

Exports are snapshots: an action an export shows open and due after the export was taken is
not yet due, not late. Hand-built stores; programme week 1 = Mon 5 Jan 2026.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from analytics.kpis import compute_kpis, to_json
from tests.test_kpis_rows import action, change, closure, dq, incident, overall, pir, state, update

A_LATEST = datetime(2026, 1, 14, 9, 0)   # tenant A's latest record: a status update
B = "Zeta Corp"                          # a name no other string in the result contains
B_LATEST = datetime(2026, 2, 27, 10, 0)


def _tenant_a(s) -> None:
    incident(s, "A", "I1", "2026-01-05 10:00", acknowledged_at="2026-01-05 10:10",
             resolved_at="2026-01-05 12:00", closed_at="2026-01-06 10:00")
    incident(s, "A", "I2", "2026-01-13 09:00", resolved_at="2026-01-13 12:00")  # week 2
    pir(s, "A", "I1", "2026-01-08 10:00")                   # on time
    action(s, "A", "A1", "2026-01-09 12:00", "2026-01-09 11:00", "I1")  # on time, week 1
    action(s, "A", "A2", "2026-01-12 12:00", None, "I1")    # due before the latest record: late, week 2
    action(s, "A", "A3", "2026-02-20 12:00", None, "I2")    # due after it: not yet due (week 7)
    update(s, "A", "I2", A_LATEST.isoformat(sep=" "))


def _tenant_b(s) -> None:
    incident(s, B, "J1", "2026-02-02 10:00", resolved_at="2026-02-02 11:00")  # week 5
    action(s, B, "B1", "2026-02-10 12:00", "2026-02-09 12:00", "J1")
    update(s, B, "J1", B_LATEST.isoformat(sep=" "))


def test_action_due_after_the_latest_record_is_not_yet_due(bare_store):
    _tenant_a(bare_store)
    r = compute_kpis(bare_store, tenant="A")
    assert r.settings["tenants"]["A"]["as_of"] == A_LATEST
    assert r.settings["as_of"] == A_LATEST
    row = overall(r, "A", "action_on_time_pct")
    assert (row["value"], row["n"]) == (50.0, 2)             # A1 on time, A2 late; A3 left out
    q = dq(r, "A")
    assert (q["actions_not_yet_due"], q["pir_not_yet_due"]) == (1, 1)  # I2's PIR window runs to 18 Jan
    assert (overall(r, "A", "pir_on_time_pct")["value"], overall(r, "A", "pir_on_time_pct")["n"]) == (100.0, 1)
    # A3 (due week 7) does not extend the weeks: the last week is I2's
    assert int(r.weekly["week"].max()) == 2
    latest = r.checkpoints[(r.checkpoints["checkpoint"] == "latest") & (r.checkpoints["kpi"] == "mttr_minutes")]
    assert (int(latest["week"].iloc[0]), int(latest["n"].iloc[0])) == (2, 1)
    assert to_json(r)["settings"]["tenants"]["A"]["as_of"] == "2026-01-14T09:00:00Z"


def test_a_tenant_with_later_data_changes_nothing_for_another(bare_store):
    _tenant_a(bare_store)
    alone = compute_kpis(bare_store, tenant="A")
    _tenant_b(bare_store)
    again = compute_kpis(bare_store, tenant="A")
    everyone = compute_kpis(bare_store)
    assert everyone.settings["tenants"]["A"]["as_of"] == again.settings["tenants"]["A"]["as_of"] == A_LATEST
    assert everyone.settings["tenants"][B]["as_of"] == B_LATEST
    assert everyone.settings["as_of"] == everyone.settings["portfolio"]["as_of"] == B_LATEST
    mine = everyone.for_tenant("A")
    for name in ("overall", "weekly", "checkpoints", "data_quality", "breakdowns", "incidents"):
        for other in (again, mine):
            assert getattr(alone, name).equals(getattr(other, name)), name
    assert mine.settings["as_of"] == A_LATEST
    # ALL pools each tenant's own decisions: A3 (due 20 Feb, before B's as_of) is still not due
    row = overall(everyone, "ALL", "action_on_time_pct")
    assert (row["value"], row["n"]) == (pytest.approx(200 / 3), 3)  # A1, B1 on time; A2 late
    assert dq(everyone, "ALL")["actions_not_yet_due"] == 1


def test_a_pinned_as_of_overrides_every_tenant(bare_store):
    _tenant_a(bare_store)
    _tenant_b(bare_store)
    pinned = datetime(2026, 3, 1)
    r = compute_kpis(bare_store, as_of=pinned)
    assert {t: s["as_of"] for t, s in r.settings["tenants"].items()} == {"A": pinned, B: pinned}
    assert r.settings["as_of"] == pinned
    row = overall(r, "A", "action_on_time_pct")
    assert (row["value"], row["n"]) == (pytest.approx(100 / 3), 3)  # A3 is now late
    assert dq(r, "A")["actions_not_yet_due"] == 0
    assert int(r.weekly.loc[r.weekly["tenant"] == "A", "week"].max()) == 7


def test_every_recorded_timestamp_counts_plans_and_the_future_do_not(bare_store):
    s = bare_store
    base = {"resolved_at": "2026-01-05 11:00"}
    expected = {}

    def tenant(name: str, latest: str | None) -> None:
        incident(s, name, f"{name}-1", "2026-01-05 10:00", **base)
        expected[name] = datetime.fromisoformat(latest or "2026-01-05 11:00")

    tenant("closed", "2026-01-20 10:00")
    s.con.execute("UPDATE incidents SET closed_at = '2026-01-20 10:00' WHERE tenant = 'closed'")
    tenant("updated", "2026-01-21 10:00")
    s.con.execute("UPDATE incidents SET updated_at = '2026-01-21 10:00' WHERE tenant = 'updated'")
    tenant("update", "2026-01-22 10:00")
    update(s, "update", "update-1", "2026-01-22 10:00")
    tenant("timeline", "2026-01-23 10:00")
    state(s, "timeline", "timeline-1", "2026-01-23 10:00", "closed")
    tenant("action", "2026-01-24 10:00")
    action(s, "action", "X1", "2026-01-10 10:00", "2026-01-24 10:00", "action-1")
    tenant("pir", "2026-01-25 10:00")
    pir(s, "pir", "pir-1", "2026-01-25 10:00")
    tenant("validated", "2026-01-26 10:00")
    closure(s, "validated", "validated-1", "2026-01-26 10:00", None, None)
    tenant("confirmed", "2026-01-27 10:00")
    closure(s, "confirmed", "confirmed-1", None, "2026-01-27 10:00", None)
    tenant("change", "2026-01-28 10:00")
    change(s, "change", "C1", ci="x", actual_end="2026-01-28 10:00")
    # due dates and planned ends are plans, not records; a future timestamp is not yet real
    tenant("plans", None)
    action(s, "plans", "P1", "2026-03-01 10:00", None, "plans-1")
    pir(s, "plans", "plans-1", None, due="2026-03-02 10:00")
    change(s, "plans", "C2", ci="x", planned_end="2026-03-03 10:00")
    tenant("future", None)
    s.con.execute("UPDATE incidents SET closed_at = '2099-01-01 00:00' WHERE tenant = 'future'")
    update(s, "future", "future-1", "2098-06-01 00:00")
    incident(s, "none", "none-1", "2099-01-01 10:00")        # nothing recorded up to now

    r = compute_kpis(s, with_incidents=False)
    got = {t: v["as_of"] for t, v in r.settings["tenants"].items()}
    assert got.pop("none") == r.generated_at                 # no timestamp up to now: the wall clock
    assert got == expected
    assert r.settings["as_of"] == r.generated_at
    assert dq(r, "future")["future_timestamps"] == 1
    assert dq(r, "plans")["actions_not_yet_due"] == 1


def test_for_tenant_leaves_nothing_of_another_tenant_in_settings(bare_store):
    _tenant_a(bare_store)
    _tenant_b(bare_store)
    r = compute_kpis(bare_store)
    assert B in json.dumps(r.settings, default=str)
    mine = r.for_tenant("A")
    text = json.dumps(mine.settings, default=str)
    assert B not in text and B_LATEST.isoformat(sep=" ") not in text
    assert B not in json.dumps(to_json(mine)["settings"])
    assert list(mine.settings["kpis"]) == ["A"] and list(mine.settings["tenants"]) == ["A"]
    assert "portfolio" not in mine.settings
    # the portfolio's restriction keeps the portfolio's settings and the run's as-of time
    pooled = r.for_tenant("ALL")
    assert list(pooled.settings["kpis"]) == ["ALL"] and pooled.settings["as_of"] == B_LATEST
    assert pooled.settings["portfolio"]["as_of"] == B_LATEST
