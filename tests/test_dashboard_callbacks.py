"""The dashboard's callback logic as plain functions: cards, filters, tables, drill-down."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from analytics import details
from analytics.formatting import STATUS_COLOURS
from dashboards import callbacks, tables
from dashboards.cards import headline_cards, render_card
from dashboards.source import Query
from tests.result_fixture import LEAK_MARKERS, make_result

PROV = "'governance', 'g.csv', 'sha', 2, 1"


@pytest.fixture(scope="module")
def result():
    return make_result()


def text_of(component) -> str:
    """All text a component tree renders, in document order (Markdown code-span ticks dropped)."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component).replace("`", "").replace("\u00a0", " ")
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def test_cards_show_the_latest_checkpoint_formatted(result):
    cards = {c.kpi: c for c in headline_cards(result, "Aurora Bank")}
    mttr = cards["mttr_minutes"]
    assert (mttr.value, mttr.baseline, mttr.improvement, mttr.interval) == (
        "2 h 23 min", "Baseline 4 h 20 min", "+45.0 %", "[+35.5 %, +53.2 %]")
    assert mttr.window == "Week 9 window (weeks 6–9)"
    assert mttr.target == "Target +20.0 % by week 8 (stretch +50.0 %)"
    assert (mttr.status, mttr.colour, mttr.sample) == ("met", STATUS_COLOURS["met"], "n = 20 · baseline n = 5")
    assert cards["mttm_minutes"].status_text == "No target" and not cards["mttm_minutes"].has_target
    # the four KPIs with targets lead
    assert [c.kpi for c in headline_cards(result, "Aurora Bank")][:4] == [
        "mtta_minutes", "mttr_minutes", "update_compliance_pct", "repeat_rate_pct"]


def test_cards_change_with_the_tenant(result):
    aurora = {c.kpi: c for c in headline_cards(result, "Aurora Bank")}["mttr_minutes"]
    borealis = {c.kpi: c for c in headline_cards(result, "Borealis Retail")}["mttr_minutes"]
    assert (borealis.baseline, borealis.improvement) == ("Baseline 4 h 30 min", "+35.0 %")
    assert borealis.value != aurora.value
    rendered = text_of(render_card(borealis))
    assert "4 h 30 min" in rendered and "Met" in rendered
    # week 4 and week 8 checkpoints (week 13 is after the last week) in their status colours
    assert [(c.label, c.improvement, c.colour) for c in borealis.checkpoints] == [
        ("Wk 4", "+10.0 %", STATUS_COLOURS["on_track"]), ("Wk 8", "+30.0 %", STATUS_COLOURS["met"])]
    assert borealis.checkpoints[0].detail == (
        "Week 4 window: 4 h 3 min (n = 20); improvement +10.0 %, expected +8.6 %: On track")
    assert "Wk 8" in rendered and "+30.0 %" in rendered


def test_restrict_pools_incidents_for_the_portfolio_only(result):
    assert len(callbacks.restrict(result, "ALL").incidents) == 24
    aurora = callbacks.restrict(result, "Aurora Bank")
    assert set(aurora.incidents["tenant"]) == {"Aurora Bank"}
    assert set(aurora.checkpoints["tenant"]) == {"Aurora Bank"}


def test_week_filters_become_the_engines_date_range(result):
    assert callbacks.week_bounds(result, "Aurora Bank") == (1, 9)
    assert callbacks.week_bounds(result, "Nobody") == (1, 1)
    assert callbacks.week_dates(result, "Aurora Bank", [1, 9]) == (None, None)
    # week 2 starts Mon 12 Jan; week 5 ends Sun 8 Feb (inclusive local dates)
    assert callbacks.week_dates(result, "Aurora Bank", [2, 5]) == (date(2026, 1, 12), date(2026, 2, 8))


def test_unfiltered_views_share_one_all_tenant_computation(result):
    q = callbacks.filters_query(result, "Aurora Bank", [1, 9], None, None, None)
    assert q == Query()  # every tenant at once; a tenant switch only slices
    assert callbacks.filters_query(result, "Borealis Retail", [1, 9], "all", None, "") == Query(scope="all")
    narrowed = callbacks.filters_query(result, "Aurora Bank", [1, 4], None, 1, "X")
    assert narrowed == Query(tenant="Aurora Bank", date_to=date(2026, 2, 1), priority=1, service="X")


def test_slowest_incidents_table_rows_drill_into_their_tenant(result):
    slow = tables.slowest_incidents(result, "Aurora Bank", n=3)
    assert slow["incident_id"].tolist() == ["INC000000", "INC000001", "INC000002"]
    assert slow["updates"].tolist() == ["3 / 4", "4 / 4", "3 / 4"]
    assert tables.row_ids(slow)[0] == {"type": "incident-row", "tenant": "Aurora Bank", "incident": "INC000000"}
    table = callbacks.render_slowest(result, "Aurora Bank")
    text = text_of(table)
    assert "6 h 40 min" in text and "12 min" in text
    assert "Borealis" not in text


def test_portfolio_slowest_table_names_the_tenant(result):
    text = text_of(callbacks.render_slowest(result, "ALL"))
    assert "Tenant" in text and "Borealis Retail" in text and "Aurora Bank" in text


def test_change_related_incidents_carry_their_change(result, bare_store):
    bare_store.con.execute(f"""INSERT INTO changes (tenant, change_id, title, ci, service, planned_end,
            actual_end, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'CHG00000', 'Patch gateway', NULL, NULL, NULL, TIMESTAMP '2026-01-05 06:30', 'h', {PROV}),
        ('Borealis Retail', 'CHG00000', 'Not Aurora''s', NULL, NULL, NULL, TIMESTAMP '2026-01-05 07:00', 'h', {PROV})""")
    changes = details.changes(bare_store, "Aurora Bank")
    related = tables.change_related_incidents(result, "Aurora Bank", changes)
    assert related["incident_id"].tolist() == ["INC000009", "INC000006", "INC000003", "INC000000"]
    first = related[related["incident_id"] == "INC000000"].iloc[0]
    assert (first["change_title"], first["gap_minutes"]) == ("Patch gateway", 90.0)
    assert related["change_title"].isna().sum() == 3  # changes not in the store stay visible, unmatched


def test_closure_gaps_list_the_engines_failures_with_the_missing_evidence(result, bare_store):
    bare_store.con.execute(f"""INSERT INTO closure_evidence (tenant, incident_id, service_validated_at,
            customer_confirmed_at, residual_risk, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'INC000000', TIMESTAMP '2026-01-06', TIMESTAMP '2026-01-06', 'None left', 'h', {PROV}),
        ('Aurora Bank', 'INC000001', TIMESTAMP '2026-01-06', NULL, '  ', 'h', {PROV})""")
    gaps = tables.closure_gaps(result, "Aurora Bank", details.closure_evidence(bare_store, "Aurora Bank"))
    # the fixture's engine flags odd incidents as failing the gate
    assert sorted(gaps["incident_id"]) == [f"INC00000{i}" for i in (1, 3, 5, 7, 9)] + ["INC000011"]
    one = gaps[gaps["incident_id"] == "INC000001"].iloc[0]
    assert (one["missing_service_validation"], one["missing_customer_confirmation"],
            one["missing_residual_risk"]) == (False, True, True)
    no_row = gaps[gaps["incident_id"] == "INC000005"].iloc[0]  # no evidence row: every gate missing
    assert no_row[["missing_service_validation", "missing_customer_confirmation",
                   "missing_residual_risk"]].tolist() == [True, True, True]


def test_governance_never_loaded_is_said_not_shown_as_gaps(result):
    inc = result.incidents.assign(pir_on_time=pd.NA, closure_gate_ok=pd.NA)
    unjudged = replace(result, incidents=inc)
    empty = pd.DataFrame(columns=["action_id", "owner", "status", "days_overdue", "due_at"])
    closure = pd.DataFrame(columns=["tenant", "incident_id", "missing_service_validation",
                                    "missing_customer_confirmation", "missing_residual_risk"])
    summary, _, _, pirs, gaps = callbacks.render_follow_through(unjudged, "Aurora Bank", empty, closure)
    assert text_of(summary) == "No PIR or mitigation actions were loaded for this tenant."
    assert text_of(pirs) == "No PIR records were loaded for this selection."
    assert text_of(gaps) == "No closure evidence was loaded for this selection."


def test_follow_through_renders_action_status_and_late_pirs(result, bare_store):
    bare_store.con.execute(f"""INSERT INTO actions (tenant, action_id, incident_id, kind, title, owner, due_at,
            completed_at, row_hash, source, source_file, sha256, line, run_id) VALUES
        ('Aurora Bank', 'A1', 'INC000001', 'pir', 'Write PIR', 'Priya Shah', TIMESTAMP '2026-03-01', NULL, 'h', {PROV}),
        ('Aurora Bank', 'A2', 'INC000001', 'mitigation', 'Add alert', 'Priya Shah', TIMESTAMP '2026-03-01',
         TIMESTAMP '2026-02-27', 'h', {PROV})""")
    actions = details.action_tracker(bare_store, "Aurora Bank", result.generated_at)
    assert tables.action_status_counts(actions) == {"done_on_time": 1, "done_late": 0, "overdue": 1, "open": 0}
    summary, fig, overdue, pirs, _gaps = callbacks.render_follow_through(
        result, "Aurora Bank", actions, details.closure_evidence(bare_store, "Aurora Bank"))
    assert "Overdue" in text_of(summary)
    assert list(fig.data[0].x) == [1]
    assert "Write PIR" in text_of(overdue) and "29" in text_of(overdue)  # 1 Mar -> 30 Mar 09:00
    assert tables.late_pirs(result, "Aurora Bank")["incident_id"].tolist() == [
        "INC000010", "INC000007", "INC000004", "INC000001"]
    assert "INC000010" in text_of(pirs)


def test_data_quality_shows_only_the_tenants_runs(result, bare_store):
    con = bare_store.con
    con.execute("INSERT INTO ingest_runs VALUES (1, TIMESTAMP '2026-01-10 09:00', TIMESTAMP '2026-01-10 09:01', "
                "'incidents.csv', '/x/incidents.csv', 'abc', 10, 'servicenow', 'incidents', NULL)")
    con.execute("INSERT INTO ingest_run_counts VALUES (1, 'Aurora Bank', 'incidents', 3, 2, 0, 0, 1), "
                "(1, 'Borealis Retail', 'incidents', 50, 50, 0, 0, 0)")
    con.execute("INSERT INTO rejects VALUES (1, 'Aurora Bank', 'servicenow', 'incidents', 'incidents.csv', 'abc', "
                "4, 'opened_at', 'timestamp does not parse', '{}')")
    checks, rejects, runs = callbacks.render_data_quality(
        result, "Aurora Bank", details.ingest_runs(bare_store, "Aurora Bank"),
        details.reject_reasons(bare_store, "Aurora Bank"))
    assert "Negative mttr" in text_of(checks)
    assert "timestamp does not parse" in text_of(rejects)
    runs_text = text_of(runs)
    assert "incidents.csv" in runs_text and "50" not in runs_text.split()


def test_drilldown_lists_updates_against_due_times(result):
    incident = result.incidents.iloc[0]
    timeline = pd.DataFrame({"occurred_at": pd.to_datetime(["2026-01-05 08:05"]), "lane": ["commander"],
                             "kind": ["decision"], "text": ["Declare major"], "actor": ["Priya Shah"]})
    slots = pd.DataFrame({"j": [1, 2], "due_at": pd.to_datetime(["2026-01-05 08:30", "2026-01-05 09:00"]),
                          "slot_start": pd.to_datetime(["2026-01-05 08:00", "2026-01-05 08:30"]),
                          "met": [True, False],
                          "first_update_at": pd.to_datetime(["2026-01-05 08:20", None])})
    parts = callbacks.render_drilldown(incident, timeline, slots)
    text = text_of(parts)
    assert "Timeline of INC000000" in text and "MTTR 6 h 40 min" in text
    assert "05 Jan 2026 08:30" in text and "✓ met" in text and "✗ missed" in text
    assert "Declare major" in text and "Commander" in text
    graph = next(p for p in parts if getattr(p, "id", None) == "timeline")
    assert graph.figure.layout.title.text.startswith("INC000000")


def test_tables_never_show_another_tenants_strings(result):
    view = callbacks.restrict(result, "Aurora Bank")
    rendered = " ".join(text_of(x) for x in (
        callbacks.render_slowest(view, "Aurora Bank"),
        tables.html_table(tables.late_pirs(view, "Aurora Bank"), tables.PIR_COLS)))
    for marker in LEAK_MARKERS["Borealis Retail"]:
        assert marker not in rendered


def test_html_table_is_bounded_and_formats(result):
    slow = tables.slowest_incidents(result, "ALL", n=24)
    table = tables.html_table(slow, tables.SLOWEST_COLS, limit=5)
    assert "… and 19 more" in text_of(table)
    assert tables.html_table(slow.iloc[0:0], tables.SLOWEST_COLS, empty="none here").children == "none here"


def test_status_banner_says_why_data_may_be_old(db_path):
    from datetime import datetime

    from dashboards.source import ResultSource

    source = ResultSource(db_path)
    assert callbacks.status_banner(source) == []
    source.busy_since = datetime(2026, 3, 30, 9, 15, 2)
    source.last_error = "unknown tenant 'Nobody'"
    text = text_of(callbacks.status_banner(source))
    assert "being updated by another process (since 09:15:02)" in text
    assert "Cannot compute the KPIs: unknown tenant 'Nobody'" in text


def test_read_only_tables_are_one_markdown_component_showing_text_literally():
    frame = pd.DataFrame({"title": ["[click](http://evil.invalid) | <b>x</b> *y* `z`", "=SUM(A1)", ""],
                          "mttr_minutes": [200.0, None, 5.0]})
    table = tables.html_table(frame, (tables.Col("title", "Title"), tables.Col("mttr_minutes", "MTTR", "minutes")))
    (md,) = table.children
    lines = md.children.split("\n")
    assert lines[:2] == ["| Title | MTTR |", "|:---|---:|"]
    # code spans: nothing inside is markup or a link; pipe and backtick swapped for look-alikes
    assert lines[2] == "| `[click](http://evil.invalid) \uff5c <b>x</b> *y* 'z'` | `3\u00a0h\u00a020\u00a0min` |"
    assert lines[3] == "| `=SUM(A1)` | `—` |"
    assert lines[4] == "| `—` | `5\u00a0min` |"

