"""Headline KPI cards: the engine's latest checkpoint per KPI, formatted once, rendered as HTML.

A card answers "are we on track?" for one KPI: the current window value, the
baseline, the improvement with its 90 % interval, the target and due week, the
status in its colour, and the sample sizes behind it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from dash import html

from analytics.formatting import (
    EMPTY,
    KPI_DEFINITIONS,
    format_improvement,
    format_interval,
    format_status,
    format_value,
    kpi_label,
)
from analytics.kpis.result import KPIS, KpiResult
from dashboards.figures import PORTFOLIO, status_colour


@dataclass(frozen=True)
class Chip:
    """One named checkpoint (week 4 / 8 / 13) on a card: "are we on track for week 8?" at a glance."""

    label: str        # "Wk 8"
    improvement: str  # "+25.3 %"
    status: str | None
    colour: str
    detail: str       # hover text: window value, expected improvement, status


@dataclass(frozen=True)
class Card:
    """Everything one card shows, as display text (what the browser test reads back)."""

    kpi: str
    label: str
    value: str
    window: str
    baseline: str
    improvement: str
    interval: str
    target: str
    status: str | None
    status_text: str
    colour: str
    sample: str
    has_target: bool
    checkpoints: tuple[Chip, ...] = ()


def tenant_settings(result: KpiResult, tenant: str) -> dict:
    """Defaults with the tenant's (or the portfolio's) settings merged over them."""
    settings = result.settings or {}
    merged = dict(settings.get("defaults", {}))
    over = settings.get("portfolio", {}) if tenant == PORTFOLIO else settings.get("tenants", {}).get(tenant, {})
    merged.update(over)
    return merged


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value)


def _window_text(week: object, settings: dict) -> str:
    if not _present(week):
        return "No data yet"
    w = int(week)
    first = max(int(settings.get("baseline_weeks", 1)) + 1, w - int(settings.get("window_weeks", 4)) + 1)
    return f"Week {w} window (weeks {first}–{w})" if first < w else f"Week {w} window"


def _chips(kpi: str, named: pd.DataFrame | None) -> tuple[Chip, ...]:
    """The week 4 / 8 / 13 checkpoints the engine reported for ``kpi``, in week order (at most three)."""
    if named is None or named.empty:
        return ()
    rows = named[named["kpi"] == kpi].sort_values("week")
    chips = []
    for cp in rows.to_dict("records"):  # at most three checkpoints per KPI
        status = cp["status"] if _present(cp["status"]) else None
        chips.append(Chip(
            label=f"Wk {int(cp['week'])}", improvement=format_improvement(cp["improvement_pct"]),
            status=status, colour=status_colour(status),
            detail=(f"Week {int(cp['week'])} window: {format_value(kpi, cp['value'])} (n = "
                    f"{int(cp['n']) if _present(cp['n']) else 0}); improvement "
                    f"{format_improvement(cp['improvement_pct'])}, expected "
                    f"{format_improvement(cp['expected_pct'])}: {format_status(status)}")))
    return tuple(chips)


def _card(kpi: str, cp: pd.Series | None, overall: pd.Series | None, settings: dict,
          named: pd.DataFrame | None = None) -> Card:
    if cp is None:
        n = overall["n"] if overall is not None else None
        return Card(kpi, kpi_label(kpi), format_value(kpi, overall["value"] if overall is not None else None),
                    "Whole period", f"Baseline {EMPTY}", EMPTY, EMPTY, "No target", None, "No target",
                    status_colour(None), f"n = {int(n) if _present(n) else 0}", False)
    has_target = _present(cp["target_min_pct"])
    if has_target:
        due = f" by week {int(cp['due_week'])}" if _present(cp["due_week"]) else ""
        target = (f"Target {format_improvement(cp['target_min_pct'])}{due} "
                  f"(stretch {format_improvement(cp['target_stretch_pct'])})")
    else:
        target = "No target"
    status = cp["status"] if _present(cp["status"]) else None
    status_text = format_status(status) if status else "No target"
    baseline_n = int(cp["baseline_n"]) if _present(cp["baseline_n"]) else 0
    n = int(cp["n"]) if _present(cp["n"]) else 0
    return Card(
        kpi=kpi, label=kpi_label(kpi), value=format_value(kpi, cp["value"]),
        window=_window_text(cp["week"], settings),
        baseline=f"Baseline {format_value(kpi, cp['baseline'])}",
        improvement=format_improvement(cp["improvement_pct"]),
        interval=format_interval(cp["improvement_ci_low"], cp["improvement_ci_high"]),
        target=target, status=status, status_text=status_text, colour=status_colour(status),
        sample=f"n = {n:,} · baseline n = {baseline_n:,}", has_target=has_target,
        checkpoints=_chips(kpi, named) if has_target else ())


def headline_cards(result: KpiResult, tenant: str) -> list[Card]:
    """One card per KPI the engine reported, KPIs with a target first, in the contract's KPI order."""
    cps = result.checkpoints
    latest = cps[(cps["tenant"] == tenant) & (cps["checkpoint"] == "latest")] if not cps.empty else cps
    named_cps = cps[(cps["tenant"] == tenant) & cps["checkpoint"].isin(("week4", "week8", "week13"))] \
        if not cps.empty else None
    overall = result.overall[result.overall["tenant"] == tenant] if not result.overall.empty else result.overall
    by_kpi = latest.drop_duplicates("kpi").set_index("kpi") if not latest.empty else None
    by_overall = overall.drop_duplicates("kpi").set_index("kpi") if not overall.empty else None
    named = set(by_kpi.index if by_kpi is not None else ()) | set(
        by_overall.index if by_overall is not None else ())
    kpis = [k for k in KPIS if k in named] + sorted(named - set(KPIS))  # then variants the engine named
    settings = tenant_settings(result, tenant)

    def row(frame: pd.DataFrame | None, kpi: str) -> pd.Series | None:
        return frame.loc[kpi] if frame is not None and kpi in frame.index else None

    cards = [_card(k, row(by_kpi, k), row(by_overall, k), settings, named_cps) for k in kpis]
    return sorted(cards, key=lambda c: not c.has_target)


def render_card(card: Card) -> html.Div:
    """One card; its left edge and status pill carry the status colour.

    KPIs with a target get the full card (interval, target, sample sizes); the
    others a compact one, so the eye lands on what the programme is judged by.
    """
    lines = [
        html.Div([html.Span(card.label, className="card-label"),
                  html.Span(card.status_text, className="pill", style={"backgroundColor": card.colour})],
                 className="card-head"),
        html.Div(card.value, className="card-value"),
        html.Div(card.window, className="card-window"),
        html.Div([html.Span(card.baseline, className="card-baseline"), " · ",
                  html.Span(["improvement ", html.B(card.improvement, className="card-improvement")],
                            className="nowrap")], className="card-line"),
    ]
    if card.has_target:
        lines += [html.Div(f"90 % interval {card.interval}", className="card-line muted card-interval"),
                  html.Div(card.target, className="card-line card-target")]
    if card.checkpoints:
        lines.append(html.Div([html.Span([html.Span(c.label, className="chip-week"), " ", c.improvement],
                                         className="chip", title=c.detail,
                                         style={"borderColor": c.colour, "color": c.colour})
                               for c in card.checkpoints], className="chips"))
    lines.append(html.Div(card.sample, className="card-line muted card-sample"))
    return html.Div(
        lines,
        id={"type": "kpi-card", "kpi": card.kpi},
        className="kpi-card" + (" primary" if card.has_target else ""),
        style={"borderLeftColor": card.colour},
        title=KPI_DEFINITIONS.get(card.kpi, ""),
    )


def render_cards(result: KpiResult, tenant: str) -> list[html.Div]:
    return [render_card(c) for c in headline_cards(result, tenant)]
