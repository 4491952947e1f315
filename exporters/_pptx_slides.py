"""The executive deck's slides, one builder each, in the order outputs.md lists them.

Builders take the presentation, the tenant's export context and the page
number, pick the engine's figures for their slide, format them through
``analytics.formatting`` and draw with ``_pptx_kit`` / ``_pptx_charts``.
Every slide's speaker notes define the numbers it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN

from analytics.formatting import (
    EMPTY,
    KPI_DEFINITIONS,
    format_improvement,
    format_interval,
    format_minutes,
    format_value,
    kpi_label,
    kpi_unit,
)
from analytics.kpis.result import DURATION_KPIS, LOWER_IS_BETTER
from exporters import _pptx_kit as kit
from exporters._headline import (
    HEADLINE_KPIS,
    generated_text,
    int_setting,
    latest,
    period_text,
    weekly_series,
)
from exporters._pptx_charts import Bars, Line, bar_chart, line_chart
from exporters.context import ExportContext
from exporters.kpi_table import display_tenant, target_text


@dataclass(frozen=True)
class Deck:
    """What every slide needs besides the context: names and the latest checkpoint rows."""

    ctx: ExportContext
    tenant_name: str
    footer: str
    latest: pd.DataFrame

    @classmethod
    def of(cls, ctx: ExportContext) -> Deck:
        name = display_tenant(ctx.tenant)
        return cls(ctx, name, f"{name} · Executive brief · {period_text(ctx)}", latest(ctx))

    def figure(self, kpi: str, field: str) -> object:
        if kpi not in self.latest.index or field not in self.latest.columns:
            return None
        value = self.latest.at[kpi, field]
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _int(value: object) -> str:
    return EMPTY if value is None else f"{int(value):,}"


def definitions(kpis: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"• {kpi_label(k)}: {KPI_DEFINITIONS[k]}" for k in kpis if k in KPI_DEFINITIONS)


def status_rules(ctx: ExportContext) -> str:
    min_n = int_setting(ctx, "min_n", 3)
    bw = int_setting(ctx, "baseline_weeks", 1)
    ww = int_setting(ctx, "window_weeks", 4)
    return (
        f"Baseline: the KPI pooled over programme weeks 1–{bw}. Latest: the KPI pooled over the last "
        f"{ww} programme weeks (baseline weeks excluded). Improvement is signed so + is better: "
        "(baseline − value) / baseline for lower-is-better KPIs, (value − baseline) / baseline for "
        "higher-is-better ones. The 90 % interval is a bootstrap interval with a fixed seed. Status: "
        f"Insufficient data when the baseline or the window has fewer than {min_n} items; Met when the "
        "improvement reaches the minimum target; On track when it reaches the glide path (minimum × "
        "weeks elapsed since the baseline / weeks to the due week); otherwise Off track."
    )


# ---------------------------------------------------------------- 1 title


def title_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    kit.add_rect(slide, 0, 0, kit.SLIDE_W_IN, kit.SLIDE_H_IN, kit.NAVY)
    kit.add_rect(slide, kit.MARGIN_IN, 1.7, 0.12, 3.7, kit.ACCENT)
    left, width = kit.MARGIN_IN + 0.35, kit.CONTENT_W_IN - 0.35
    kit.add_text(slide, left, 1.62, width, 0.45, "MAJOR-INCIDENT COMMAND · EXECUTIVE BRIEF", pt=14,
                 bold=True, colour=kit.PALE, name="kicker")
    kit.add_text(slide, left, 2.1, width, 1.9, deck.tenant_name, pt=44, min_pt=20, bold=True,
                 colour=kit.WHITE, anchor=MSO_ANCHOR.MIDDLE, spacing=1.1, name="tenant")
    kit.add_text(slide, left, 4.2, width, 0.5, period_text(ctx), pt=20, min_pt=14,
                 colour=kit.RULE, name="period")
    kit.add_text(slide, left, 4.75, width, 0.45,
                 f"Scope: {ctx.result.scope} incidents · Generated {generated_text(ctx)}",
                 pt=14, min_pt=11, colour=kit.PALE, name="generated")
    kit.add_text(slide, left, 6.55, width, 0.4,
                 "Figures from the mikpi KPI engine; definitions are in the speaker notes.",
                 pt=12, colour=kit.PALE, italic=True)
    kit.set_notes(slide, (
        f"Executive brief for {deck.tenant_name}. {period_text(ctx)}. Generated {generated_text(ctx)}; "
        f"scope: {ctx.result.scope} incidents.\n\nHow to read the numbers:\n{status_rules(ctx)}\n\n"
        f"KPIs in this deck:\n{definitions(HEADLINE_KPIS)}"))
    return slide


# ---------------------------------------------------------------- 2 headline


def headline_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = kit.content_slide(prs, "Headline KPIs against baseline and target",
                              "Latest window against the week-one baseline; status on the glide path to "
                              "each target's due week", deck.footer, page)
    top, height = kit.CONTENT_TOP_IN + 0.02, kit.CONTENT_BOTTOM_IN - kit.CONTENT_TOP_IN - 0.02
    for (left, width), kpi in zip(kit.grid(len(HEADLINE_KPIS), kit.CONTENT_W_IN, 0.25), HEADLINE_KPIS):
        status = deck.figure(kpi, "status")
        kit.add_rect(slide, left, top, width, height, kit.LIGHT)
        kit.add_rect(slide, left, top, width, 0.08, kit.status_colour(status))
        inner, iw = left + 0.1, width - 0.2
        kit.add_text(slide, inner, top + 0.18, iw, 0.6, kpi_label(kpi), pt=16, min_pt=11, bold=True,
                     colour=kit.NAVY, name=f"label {kpi}")
        kit.add_text(slide, inner, top + 0.78, iw, 0.62, format_value(kpi, deck.figure(kpi, "value")),
                     pt=30, min_pt=16, bold=True, colour=kit.INK, name=f"value {kpi}")
        week = deck.figure(kpi, "week")
        kit.add_text(slide, inner, top + 1.4, iw, 0.3,
                     f"Latest window · week {_int(week)} · n = {_int(deck.figure(kpi, 'n'))}",
                     pt=11, min_pt=9, colour=kit.MUTED)
        kit.add_rect(slide, inner + 0.1, top + 1.78, iw - 0.2, 0.015, kit.RULE)
        rows = (
            ("Baseline", (f"{format_value(kpi, deck.figure(kpi, 'baseline'))} "
                          f"(n = {_int(deck.figure(kpi, 'baseline_n'))})")),
            ("Improvement", format_improvement(deck.figure(kpi, "improvement_pct"))),
            ("90 % interval", format_interval(deck.figure(kpi, "improvement_ci_low"),
                                              deck.figure(kpi, "improvement_ci_high"))),
            ("Target", target_text(deck.figure(kpi, "target_min_pct"),
                                   deck.figure(kpi, "target_stretch_pct"), deck.figure(kpi, "due_week"))),
        )
        y = top + 1.86
        for label, value in rows:
            kit.add_text(slide, inner, y, iw, 0.26, label, pt=10, colour=kit.MUTED)
            kit.add_text(slide, inner, y + 0.22, iw, 0.33 if label != "Target" else 0.55, value, pt=13,
                         min_pt=10, colour=kit.INK, name=f"{label.lower()} {kpi}")
            y += 0.6
        kit.add_pill(slide, inner + 0.1, top + height - 0.58, iw - 0.2, 0.42, status)
    kit.set_notes(slide, f"Definitions:\n{definitions(HEADLINE_KPIS)}\n\n{status_rules(ctx)}")
    return slide


# ---------------------------------------------------------------- 3 trends


def _target_level(kpi: str, baseline: object, min_pct: object) -> float | None:
    """The value that meets the minimum target: the target line on a trend chart."""
    if baseline is None or min_pct is None:
        return None
    sign = -1 if kpi in LOWER_IS_BETTER else 1
    return float(baseline) * (1 + sign * float(min_pct) / 100)


def trends_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = kit.content_slide(prs, "Trends by programme week",
                              "Weekly values against the baseline and the level that meets the minimum "
                              "target (editable charts)", deck.footer, page)
    cols = kit.grid(2, kit.CONTENT_W_IN, 0.3)
    heights = (kit.CONTENT_BOTTOM_IN - kit.CONTENT_TOP_IN - 0.15) / 2
    for i, kpi in enumerate(HEADLINE_KPIS):
        left, width = cols[i % 2]
        top = kit.CONTENT_TOP_IN + (i // 2) * (heights + 0.15)
        series = weekly_series(ctx, kpi)
        if series.empty:
            kit.add_rect(slide, left, top, width, heights, kit.LIGHT)
            kit.add_text(slide, left, top + heights / 2 - 0.3, width, 0.6,
                         f"{kpi_label(kpi)}: no weekly data yet", pt=14, colour=kit.MUTED,
                         align=PP_ALIGN.CENTER, name=f"trend {kpi}")
            continue
        weeks = series["week"].astype(int).tolist()
        values = series["value"].astype(object).where(series["value"].notna(), None).tolist()
        baseline = deck.figure(kpi, "baseline")
        lines = [Line("Weekly value", values, kit.ACCENT)]
        if baseline is not None:
            lines.append(Line("Baseline", [float(baseline)] * len(weeks), kit.GREY, 1.5, True, False))
        target = _target_level(kpi, baseline, deck.figure(kpi, "target_min_pct"))
        if target is not None:
            lines.append(Line("Target (minimum)", [target] * len(weeks), kit.GREEN, 1.5, True, False))
        line_chart(slide, left, top, width, heights, title=f"{kpi_label(kpi)} ({kpi_unit(kpi)})",
                   categories=[f"W{w}" for w in weeks], lines=lines,
                   number_format="0" if kpi in DURATION_KPIS else '0"%"', name=f"trend {kpi}")
    kit.set_notes(slide, (
        f"Each chart shows one KPI's value in each programme week (the week's items only), the "
        f"baseline and the level that meets the minimum target. Weeks without items are gaps.\n\n"
        f"Definitions:\n{definitions(HEADLINE_KPIS)}\n\n{status_rules(ctx)}"))
    return slide


# ---------------------------------------------------------------- 4 where the time goes

PHASES = (("mtta_minutes", "Acknowledge (MTTA)"), ("mttm_minutes", "Mitigate"),
          ("mttr_minutes", "Resolve (MTTR)"))


def _nb(minutes: object) -> str:
    """Minutes as text that never breaks inside the figure (``3 h 20 min`` on one line)."""
    return format_minutes(minutes).replace(" ", "\u00a0")


def slowest_services(ctx: ExportContext, limit: int = 6) -> pd.DataFrame:
    """The services with the highest mean MTTR in the engine's breakdowns (key, value, n)."""
    bd = ctx.result.breakdowns
    if bd.empty:
        return pd.DataFrame(columns=["key", "value", "n"])
    rows = bd[(bd["tenant"] == ctx.tenant) & (bd["dimension"] == "service") & (bd["kpi"] == "mttr_minutes")]
    rows = rows[rows["value"].notna()]
    return rows.sort_values(["value", "key"], ascending=[False, True]).head(limit)[["key", "value", "n"]]


def time_slide(prs, deck: Deck, page: int):
    ctx = deck.ctx
    slide = kit.content_slide(prs, "Where the time goes",
                              "Mean minutes from opened to acknowledged, mitigated and resolved; the "
                              "slowest services by MTTR", deck.footer, page)
    (left_x, left_w), (right_x, right_w) = kit.grid(2, kit.CONTENT_W_IN, 0.4)
    chart_h = 4.35
    phases = [(k, name) for k, name in PHASES if deck.figure(k, "value") is not None
              or deck.figure(k, "baseline") is not None]
    if phases:
        bar_chart(slide, left_x, kit.CONTENT_TOP_IN, left_w, chart_h,
                  title="Baseline vs latest window (minutes)", categories=[n for _, n in phases],
                  bars=[Bars("Baseline", [deck.figure(k, "baseline") for k, _ in phases], kit.GREY),
                        Bars("Latest window", [deck.figure(k, "value") for k, _ in phases], kit.ACCENT)],
                  name="time split")
        caption = ("Latest window: acknowledged after " + _nb(deck.figure("mtta_minutes", "value"))
                   + ", service restored after " + _nb(deck.figure("mttm_minutes", "value"))
                   + ", resolved after " + _nb(deck.figure("mttr_minutes", "value")) + " on average.")
    else:
        caption = "No duration figures in this result."
    kit.add_text(slide, left_x, kit.CONTENT_TOP_IN + chart_h + 0.1, left_w, 0.7, caption, pt=13,
                 min_pt=10, colour=kit.INK, name="time caption")

    # PowerPoint draws the first category at the bottom: ascending puts the slowest on top.
    slow = slowest_services(ctx).iloc[::-1]
    if slow.empty:
        kit.add_text(slide, right_x, kit.CONTENT_TOP_IN + 1.5, right_w, 0.6,
                     "No service breakdown in this result.", pt=14, colour=kit.MUTED)
    else:
        label_chars = 34
        names = [kit.ellipsize(str(k), label_chars) + f" (n={int(n)})" for k, n in zip(slow["key"], slow["n"])]
        bar_chart(slide, right_x, kit.CONTENT_TOP_IN, right_w, chart_h,
                  title="Slowest services: mean MTTR (minutes)", categories=names,
                  bars=[Bars("MTTR (min)", slow["value"].astype(float).tolist(), kit.ACCENT)],
                  horizontal=True, name="slowest services")
        top = slow.iloc[-1]
        kit.add_text(slide, right_x, kit.CONTENT_TOP_IN + chart_h + 0.1, right_w, 0.7,
                     f"Slowest: {top['key']} at {_nb(top['value'])} mean MTTR "
                     f"over {int(top['n'])} incidents.", pt=13, min_pt=10, colour=kit.INK,
                     name="services caption")
    kit.set_notes(slide, (
        "Left: the engine's baseline and latest-window means for each phase, all measured from the "
        "time the incident was opened. Right: mean MTTR by business service over the selected period "
        "(the engine's service breakdown); n is the number of resolved incidents.\n\n"
        f"Definitions:\n{definitions([k for k, _ in PHASES])}\n\n{status_rules(ctx)}"))
    return slide


# ---------------------------------------------------------------- shared by later slides


def kpi_tile(slide, deck: Deck, kpi: str, left: float, top: float, width: float, height: float) -> None:
    """A compact KPI tile: label, latest value, baseline and improvement, status pill if targeted."""
    status = deck.figure(kpi, "status")
    kit.add_rect(slide, left, top, width, height, kit.LIGHT)
    kit.add_rect(slide, left, top, 0.07, height, kit.status_colour(status) if status else kit.ACCENT)
    inner, iw = left + 0.15, width - 0.25
    kit.add_text(slide, inner, top + 0.08, iw, 0.36, kpi_label(kpi), pt=13, min_pt=10, bold=True,
                 colour=kit.NAVY, name=f"label {kpi}")
    kit.add_text(slide, inner, top + 0.42, iw * 0.55, 0.6, format_value(kpi, deck.figure(kpi, "value")),
                 pt=26, min_pt=14, bold=True, colour=kit.INK, name=f"value {kpi}")
    if status:
        kit.add_pill(slide, inner + iw * 0.58, top + 0.52, iw * 0.42, 0.36, status, pt=11)
    if deck.figure(kpi, "value") is None and deck.figure(kpi, "baseline") is None:
        detail = "No records loaded for this KPI yet"
    else:
        detail = (f"Baseline {format_value(kpi, deck.figure(kpi, 'baseline'))} · "
                  f"{format_improvement(deck.figure(kpi, 'improvement_pct'))} · "
                  f"n = {_int(deck.figure(kpi, 'n'))}")
    kit.add_text(slide, inner, top + 1.03, iw, 0.5, detail, pt=11, min_pt=9, colour=kit.MUTED,
                 name=f"detail {kpi}")
