"""The deck's follow-up slides: repeat and change-related incidents, PIR/action follow-through,
risks and decisions needed.

Same contract as ``_pptx_slides``: the engine's figures and the tenant's
listings from the export context, formatted, drawn, with definitions in the notes.
"""

from __future__ import annotations

import pandas as pd

from analytics.formatting import (
    EMPTY,
    KPI_DEFINITIONS,
    format_improvement,
    format_status,
    format_value,
    kpi_label,
)
from exporters import _pptx_kit as kit
from exporters._headline import HEADLINE_KPIS, generated_text, int_setting
from exporters._pptx_slides import Deck, definitions, kpi_tile, status_rules
from exporters.content import PAI8_CONTROLS, PSF_DOMAINS, RHYTHM
from exporters.context import ExportContext
from exporters.evidence import control_evidence

TILE_H = 1.55


def _tiles(slide, deck: Deck, kpis: tuple[str, ...]) -> float:
    """A row of KPI tiles across the content area; returns the y below them."""
    for (left, width), kpi in zip(kit.grid(len(kpis), kit.CONTENT_W_IN, 0.25), kpis):
        kpi_tile(slide, deck, kpi, left, kit.CONTENT_TOP_IN, width, TILE_H)
    return kit.CONTENT_TOP_IN + TILE_H + 0.25


def _text_column(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), EMPTY).astype(str)


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].astype("boolean").fillna(False).astype(bool)


# ---------------------------------------------------------------- 5 repeat and change

REPEAT_KPIS = ("repeat_rate_pct", "change_related_pct", "change_failure_rate_pct")


def repeat_change_rows(ctx: ExportContext, limit: int = 7) -> pd.DataFrame:
    """The most recent repeat or change-related incidents, as display strings."""
    inc = ctx.result.incidents
    cols = ["incident", "opened", "service", "title", "repeat_of", "linked_change"]
    if inc.empty:
        return pd.DataFrame(columns=cols)
    inc = inc[inc["tenant"] == ctx.tenant] if "tenant" in inc.columns else inc
    picked = inc[_flag(inc, "is_repeat") | _flag(inc, "change_related")]
    picked = picked.sort_values("opened_at", ascending=False, kind="stable").head(limit)
    opened = pd.to_datetime(picked["opened_at"]).dt.strftime("%Y-%m-%d %H:%M")

    def col(name: str) -> pd.Series:
        return _text_column(picked[name]) if name in picked.columns else pd.Series(EMPTY, index=picked.index)

    return pd.DataFrame({"incident": col("incident_id"), "opened": opened.fillna(EMPTY),
                         "service": col("service"), "title": col("title"),
                         "repeat_of": col("repeat_of"), "linked_change": col("linked_change")})


def repeat_change_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = kit.content_slide(prs, "Repeat and change-related incidents",
                              "Recurrence on the same service or problem, and incidents that followed a "
                              "change", deck.footer, page)
    y = _tiles(slide, deck, REPEAT_KPIS)
    rows = repeat_change_rows(ctx)
    kit.add_text(slide, kit.MARGIN_IN, y, kit.CONTENT_W_IN, 0.36, "Most recent repeat or change-related "
                 "incidents", pt=14, bold=True, colour=kit.NAVY)
    if rows.empty:
        kit.add_text(slide, kit.MARGIN_IN, y + 0.45, kit.CONTENT_W_IN, 0.4,
                     "None in the selected period.", pt=13, colour=kit.MUTED)
    else:
        kit.add_table(slide, kit.MARGIN_IN, y + 0.42, (1.35, 1.85, 2.5, 3.53, 1.3, 1.6),
                      ("Incident", "Opened (UTC)", "Service", "Title", "Repeat of", "Linked change"),
                      rows.to_numpy().tolist(), pt=11, row_h=0.34, name="repeat table")
    kit.set_notes(slide, (
        f"Definitions:\n{definitions(REPEAT_KPIS)}\n\nThe table lists the latest incidents the engine "
        "flagged as a repeat (with the earlier incident it repeats) or as change-related (with the "
        f"linked change).\n\n{status_rules(ctx)}"))
    return slide


# ---------------------------------------------------------------- 6 follow-through

FOLLOW_KPIS = ("pir_on_time_pct", "action_on_time_pct", "closure_gate_pct")


def overdue_by_owner(ctx: ExportContext, limit: int = 6) -> pd.DataFrame:
    """Overdue actions per owner (owner, overdue, oldest days overdue), most overdue first."""
    if ctx.overdue_actions.empty:
        return pd.DataFrame(columns=["owner", "overdue", "oldest"])
    overdue = ctx.overdue_actions.assign(owner=lambda d: d["owner"].fillna("Unassigned"))
    grouped = (overdue.groupby("owner", as_index=False)
               .agg(overdue=("action_id", "count"), oldest=("days_overdue", "max")))
    return grouped.sort_values(["overdue", "oldest", "owner"], ascending=[False, False, True]).head(limit)


def glance_rows(ctx: ExportContext) -> list[list[str]]:
    """Action status counts and missing closure gates, as (what, count) rows."""
    counts, gaps = ctx.action_counts, ctx.closure_gaps
    rows = []
    if ctx.actions_total:
        for key, text in (("done_on_time", "Actions completed on time"), ("done_late", "Actions completed late"),
                          ("overdue", "Actions overdue"), ("open", "Actions open, not yet due")):
            rows.append([text, f"{counts[key]:,}"])
    if gaps["incidents"]:
        for key, text in (("missing_service_validation", "Incidents missing service validation"),
                          ("missing_customer_confirmation", "Incidents missing customer confirmation"),
                          ("missing_residual_risk", "Incidents missing a residual-risk statement")):
            rows.append([text, f"{gaps[key]:,}"])
    return rows


def follow_through_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = kit.content_slide(prs, "PIR and action follow-through",
                              f"Post-incident reviews, corrective actions and closure gates as of "
                              f"{generated_text(ctx)}", deck.footer, page)
    y = _tiles(slide, deck, FOLLOW_KPIS)
    (left_x, left_w), (right_x, right_w) = kit.grid(2, kit.CONTENT_W_IN, 0.4)
    kit.add_text(slide, left_x, y, left_w, 0.36, "Overdue actions by owner", pt=14, bold=True,
                 colour=kit.NAVY)
    owners = overdue_by_owner(ctx)
    if owners.empty:
        note = "No overdue actions." if ctx.actions_total else "No PIR or mitigation actions loaded."
        kit.add_text(slide, left_x, y + 0.45, left_w, 0.4, note, pt=13, colour=kit.MUTED)
    else:
        table = [[o, f"{int(n):,}", f"{int(d):,}" if pd.notna(d) else EMPTY]
                 for o, n, d in zip(owners["owner"].astype(str), owners["overdue"], owners["oldest"])]
        kit.add_table(slide, left_x, y + 0.42, (left_w - 3.0, 1.2, 1.8),
                      ("Owner", "Overdue", "Oldest (days)"), table, pt=11, row_h=0.34, name="overdue table")
    kit.add_text(slide, right_x, y, right_w, 0.36, "At a glance", pt=14, bold=True, colour=kit.NAVY)
    glance = glance_rows(ctx)
    if glance:
        kit.add_table(slide, right_x, y + 0.42, (right_w - 1.2, 1.2), ("Item", "Count"), glance, pt=11,
                      row_h=0.3, name="glance table")
    else:
        kit.add_text(slide, right_x, y + 0.45, right_w, 0.4, "No governance records loaded.", pt=13,
                     colour=kit.MUTED)
    kit.set_notes(slide, (
        f"Definitions:\n{definitions(FOLLOW_KPIS)}\n\nOverdue: an action not completed whose due date "
        f"has passed as of {generated_text(ctx)}; 'oldest' is the most days overdue among an owner's "
        f"actions. Closure gates: service validation, customer confirmation and a residual-risk "
        f"statement, from the closure-evidence records.\n\n{status_rules(ctx)}"))
    return slide


# ---------------------------------------------------------------- 7 risks and decisions


def decisions(deck: Deck) -> list[str]:
    """What the room must decide, from the statuses and overdue actions (at most five)."""
    ctx = deck.ctx
    items = []
    for kpi in HEADLINE_KPIS:
        status = deck.figure(kpi, "status")
        label = kpi_label(kpi)
        if status == "off_track":
            items.append(f"{label} is off track ({format_improvement(deck.figure(kpi, 'improvement_pct'))} "
                         f"vs {format_improvement(deck.figure(kpi, 'expected_pct'))} expected): agree the "
                         "corrective action and its owner.")
        elif status == "insufficient_data":
            min_n = int_setting(ctx, "min_n", 3)
            counts = [deck.figure(kpi, "baseline_n"), deck.figure(kpi, "n")]
            if any(c is None or int(c) < min_n for c in counts):
                items.append(f"{label}: too few items to judge (fewer than {min_n} in the baseline or "
                             "the window); keep collecting or widen the window.")
            else:
                items.append(f"{label}: the baseline is {format_value(kpi, deck.figure(kpi, 'baseline'))}, "
                             "so no improvement can be measured; confirm the source records are loaded.")
    owners = overdue_by_owner(ctx, limit=1000)
    if not owners.empty:
        items.append(f"{int(owners['overdue'].sum()):,} overdue actions across {len(owners):,} owners: "
                     "confirm escalation at the weekly KPI review.")
    items.append(RHYTHM[-1][1][-1])  # "Approve next optimization backlog from observed bottlenecks."
    items.append(RHYTHM[-1][1][-2])  # "Lock reporting cadence for KPI review and incident review."
    return items[:5]


def risk_rows(ctx: ExportContext) -> list[list[str]]:
    rows = []
    for item in control_evidence(ctx):
        figure = item.figures[0] if item.figures else None
        evidence = (f"{figure.label}: {figure.text}" + (f" ({format_status(figure.status)})"
                                                        if figure.status else "")) if figure else EMPTY
        rows.append([item.risk_text, item.control.text, evidence, item.control.owner])
    return rows


def risks_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = kit.content_slide(prs, "Risks and decisions needed",
                              "The workflow's risks, the control on each and the figure that shows it "
                              "working", deck.footer, page)
    left_w = 8.0
    rows = risk_rows(ctx)
    kit.add_table(slide, kit.MARGIN_IN, kit.CONTENT_TOP_IN, (2.15, 2.15, 2.5, 1.2),
                  ("Risk", "Control", "Evidence", "Owner"), rows, pt=10, row_h=1.1, header_h=0.4, max_lines=4,
                  name="risk table")
    right_x = kit.MARGIN_IN + left_w + 0.35
    right_w = kit.CONTENT_W_IN - left_w - 0.35
    kit.add_rect(slide, right_x, kit.CONTENT_TOP_IN, right_w, 5.1, kit.LIGHT)
    kit.add_text(slide, right_x + 0.15, kit.CONTENT_TOP_IN + 0.12, right_w - 0.3, 0.4, "Decisions needed",
                 pt=16, bold=True, colour=kit.NAVY)
    kit.add_bullets(slide, right_x + 0.15, kit.CONTENT_TOP_IN + 0.6, right_w - 0.3, 4.35, decisions(deck),
                    pt=14, min_pt=10, name="decisions")
    mapping = "\n".join(
        f"• {i.control.id} {i.control.text} — PSF {i.control.psf} {PSF_DOMAINS[i.control.psf]}; "
        f"PAI-8 {i.control.pai8} {PAI8_CONTROLS[i.control.pai8]}; reviewed {i.control.review.lower()}."
        for i in control_evidence(ctx))
    evidence_kpis = sorted({f.key for i in control_evidence(ctx) for f in i.figures
                            if f.key in KPI_DEFINITIONS})
    kit.set_notes(slide, (
        f"Controls and their framework mapping:\n{mapping}\n\nEvidence definitions:\n"
        f"{definitions(evidence_kpis)}\n• Rows rejected at ingest: rows of this client's exports that "
        "could not be used (no id, no opened time, unparseable timestamp).\n• Data-quality findings: "
        "loaded rows whose values contradict each other (e.g. resolved before opened), excluded from "
        f"the statistics.\n\nDecisions are proposed from the headline statuses and overdue actions.\n\n"
        f"{status_rules(ctx)}"))
    return slide
