"""Figure builders against the hand-built KpiResult: exact traces, units, status colours."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from analytics import details
from analytics.formatting import STATUS_COLOURS
from dashboards import figures
from tests.result_fixture import make_result

PROV = "'governance', 'tl.csv', 'sha', 2, 1"


@pytest.fixture(scope="module")
def result():
    return make_result()


def trace(fig, uid):
    (found,) = [t for t in fig.data if t.uid == uid]
    return found


def test_trend_traces_are_the_engines_numbers(result):
    fig = figures.build_kpi_trend(result, "Aurora Bank", "mttr_minutes")
    assert [t.uid for t in fig.data] == ["weekly", "baseline", "target_min", "target_band", "checkpoints"]
    weekly = trace(fig, "weekly")
    assert list(weekly.x) == list(range(1, 10))
    assert list(weekly.y) == [260.0, 247.0, 234.0, 221.0, 208.0, 195.0, 182.0, 169.0, 156.0]
    assert list(trace(fig, "baseline").y) == [260.0, 260.0]
    assert trace(fig, "baseline").name == "Baseline 4 h 20 min"
    # lower is better: band from baseline x (1 - 20 %) down to baseline x (1 - 50 %)
    assert list(trace(fig, "target_min").y) == [208.0, 208.0]
    assert list(trace(fig, "target_band").y) == [130.0, 130.0]
    assert trace(fig, "target_band").fill == "tonexty"
    assert trace(fig, "target_band").name == "Target band by week 8"
    assert trace(fig, "target_band").hovertext == "Stretch target (+50.0 %) by week 8: 2 h 10 min"
    cps = trace(fig, "checkpoints")
    assert list(cps.x) == [4, 8, 9]  # week4, week8 and latest (week13 is after the last week)
    assert list(cps.y) == [208.0, 156.0, 143.0]
    assert list(cps.marker.color) == [STATUS_COLOURS["met"]] * 3
    assert [s.x0 for s in fig.layout.shapes] == [4, 8]
    assert fig.layout.yaxis.title.text == "MTTR (minutes)"
    assert fig.layout.xaxis.title.text == "Programme week"


def test_trend_status_colours_follow_each_checkpoint(result):
    fig = figures.build_kpi_trend(result, "Borealis Retail", "mtta_minutes")
    cps = trace(fig, "checkpoints")
    # Borealis: +10 % at week 4 (expected 8.57 %: on track), +30 % / +35 % later (minimum 20 %: met)
    assert list(cps.marker.color) == [STATUS_COLOURS["on_track"], STATUS_COLOURS["met"], STATUS_COLOURS["met"]]
    assert "On track" in cps.hovertext[0] and "+10.0 %" in cps.hovertext[0]


def test_trend_band_mirrors_for_higher_is_better(result):
    fig = figures.build_kpi_trend(result, "Aurora Bank", "update_compliance_pct")
    assert list(trace(fig, "target_min").y) == pytest.approx([68.2, 68.2])
    assert list(trace(fig, "target_band").y) == pytest.approx([71.3, 71.3])
    assert fig.layout.yaxis.title.text == "Status-update compliance (%)"


def test_trend_without_target_has_no_band_and_keeps_empty_weeks_as_gaps(result):
    fig = figures.build_kpi_trend(result, "Aurora Bank", "pir_on_time_pct")
    assert [t.uid for t in fig.data] == ["weekly", "baseline", "checkpoints"]
    y = trace(fig, "weekly").y
    assert np.isnan(y[2]) and y[1] == pytest.approx(51.5)
    assert "n = 0" in trace(fig, "weekly").hovertext[2]


def test_trend_of_unknown_tenant_is_an_empty_chart(result):
    fig = figures.build_kpi_trend(result, "Nobody", "mttr_minutes")
    assert fig.data == ()
    assert fig.layout.annotations[0].text == "No weekly data for this selection"


def test_distribution_bins_and_engine_statistics(result):
    fig = figures.build_duration_distribution(result, "Aurora Bank", "mttr_minutes")
    bars = trace(fig, "histogram")
    # 12 incidents, linspace(400, 90): 30-minute bins from 0 to 420
    assert list(bars.x) == [15 + 30 * i for i in range(14)]
    assert list(bars.y) == [0, 0, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    assert bars.hovertext[3] == "1 h 30 min – 2 h: 2 incidents"
    assert list(trace(fig, "stat:mean").x) == [208.0, 208.0]
    assert trace(fig, "stat:mean").name == "mean 3 h 28 min"
    assert trace(fig, "stat:median").name == "median 3 h 7 min"
    assert trace(fig, "stat:p90").name == "p90 5 h 33 min"
    assert fig.layout.xaxis.title.text == "MTTR (minutes)"
    assert fig.layout.yaxis.title.text == "incidents"


def test_distribution_skips_excluded_durations_and_pools_the_portfolio(result):
    inc = result.incidents.copy()
    inc.loc[0, "mttr_minutes"] = -30.0  # negative: excluded by the engine, not plotted
    inc.loc[1, "mttr_minutes"] = np.nan
    fig = figures.build_duration_distribution(replace(result, incidents=inc), "ALL", "mttr_minutes")
    assert int(sum(trace(fig, "histogram").y)) == 22  # 24 incidents of both tenants, two excluded


def test_repeats_by_service(result):
    fig = figures.build_repeats_by_service(result, "Aurora Bank")
    assert list(trace(fig, "repeats").y) == ["Core Banking Payments Gateway (EU-West)"]
    assert list(trace(fig, "repeats").x) == [3]  # incidents 0, 4, 8 of 12
    assert list(trace(fig, "others").x) == [9]
    assert trace(fig, "repeats").hovertext[0] == "Core Banking Payments Gateway (EU-West): 3 repeats of 12 incidents"
    assert fig.layout.xaxis.title.text == "incidents"


def test_repeats_for_the_portfolio_list_every_tenants_services_and_nothing_else(result):
    fig = figures.build_repeats_by_service(result, "ALL")
    assert sorted(trace(fig, "repeats").y) == ["Borealis Checkout API · Borealis Retail",
                                               "Core Banking Payments Gateway (EU-West) · Aurora Bank"]
    only_aurora = figures.build_repeats_by_service(result, "Aurora Bank")
    assert "Borealis Checkout API" not in only_aurora.to_json()


def test_overdue_by_owner(bare_store):
    bare_store.con.execute(f"""INSERT INTO actions (tenant, action_id, incident_id, kind, owner, due_at,
            completed_at, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('a', 'A1', 'INC1', 'pir', 'Bob', TIMESTAMP '2026-01-10', NULL, 'h', {PROV}),
        ('a', 'A2', 'INC1', 'mitigation', 'Bob', TIMESTAMP '2026-01-17', NULL, 'h', {PROV}),
        ('a', 'A3', 'INC1', 'mitigation', 'Cy', TIMESTAMP '2026-01-15', NULL, 'h', {PROV}),
        ('a', 'A4', 'INC1', 'pir', 'Dee', TIMESTAMP '2026-01-10', TIMESTAMP '2026-01-09', 'h', {PROV})""")
    actions = details.action_tracker(bare_store, "a", pd.Timestamp("2026-01-20").to_pydatetime())
    fig = figures.build_overdue_by_owner(actions)
    bars = trace(fig, "overdue")
    assert list(bars.y) == ["Cy", "Bob"]  # most overdue on top (plotly draws bottom-up)
    assert list(bars.x) == [1, 2]
    assert bars.hovertext[1] == "Bob: 2 overdue, oldest 10 days"
    assert bars.marker.color == STATUS_COLOURS["off_track"]


def test_overdue_by_owner_without_overdue_actions_says_so():
    empty = pd.DataFrame(columns=["action_id", "owner", "status", "days_overdue"])
    fig = figures.build_overdue_by_owner(empty)
    assert fig.data == () and fig.layout.annotations[0].text == "No overdue actions"


def _seed_timeline(con):
    con.execute(f"""INSERT INTO timeline_events (tenant, incident_id, occurred_at, kind, state, lane, actor,
            text, event_key, source, source_file, sha256, line, run_id) VALUES
        ('a', 'INC1', TIMESTAMP '2026-01-05 10:02', 'state_change', 'in_progress', NULL, 'sys', NULL, 'k0', {PROV}),
        ('a', 'INC1', TIMESTAMP '2026-01-05 10:05', 'decision', NULL, 'commander', 'Ann', 'Declare major', 'k1', {PROV}),
        ('a', 'INC1', TIMESTAMP '2026-01-05 10:40', 'decision', NULL, 'technical_lead', 'Raj', 'Roll back', 'k2', {PROV}),
        ('a', 'INC1', TIMESTAMP '2026-01-05 10:50', 'action', NULL, 'executive_liaison', 'Eve', 'Brief COO', 'k3', {PROV}),
        ('a', 'INC1', TIMESTAMP '2026-01-05 10:55', 'action', NULL, 'service_owner', 'Sam', 'Validate', 'k4', {PROV})""")
    con.execute(f"""INSERT INTO updates (tenant, incident_id, update_id, posted_at, audience, channel, author,
            body, source, source_file, sha256, line, run_id) VALUES
        ('a', 'INC1', 'u1', TIMESTAMP '2026-01-05 10:20', 'customer', 'comments', 'Cat', 'Investigating', {PROV}),
        ('a', 'INC1', 'u2', TIMESTAMP '2026-01-05 10:10', 'internal', 'work_notes', 'Raj', 'Pods restarted', {PROV})""")


def test_incident_timeline_lanes_and_due_updates(bare_store):
    _seed_timeline(bare_store.con)
    timeline = details.incident_timeline(bare_store, "a", "INC1")
    slots = pd.DataFrame({
        "j": [1, 2, 3],
        "due_at": pd.to_datetime(["2026-01-05 10:30", "2026-01-05 11:00", "2026-01-05 11:30"]),
        "slot_start": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:30", "2026-01-05 11:00"]),
        "met": [True, False, False],
        "first_update_at": pd.to_datetime(["2026-01-05 10:20", None, None]),
    })
    incident = {"incident_id": "INC1", "title": "Payments down", "opened_at": pd.Timestamp("2026-01-05 10:00"),
                "acknowledged_at": pd.Timestamp("2026-01-05 10:02"), "mitigated_at": None,
                "resolved_at": pd.Timestamp("2026-01-05 11:45")}
    fig = figures.build_incident_timeline(incident, timeline, slots)
    lanes = {t.uid: list(t.y) for t in fig.data if t.uid.startswith("lane:")}
    assert lanes == {
        "lane:Decisions": ["Decisions", "Decisions"],  # commander and technical lead decisions
        "lane:Communications": ["Communications"],
        "lane:Technical lead": ["Technical lead"],
        "lane:Service owner": ["Service owner"],
        "lane:Executive liaison": ["Executive liaison"],
        "lane:Record": ["Record"],
    }
    met, missed = trace(fig, "slots:met"), trace(fig, "slots:off_track")
    assert list(pd.to_datetime(met.x)) == [pd.Timestamp("2026-01-05 10:30")]
    assert len(missed.x) == 2 and met.marker.color == STATUS_COLOURS["met"]
    assert met.hovertext[0] == "Update 1 due 05 Jan 10:30 UTC — met (first update 10:20)"
    assert missed.hovertext[0] == "Update 2 due 05 Jan 11:00 UTC — missed"
    assert [a.text for a in fig.layout.annotations] == ["Opened", "Acknowledged", "Resolved"]
    assert fig.layout.title.text == "INC1 · Payments down"
    assert fig.layout.xaxis.title.text == "time (UTC)"


def test_incident_timeline_without_entries_says_so():
    empty = pd.DataFrame(columns=["occurred_at", "lane", "kind", "text", "actor"])
    fig = figures.build_incident_timeline({"incident_id": "INC9"}, empty, None)
    assert fig.layout.annotations[0].text == "No timeline entries recorded for this incident"


def test_target_band_helper():
    assert figures.target_band("mttr_minutes", 100.0, 20, 50) == (80.0, 50.0)
    assert figures.target_band("update_compliance_pct", 50.0, 10, 20) == pytest.approx((55.0, 60.0))
    assert figures.target_band("mttr_minutes", None, 20, 50) is None


@pytest.mark.parametrize("build", [
    lambda r: figures.build_kpi_trend(r, "Aurora Bank", "mttr_minutes"),
    lambda r: figures.build_kpi_trend(r, "Aurora Bank", "update_compliance_pct"),
    lambda r: figures.build_kpi_trend(r, "Nobody", "mttr_minutes"),
    lambda r: figures.build_duration_distribution(r, "ALL", "mtta_minutes"),
    lambda r: figures.build_duration_distribution(r, "Nobody", "mttr_minutes"),
    lambda r: figures.build_repeats_by_service(r, "ALL"),
    lambda r: figures.build_overdue_by_owner(pd.DataFrame({
        "status": ["overdue", "overdue", "done_late"], "owner": ["Priya", None, "Ola"],
        "action_id": ["A1", "A2", "A3"], "days_overdue": [3, 1, None]})),
])
def test_figures_built_without_validation_are_valid_plotly(result, build):
    """The builders skip plotly's validation for speed; rebuilding with it must accept every property."""
    fig = build(result)
    validated = go.Figure(fig.to_plotly_json())  # raises on a misspelt property or a bad value
    assert validated.to_json() == go.Figure(validated.to_plotly_json()).to_json()
    assert json.loads(pio.to_json(validated)) == json.loads(pio.to_json(fig))
