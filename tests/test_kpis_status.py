"""Baseline, windows, checkpoints, improvement, glide-path status, intervals, isolation, ALL."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from analytics.config import config_from_dict
from analytics.errors import MikpiError
from analytics.kpis import compute_kpis
from analytics.kpis.status import improvement, is_lower_better, is_rate
from analytics.store import open_store
from tests.test_kpis_rows import (
    action,
    change,
    closure,
    incident,
    overall,
    pir,
    state,
    update,
    weekly,
)

AS_OF = datetime(2026, 6, 1)
WEEK1 = date(2026, 1, 5)


def day_of_week(week: int, hour: int = 10) -> str:
    """10:00 on the Tuesday of programme week ``week`` (week 1 = 5-11 Jan 2026)."""
    d = WEEK1 + timedelta(days=7 * (week - 1) + 1)
    return f"{d.isoformat()} {hour:02d}:00"


def add_mttr(store, tenant: str, iid: str, week: int, minutes: int) -> None:
    opened = day_of_week(week)
    resolved = datetime.fromisoformat(opened) + timedelta(minutes=minutes)
    incident(store, tenant, iid, opened, resolved_at=resolved.isoformat(sep=" "))


@pytest.fixture(scope="module")
def glide():
    """Tenant "st": MTTR 100 in week 1, 90 in weeks 2-4, 85 in weeks 6-8, 80 in weeks 11-13."""
    s = open_store(None)
    plan = [(1, 100)] * 3 + [(2, 90), (3, 90), (4, 90), (6, 85), (7, 85), (8, 85),
                             (11, 80), (12, 80), (13, 80)]
    for n, (week, minutes) in enumerate(plan, start=1):
        add_mttr(s, "st", f"S{n}", week, minutes)
    # "few": a 50 % drop, but only two baseline incidents
    for i, (week, minutes) in enumerate([(1, 100), (1, 100), (2, 50), (3, 50), (4, 50)]):
        add_mttr(s, "few", f"F{i}", week, minutes)
    # "short": data up to week 6 only
    for i, week in enumerate([1, 1, 1, 5, 6, 6]):
        add_mttr(s, "short", f"H{i}", week, 60 + 7 * i)
    result = compute_kpis(s, as_of=AS_OF)
    yield s, result
    s.close()


def checkpoint(result, tenant, kpi, name):
    cp = result.checkpoints
    row = cp[(cp["tenant"] == tenant) & (cp["kpi"] == kpi) & (cp["checkpoint"] == name)]
    assert len(row) == 1
    return row.iloc[0]


def test_checkpoints_windows_and_glide_path_status(glide):
    _, r = glide
    w4 = checkpoint(r, "st", "mttr_minutes", "week4")
    assert (w4["baseline"], w4["baseline_n"], w4["week"], w4["value"], w4["n"]) == (100.0, 3, 4, 90.0, 3)
    assert w4["improvement_pct"] == pytest.approx(10.0)
    assert w4["expected_pct"] == pytest.approx(20 * 3 / 7)  # 8.57: on the glide path
    assert w4["status"] == "on_track"
    w8 = checkpoint(r, "st", "mttr_minutes", "week8")        # window weeks 5..8
    assert (w8["value"], w8["n"], w8["expected_pct"], w8["status"]) == (85.0, 3, 20.0, "off_track")
    w13 = checkpoint(r, "st", "mttr_minutes", "week13")      # window weeks 10..13
    assert (w13["value"], w13["improvement_pct"], w13["status"]) == (80.0, 20.0, "met")
    latest = checkpoint(r, "st", "mttr_minutes", "latest")
    assert (latest["week"], latest["status"]) == (13, "met")
    assert (w8["target_min_pct"], w8["target_stretch_pct"], w8["due_week"]) == (20, 50, 8)
    # identical items on both sides: every bootstrap replicate gives the same improvement
    assert (w4["improvement_ci_low"], w4["improvement_ci_high"]) == pytest.approx((10.0, 10.0))


def test_kpis_without_target_get_improvement_but_no_status(glide):
    _, r = glide
    mttm = checkpoint(r, "st", "mttm_minutes", "week4")
    assert mttm["improvement_pct"] == pytest.approx(10.0)
    assert mttm["status"] is None and pd.isna(mttm["target_min_pct"]) and pd.isna(mttm["due_week"])
    mtta = checkpoint(r, "st", "mtta_minutes", "week4")     # nothing acknowledged: no items
    assert mtta["n"] == 0 and math.isnan(mtta["value"]) and mtta["status"] == "insufficient_data"
    repeat = checkpoint(r, "st", "repeat_rate_pct", "week4")  # baseline 0 %: improvement undefined
    assert repeat["baseline"] == 0.0 and math.isnan(repeat["improvement_pct"])
    assert repeat["status"] == "insufficient_data"


def test_baseline_below_min_n_is_insufficient_data(glide):
    _, r = glide
    w4 = checkpoint(r, "few", "mttr_minutes", "week4")
    assert (w4["baseline_n"], w4["n"], w4["improvement_pct"]) == (2, 3, 50.0)
    assert w4["status"] == "insufficient_data"
    s, _ = glide
    cfg = config_from_dict({"tenants": {"few": {"min_n": 2}}})
    again = compute_kpis(s, tenant="few", config=cfg, as_of=AS_OF)
    assert checkpoint(again, "few", "mttr_minutes", "week4")["status"] == "met"


def test_checkpoints_exist_only_up_to_the_last_week(glide):
    _, r = glide
    short = r.checkpoints[(r.checkpoints["tenant"] == "short") & (r.checkpoints["kpi"] == "mttr_minutes")]
    assert list(short["checkpoint"]) == ["week4", "latest"]
    assert list(short["week"]) == [4, 6]
    assert list(weekly(r, "short", "mttr_minutes").index) == [1, 2, 3, 4, 5, 6]
    # window at week 6 pools weeks 3..6 (baseline weeks never inside a window)
    latest = checkpoint(r, "short", "mttr_minutes", "latest")
    assert (latest["value"], latest["n"]) == ((81 + 88 + 95) / 3, 3)


def test_portfolio_pools_items_not_tenant_values(glide):
    _, r = glide
    # ALL week 1 MTTR pools 3 + 2 + 3 incidents: (300 + 200 + 60 + 67 + 74) / 8
    w = weekly(r, "ALL", "mttr_minutes")
    assert (w.at[1, "n"], w.at[1, "value"]) == (8, pytest.approx(701 / 8))
    assert overall(r, "ALL", "mttr_minutes")["n"] == 12 + 5 + 6


def test_portfolio_items_use_their_own_tenant_settings(bare_store):
    for tenant in ("x", "y"):
        incident(bare_store, tenant, "I1", "2026-01-05 10:00", resolved_at="2026-01-05 12:00")
        update(bare_store, tenant, "I1", "2026-01-05 10:10")
    cfg = config_from_dict({"tenants": {"y": {"cadence_minutes": {"P1": 60}}}})
    r = compute_kpis(bare_store, config=cfg, as_of=AS_OF)
    assert overall(r, "x", "update_compliance_pct")["value"] == 25.0   # 1 of 4
    assert overall(r, "y", "update_compliance_pct")["value"] == 50.0   # 1 of 2
    row = overall(r, "ALL", "update_compliance_pct")
    assert (row["value"], row["n"]) == (pytest.approx(200 / 6), 6)     # pooled, not (25 + 50) / 2


@pytest.fixture(scope="module")
def varied():
    s = open_store(None)
    minutes = [40, 95, 130, 60, 210, 75, 50, 180, 90, 65, 300, 45, 120, 85, 70]
    for i, m in enumerate(minutes):
        add_mttr(s, "v", f"V{i}", 1 + i // 4 if i >= 4 else 1, m)
    incident(s, "w", "W0", "2026-01-06 10:00", resolved_at="2026-01-06 11:00")
    yield s
    s.close()


def test_bootstrap_interval_is_reproducible_and_isolated(varied):
    a = compute_kpis(varied, tenant="v", as_of=AS_OF).checkpoints
    b = compute_kpis(varied, tenant="v", as_of=AS_OF).checkpoints
    pd.testing.assert_frame_equal(a, b)
    everyone = compute_kpis(varied, as_of=AS_OF).checkpoints
    pd.testing.assert_frame_equal(a, everyone[everyone["tenant"] == "v"].reset_index(drop=True))
    row = a[(a["kpi"] == "mttr_minutes") & (a["checkpoint"] == "week4")].iloc[0]
    assert row["improvement_ci_low"] < row["improvement_pct"] < row["improvement_ci_high"]
    cfg = config_from_dict({"bootstrap": {"seed": 7}})
    other = compute_kpis(varied, tenant="v", config=cfg, as_of=AS_OF).checkpoints
    assert not other["improvement_ci_low"].equals(a["improvement_ci_low"])


def test_normal_approximation_above_the_threshold(varied):
    cfg = config_from_dict({"bootstrap": {"normal_above": 2}})
    cp = compute_kpis(varied, tenant="v", config=cfg, as_of=AS_OF).checkpoints
    row = cp[(cp["kpi"] == "mttr_minutes") & (cp["checkpoint"] == "week4")].iloc[0]
    assert row["improvement_ci_low"] < row["improvement_pct"] < row["improvement_ci_high"]


def _tenant_a(s) -> None:
    incident(s, "A", "INC1", "2026-01-05 10:00", acknowledged_at="2026-01-05 10:05",
             resolved_at="2026-01-05 12:00", closed_at="2026-01-06 10:00", service="web", ci="db",
             problem_id="PRB1")
    incident(s, "A", "INC2", "2026-01-13 10:00", acknowledged_at="2026-01-13 10:30",
             resolved_at="2026-01-13 11:00", service="web", ci="db")
    update(s, "A", "INC1", "2026-01-05 10:20")
    pir(s, "A", "INC1", "2026-01-08 10:00")


def _tenant_b(s) -> None:
    """Tenant B reuses A's ids, services, CIs and problems, and starts earlier."""
    incident(s, "B", "INC0", "2025-12-01 10:00", resolved_at="2025-12-01 11:00", service="web", ci="db",
             problem_id="PRB1")
    incident(s, "B", "INC1", "2026-01-04 10:00", acknowledged_at="2026-01-04 10:01",
             resolved_at="2026-01-04 10:02", service="web", ci="db", problem_id="PRB1")
    incident(s, "B", "INC2", "2026-01-13 09:00", service="web")
    for posted in ("2026-01-05 10:40", "2026-01-05 11:10", "2026-01-05 11:40"):
        update(s, "B", "INC1", posted)
    state(s, "B", "INC2", "2026-01-13 10:01", "in_progress")
    change(s, "B", "CHB", ci="db", service="web", actual_end="2026-01-13 09:30")
    pir(s, "B", "INC2", "2026-01-14 10:00")
    closure(s, "B", "INC1", "2026-01-06 09:00", "2026-01-06 09:00", "none")
    action(s, "B", "AB", "2026-01-10 10:00", None, "INC1")


def test_tenant_isolation_rows_of_b_change_nothing_for_a(bare_store):
    _tenant_a(bare_store)
    before = compute_kpis(bare_store, tenant="A", as_of=AS_OF)
    _tenant_b(bare_store)
    after = compute_kpis(bare_store, tenant="A", as_of=AS_OF)
    for name in ("overall", "weekly", "checkpoints", "data_quality", "breakdowns", "incidents"):
        pd.testing.assert_frame_equal(getattr(before, name), getattr(after, name))
    assert set(after.overall["tenant"]) == {"A"}
    assert list(after.settings["tenants"]) == ["A"]
    # A's rows are the same when every tenant is computed at once
    both = compute_kpis(bare_store, as_of=AS_OF).for_tenant("A")
    for name in ("overall", "weekly", "checkpoints", "data_quality", "breakdowns", "incidents"):
        pd.testing.assert_frame_equal(getattr(after, name), getattr(both, name))


def test_all_only_and_unknown_tenant(glide):
    s, _ = glide
    r = compute_kpis(s, tenant="ALL", as_of=AS_OF)
    assert set(r.overall["tenant"]) == {"ALL"} and set(r.checkpoints["tenant"]) == {"ALL"}
    with pytest.raises(MikpiError, match="no tenant 'nobody'"):
        compute_kpis(s, tenant="nobody")
    with pytest.raises(MikpiError, match="scope"):
        compute_kpis(s, scope="minor")


def test_empty_store_gives_empty_frames(bare_store):
    r = compute_kpis(bare_store)
    assert r.overall.empty and r.weekly.empty and r.checkpoints.empty
    assert list(r.checkpoints.columns)[:4] == ["tenant", "kpi", "checkpoint", "baseline"]


def test_breakdowns_by_priority_service_and_group(bare_store):
    s = bare_store
    incident(s, "bd", "P1a", "2026-01-05 10:00", resolved_at="2026-01-05 11:00", service="web",
             assignment_group="net")
    incident(s, "bd", "P2a", "2026-01-05 10:00", resolved_at="2026-01-05 13:00", priority=2)
    r = compute_kpis(s, tenant="bd", scope="all", as_of=AS_OF)
    b = r.breakdowns[r.breakdowns["kpi"] == "mttr_minutes"].set_index(["dimension", "key"])
    assert (b.at[("priority", "1"), "value"], b.at[("priority", "2"), "value"]) == (60.0, 180.0)
    assert (b.at[("service", "web"), "n"], b.at[("service", "(none)"), "value"]) == (1, 180.0)
    assert b.at[("assignment_group", "net"), "value"] == 60.0


def test_incident_frame_dtypes_do_not_depend_on_the_nulls_of_the_call(bare_store):
    s = bare_store
    incident(s, "full", "F1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00", closed_at="2026-01-05 12:00")
    incident(s, "gaps", "G1", "2026-01-05 10:00", priority=None, is_major=True)  # unresolved, no priority
    expected = {"priority": "Int64", "updates_due": "int64", "is_repeat": "bool", "closure_gate_ok": "boolean",
                "pir_on_time": "boolean", "week_opened": "Int64", "week_resolved": "Int64",
                "mttr_minutes": "float64", "opened_at": "datetime64[us]", "resolved_at": "datetime64[us]"}
    frames = [compute_kpis(s, scope="all", as_of=AS_OF).incidents,
              compute_kpis(s, tenant="full", scope="all", as_of=AS_OF).incidents,
              compute_kpis(s, tenant="gaps", scope="all", as_of=AS_OF).incidents]
    for frame in frames:
        assert {c: str(frame[c].dtype) for c in expected} == expected
    both = frames[0].set_index("incident_id")
    assert both.at["F1", "week_resolved"] == 1 and pd.isna(both.at["G1", "week_resolved"])
    assert pd.isna(both.at["G1", "priority"]) and pd.isna(both.at["G1", "resolved_at"])


def test_breakdowns_pool_tenants_in_all_and_come_sorted_by_name(bare_store):
    s = bare_store
    incident(s, "beta", "B1", "2026-01-05 10:00", resolved_at="2026-01-05 12:00", service="web")
    incident(s, "Alpha", "A1", "2026-01-05 10:00", resolved_at="2026-01-05 11:00", service="web",
             priority=2)
    incident(s, "Alpha", "A2", "2026-01-06 10:00", resolved_at="2026-01-06 14:00", service="api",
             reopen_count=1)
    r = compute_kpis(s, scope="all", as_of=AS_OF)
    b = r.breakdowns
    keys = list(zip(b["tenant"], b["dimension"], b["key"], b["kpi"], strict=True))
    assert keys == sorted(keys)  # byte order: "ALL" < "Alpha" < "beta"; "(none)" < "api"
    assert list(dict.fromkeys(b["tenant"])) == ["ALL", "Alpha", "beta"]
    # names decoded from the query's codes: text like every other frame's, not codes or categories
    assert {str(b[c].dtype) for c in ("tenant", "dimension", "key", "kpi")} == {str(r.overall["tenant"].dtype)}
    mttr = b[b["kpi"] == "mttr_minutes"].set_index(["tenant", "dimension", "key"])
    assert (mttr.at[("ALL", "service", "web"), "value"], mttr.at[("ALL", "service", "web"), "n"]) == (90.0, 2)
    assert mttr.at[("Alpha", "service", "api"), "value"] == 240.0
    assert mttr.at[("ALL", "priority", "1"), "value"] == 180.0  # B1 (120) and A2 (240)
    assert mttr.at[("beta", "assignment_group", "(none)"), "value"] == 120.0
    rate = b[b["kpi"] == "reopen_rate_pct"].set_index(["tenant", "dimension", "key"])
    assert (rate.at[("ALL", "priority", "1"), "value"], rate.at[("ALL", "priority", "1"), "n"]) == (50.0, 2)


def test_all_breakdowns_pool_the_portfolio_weeks_items_where_a_tenant_cuts_days_elsewhere(bare_store):
    """ALL's breakdowns add up the tenants' and correct for the items in only one view's weeks:
    a date filter cuts days at local midnight, Kiritimati (UTC+14) and Pago Pago (UTC-11) far
    from the portfolio's UTC. MTTR is bucketed by the resolved day."""
    s = bare_store
    # east: E1 resolves Jan 5 13:00 UTC = Jan 6 03:00 local: in east's days from Jan 6, not ALL's
    incident(s, "east", "E1", "2026-01-05 12:00", resolved_at="2026-01-05 13:00", service="api")
    incident(s, "east", "E2", "2026-01-07 10:00", resolved_at="2026-01-07 12:00", service="web")
    # west: W1 resolves Jan 6 07:00 UTC = Jan 5 20:00 local: in ALL's days, not west's
    incident(s, "west", "W1", "2026-01-06 05:00", resolved_at="2026-01-06 07:00", service="db",
             reopen_count=1)
    incident(s, "west", "W2", "2026-01-08 10:00", resolved_at="2026-01-08 14:00", service="web")
    cfg = config_from_dict({"tenants": {"east": {"timezone": "Pacific/Kiritimati"},
                                        "west": {"timezone": "Pacific/Pago_Pago"}}})
    r = compute_kpis(s, scope="all", as_of=AS_OF, config=cfg, date_from="2026-01-06")
    b = r.breakdowns[r.breakdowns["dimension"] == "service"]
    mttr = b[b["kpi"] == "mttr_minutes"].set_index(["tenant", "key"])[["value", "n"]]
    assert mttr.to_dict("index") == {
        ("ALL", "db"): {"value": 120.0, "n": 1},    # W1: only in ALL's days, a group of its own
        ("ALL", "web"): {"value": 180.0, "n": 2},   # E2 and W2; no "api" row: E1 is not in ALL's days
        ("east", "api"): {"value": 60.0, "n": 1},
        ("east", "web"): {"value": 120.0, "n": 1},
        ("west", "web"): {"value": 240.0, "n": 1},  # W1 is before west's Jan 6
    }
    reopen = b[b["kpi"] == "reopen_rate_pct"].set_index(["tenant", "key"])[["value", "n"]]
    assert reopen.loc["ALL"].to_dict("index") == {"db": {"value": 100.0, "n": 1}, "web": {"value": 0.0, "n": 2}}
    # the portfolio alone (no tenant view: every item is "only in ALL's") pools the same
    alone = compute_kpis(s, tenant="ALL", scope="all", as_of=AS_OF, config=cfg, date_from="2026-01-06")
    pd.testing.assert_frame_equal(alone.breakdowns.reset_index(drop=True),
                                  r.breakdowns[r.breakdowns["tenant"] == "ALL"].reset_index(drop=True))
    east = compute_kpis(s, tenant="east", scope="all", as_of=AS_OF, config=cfg, date_from="2026-01-06")
    assert set(east.breakdowns["tenant"]) == {"east"}  # no ALL rows when ALL is not asked for


def test_duration_variants_follow_their_base_kpi_direction():
    keys = pd.Series(["mttr_minutes_excl_on_hold", "mtta_minutes_business_hours", "pir_on_time_pct",
                      "repeat_rate_pct"])
    assert list(is_lower_better(keys)) == [True, True, False, True]
    assert list(is_rate(keys)) == [False, False, True, True]
    # 100 -> 80: a 20 % improvement for a variant of MTTR, a 20 % fall for PIR on time
    imp = improvement(pd.Series([100.0, 100.0]), pd.Series([80.0, 80.0]), is_lower_better(keys[[0, 2]]))
    assert list(imp) == [20.0, -20.0]


def test_binomial_draws_invert_the_whole_cdf_to_the_bit():
    """The rate bootstrap's shortcuts (shared log table, CDF only where terms are not 0) draw
    exactly what inverting the whole Binomial(n, p) CDF draws, up to n in the hundreds of thousands."""
    import numpy as np

    from analytics.kpis.bootstrap import _binomial

    cases = [(2, 1), (7, 3), (50, 1), (50, 49), (1000, 500), (40_000, 37), (250_000, 240_000)]
    stats = pd.DataFrame({"items": [n for n, _ in cases], "num": [k for _, k in cases]})
    u = np.r_[0.0, np.random.default_rng(5).random(400), np.nextafter(1.0, 0.0)]
    reps = np.full((len(cases), len(u)), np.nan)
    _binomial(stats, np.arange(len(cases)), reps, {True: u, False: u}, np.zeros(len(cases), dtype=bool))
    for row, (n, k) in enumerate(cases):
        p, ks = k / n, np.arange(n + 1, dtype=float)
        log_c = np.concatenate(([0.0], np.cumsum(np.log(n - ks[1:] + 1) - np.log(ks[1:]))))
        log_pmf = log_c + ks * np.log(p) + (n - ks) * np.log1p(-p)
        cdf = np.cumsum(np.exp(log_pmf - log_pmf.max()))
        cdf /= cdf[-1]
        expected = 100.0 * np.minimum(np.searchsorted(cdf, u, side="right"), n) / n
        np.testing.assert_array_equal(reps[row], expected, err_msg=f"n={n}, k={k}")
        assert abs(reps[row].mean() - 100.0 * p) < 100.0 * 4 * np.sqrt(p * (1 - p) / n) + 1e-9
