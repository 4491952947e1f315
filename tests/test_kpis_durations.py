"""Duration KPIs (MTTA, MTTR, MTTM), weeks and data quality, on hand-computed fixtures."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from rich.console import Console

from analytics.config import config_from_dict
from analytics.kpis import compute_kpis, render_table
from analytics.store import open_store
from tests.test_kpis_rows import dq, incident, overall, state, weekly

AS_OF = datetime(2026, 6, 1)


@pytest.fixture(scope="module")
def durations():
    """Tenant acme (UTC), programme start Monday 2026-01-05 (week 1 = 5-11 Jan)."""
    s = open_store(None)
    incident(s, "acme", "I1", "2026-01-05 10:00", acknowledged_at="2026-01-05 10:10",
             mitigated_at="2026-01-05 11:00", resolved_at="2026-01-05 12:00")          # 10 / 120 / 60
    incident(s, "acme", "I2", "2026-01-06 09:00", acknowledged_at="2026-01-06 09:30",
             resolved_at="2026-01-06 10:00", reopen_count=2)                          # 30 / 60 / 60
    incident(s, "acme", "I3", "2026-01-07 08:00", resolved_at="2026-01-07 09:30")     # unacked / 90 / 90
    incident(s, "acme", "I4", "2026-01-08 08:00", acknowledged_at="2026-01-08 07:50",
             resolved_at="2026-01-08 07:00")                                          # all negative
    # week 2 (12-18 Jan) has no incident at all
    incident(s, "acme", "I5", "2026-01-20 10:00", acknowledged_at="2026-01-20 10:20")  # 20, unresolved
    # out of scope: P3 without the explicit major flag; in scope: P3 flagged major by the source
    incident(s, "acme", "P3", "2026-01-06 12:00", priority=3, acknowledged_at="2026-01-06 13:00")
    incident(s, "acme", "MAJ3", "2026-01-20 11:00", priority=3, is_major=True)
    incident(s, "acme", "NOTMAJ", "2026-01-20 11:00", priority=1, is_major=False,
             acknowledged_at="2026-01-20 11:01")
    incident(s, "acme", "CANC", "2026-01-20 12:00", state="canceled", acknowledged_at="2026-01-20 12:01")
    yield s
    s.close()


@pytest.fixture(scope="module")
def result(durations):
    """The default computation over the durations fixture, shared by the tests that read it."""
    return compute_kpis(durations, as_of=AS_OF)


def test_mtta_minutes_mean_median_p90_and_unacknowledged(result):
    r = result
    row = overall(r, "acme", "mtta_minutes")
    # items 10, 30 (week 1) and 20 (week 3); I4 is negative, I3/MAJ3 unacknowledged
    assert (row["value"], row["mean"], row["median"], row["n"]) == (20.0, 20.0, 20.0, 3)
    assert row["p90"] == pytest.approx(28.0)  # quantile_cont: 20 + 0.8 * (30 - 20)
    q = dq(r, "acme")
    assert q["unacknowledged"] == 2
    assert q["negative_mtta"] == 1


def test_mttr_minutes_excludes_negative_and_unresolved(result):
    r = result
    row = overall(r, "acme", "mttr_minutes")
    assert (row["value"], row["median"], row["n"]) == (90.0, 90.0, 3)
    assert row["p90"] == pytest.approx(114.0)
    q = dq(r, "acme")
    assert (q["negative_mttr"], q["unresolved"], q["incidents_in_scope"], q["canceled_excluded"]) == (1, 2, 6, 1)


def test_mttm_minutes_falls_back_to_resolution(result):
    r = result
    row = overall(r, "acme", "mttm_minutes")
    # I1 mitigated after 60, I2 and I3 fall back to resolved (60, 90); I4 negative
    assert (row["value"], row["median"], row["n"]) == (70.0, 60.0, 3)
    assert row["p90"] == pytest.approx(84.0)
    assert dq(r, "acme")["negative_mttm"] == 1


def test_negative_durations_are_null_in_the_incident_frame_and_flagged(result):
    inc = result.incidents.set_index("incident_id")
    assert math.isnan(inc.at["I4", "mtta_minutes"]) and math.isnan(inc.at["I4", "mttr_minutes"])
    assert inc.at["I4", "quality_flags"] == "negative_mtta,negative_mttr,negative_mttm,negative_update_window"
    assert inc.at["I1", "quality_flags"] == ""
    assert set(inc.index) == {"I1", "I2", "I3", "I4", "I5", "MAJ3"}
    assert (inc.at["I5", "week_opened"], inc.at["I1", "week_resolved"]) == (3, 1)


def test_week_with_no_incident_has_n_0_and_null_value(result):
    r = result
    w = weekly(r, "acme", "mtta_minutes")
    assert list(w.index) == [1, 2, 3]
    assert (w.at[1, "value"], w.at[1, "n"]) == (20.0, 2)
    assert w.at[2, "n"] == 0 and math.isnan(w.at[2, "value"]) and math.isnan(w.at[2, "median"])
    assert (w.at[3, "value"], w.at[3, "n"]) == (20.0, 1)
    assert list(w["week_start"]) == [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    # every KPI has the same weeks, including those with no item at all
    assert set(r.weekly.groupby("kpi")["week"].max()) == {3}


def test_reopen_rate_pct_counts_resolved_incidents_reopened(result):
    row = overall(result, "acme", "reopen_rate_pct")
    # resolved: I1, I2 (reopened twice), I3, I4 -> 1 of 4
    assert (row["value"], row["n"]) == (25.0, 4)
    assert math.isnan(row["mean"]) and math.isnan(row["p90"])


def test_scope_all_takes_every_incident(durations):
    r = compute_kpis(durations, as_of=AS_OF, scope="all")
    assert overall(r, "acme", "mtta_minutes")["n"] == 5  # + P3 (60) and NOTMAJ (1)
    assert r.scope == "all"


def test_priority_and_date_filters(durations):
    r = compute_kpis(durations, as_of=AS_OF, scope="all", priority=3)
    assert overall(r, "acme", "mtta_minutes")["n"] == 1
    r = compute_kpis(durations, as_of=AS_OF, date_from="2026-01-12")
    w = weekly(r, "acme", "mtta_minutes")
    assert list(w["n"]) == [0, 0, 1]  # weeks stay where they were; week 1 is filtered out
    assert overall(r, "acme", "mtta_minutes")["n"] == 1


def test_dst_week_boundary_in_reporting_timezone(bare_store):
    """Clocks go forward in London on Sunday 2026-03-29 01:00 UTC."""
    s = bare_store
    for tenant in ("london", "utc"):
        incident(s, tenant, "A", "2026-03-23 12:00", acknowledged_at="2026-03-23 12:10")
        # Sunday 23:30 BST = 22:30 UTC: still week 1
        incident(s, tenant, "B", "2026-03-29 22:30", acknowledged_at="2026-03-29 22:50")
        # Monday 00:30 BST = Sunday 23:30 UTC: the new week in London, week 1 in UTC
        incident(s, tenant, "C", "2026-03-29 23:30", acknowledged_at="2026-03-30 00:00")
    cfg = config_from_dict({"tenants": {"london": {"timezone": "Europe/London"}}})
    r = compute_kpis(s, config=cfg, as_of=AS_OF)
    ldn, utc = weekly(r, "london", "mtta_minutes"), weekly(r, "utc", "mtta_minutes")
    assert list(ldn["n"]) == [2, 1] and list(ldn["value"]) == [15.0, 30.0]
    assert list(ldn["week_start"]) == [date(2026, 3, 23), date(2026, 3, 30)]
    assert list(utc["n"]) == [3]
    # the portfolio is cut in its own timezone (UTC by default)
    assert list(weekly(r, "ALL", "mtta_minutes")["n"]) == [6]
    inc = r.incidents.set_index(["tenant", "incident_id"])
    assert (inc.at[("london", "C"), "week_opened"], inc.at[("utc", "C"), "week_opened"]) == (2, 1)


def test_dst_autumn_and_programme_start_in_local_time(bare_store):
    """Clocks go back in New York on Sunday 2026-11-01; Monday 00:30 EST opens the new week."""
    s = bare_store
    incident(s, "ny", "A", "2026-10-19 05:00", acknowledged_at="2026-10-19 05:01")  # Mon 01:00 EDT
    incident(s, "ny", "B", "2026-11-02 04:30", acknowledged_at="2026-11-02 04:32")  # Sun 23:30 EST
    incident(s, "ny", "C", "2026-11-02 05:30", acknowledged_at="2026-11-02 05:33")  # Mon 00:30 EST
    cfg = config_from_dict({"tenants": {"ny": {"timezone": "America/New_York"}}})
    r = compute_kpis(s, config=cfg, tenant="ny", as_of=datetime(2026, 12, 1))
    w = weekly(r, "ny", "mtta_minutes")
    assert list(w["n"]) == [1, 1, 1]
    assert list(w["value"]) == [1.0, 2.0, 3.0]
    assert list(w["week_start"]) == [date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2)]
    assert r.settings["tenants"]["ny"]["programme_start"] == date(2026, 10, 19)


def test_configured_programme_start_counts_earlier_incidents_as_before_start(durations):
    cfg = config_from_dict({"defaults": {"programme_start": "2026-01-12"}})
    r = compute_kpis(durations, config=cfg, as_of=AS_OF)
    assert list(weekly(r, "acme", "mtta_minutes")["n"]) == [0, 1]
    assert dq(r, "acme")["before_programme_start"] == 4


def test_future_and_implausible_timestamps_are_in_no_week(bare_store):
    incident(bare_store, "t", "OK", "2026-01-05 10:00", acknowledged_at="2026-01-05 10:05")
    incident(bare_store, "t", "FUT", "2031-01-05 10:00", acknowledged_at="2031-01-05 10:05")
    incident(bare_store, "t", "OLD", "1970-01-05 10:00", acknowledged_at="1970-01-05 10:05")
    r = compute_kpis(bare_store, as_of=AS_OF)
    assert list(weekly(r, "t", "mtta_minutes")["n"]) == [1]
    q = dq(r, "t")
    assert (q["future_timestamps"], q["timestamps_before_2000"]) == (1, 1)
    assert r.settings["tenants"]["t"]["programme_start"] == date(2026, 1, 5)


def test_acknowledgement_from_history_and_exclude_on_hold_variant(bare_store):
    s = bare_store
    incident(s, "h", "H1", "2026-01-05 10:00", resolved_at="2026-01-05 12:00")
    state(s, "h", "H1", "2026-01-05 10:00", "new")
    state(s, "h", "H1", "2026-01-05 10:07", "in_progress")
    state(s, "h", "H1", "2026-01-05 10:30", "on_hold")
    state(s, "h", "H1", "2026-01-05 11:00", "in_progress")
    incident(s, "h", "H2", "2026-01-06 10:00", resolved_at="2026-01-06 11:00")
    state(s, "h", "H2", "2026-01-06 10:40", "on_hold")  # never left hold: runs to resolution
    cfg = config_from_dict({"defaults": {"exclude_on_hold": True}})
    r = compute_kpis(s, config=cfg, as_of=AS_OF)
    # H1 acknowledged when it left "new" (10:07); H2 when it first changed state (on hold, 10:40)
    assert overall(r, "h", "mtta_minutes")["value"] == 23.5
    assert overall(r, "h", "mttr_minutes")["value"] == 90.0          # (120 + 60) / 2
    assert overall(r, "h", "mttr_minutes_excl_on_hold")["value"] == 65.0  # (90 + 40) / 2
    assert overall(r, "h", "mtta_minutes_excl_on_hold")["value"] == 23.5
    assert r.settings["kpis"]["h"][-3:] == ["mtta_minutes_excl_on_hold", "mttr_minutes_excl_on_hold",
                                           "mttm_minutes_excl_on_hold"]
    # variants are named, never silently replacing the standard KPI
    assert "mttr_minutes_excl_on_hold" not in set(compute_kpis(s, as_of=AS_OF).overall["kpi"])
    console = Console(record=True, width=200)
    render_table(r, console)
    text = console.export_text()
    assert "MTTR (excl. on hold)" in text and "mttr_minutes_excl_on_hold" not in text
    assert "1 h 5 min" in text  # the variant's value as a duration (65 minutes)


def test_business_hours_variant_counts_working_minutes_only(bare_store):
    # Friday 16:00 -> Monday 10:00 London (GMT in January): 60 + 60 working minutes
    incident(bare_store, "b", "W1", "2026-01-09 16:00", acknowledged_at="2026-01-09 18:00",
             resolved_at="2026-01-12 10:00")
    cfg = config_from_dict({"defaults": {"business_hours": True, "timezone": "Europe/London"}})
    r = compute_kpis(bare_store, config=cfg, as_of=AS_OF)
    assert overall(r, "b", "mttr_minutes")["value"] == 3960.0
    assert overall(r, "b", "mttr_minutes_business_hours")["value"] == 120.0
    assert overall(r, "b", "mtta_minutes_business_hours")["value"] == 60.0
    cal = {"business_hours": True, "business_hours_calendar": {"days": ["mon", "tue", "wed", "thu", "fri", "sat"]}}
    r = compute_kpis(bare_store, config=config_from_dict({"defaults": cal}), as_of=AS_OF)
    assert overall(r, "b", "mttr_minutes_business_hours")["value"] == 600.0  # + Saturday 8 h


@pytest.mark.parametrize("order", [(6, 12, 18), (18, 12, 6)])
def test_mean_is_exact_whatever_order_the_rows_are_added_in(order):
    """6 s, 12 s and 18 s: 0.1, 0.2 and 0.3 min. DuckDB's avg over doubles gives
    0.20000000000000004, and on many rows its bits change with the order its threads add them
    in (the same store computed twice differed at 1M). The engine sums whole microseconds, so
    the mean is 12 s = 0.2 min exactly, in overall, weekly and checkpoints, in either order."""
    store = open_store(None)
    for n, seconds in enumerate(order):
        incident(store, "t", f"I{n}", "2026-01-06 10:00",
                 resolved_at=f"2026-01-06 10:00:{seconds:02d}")
    r = compute_kpis(store, as_of=AS_OF)
    assert overall(r, "t", "mttr_minutes")["value"] == 0.2
    assert weekly(r, "t", "mttr_minutes").loc[1, "value"] == 0.2
    base = r.checkpoints[(r.checkpoints["tenant"] == "t") & (r.checkpoints["kpi"] == "mttr_minutes")]
    assert set(base["baseline"]) == {0.2}
    store.close()


def test_incident_frame_is_ordered_by_tenant_then_opening_then_id(bare_store):
    incident(bare_store, "b", "B2", "2026-01-05 09:00")
    incident(bare_store, "a", "A9", "2026-01-06 09:00")
    incident(bare_store, "b", "B1", "2026-01-05 09:00")  # the same instant as B2: by id
    incident(bare_store, "a", "A1", "2026-01-07 09:00")
    incident(bare_store, "Z", "Z1", "2026-01-08 09:00")  # upper case sorts first, as the bytes do
    frame = compute_kpis(bare_store, as_of=datetime(2026, 2, 1)).incidents
    assert list(zip(frame["tenant"], frame["incident_id"], strict=True)) == [
        ("Z", "Z1"), ("a", "A9"), ("a", "A1"), ("b", "B1"), ("b", "B2")]
