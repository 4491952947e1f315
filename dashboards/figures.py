"""Plotly figure builders shared by the dashboard and the notebooks.

Each builder is a pure function of the engine's :class:`~analytics.kpis.result.KpiResult`
(and a tenant), or of one listing from :mod:`analytics.details`, and returns a
``go.Figure``. Builders never open the store and never compute a KPI: the
numbers on a chart are the engine's, and every label goes through
:mod:`analytics.formatting` so a chart reads like the cards and the artefacts.

>>> from dashboards.figures import build_kpi_trend
>>> fig = build_kpi_trend(result, "Aurora Bank", "mttr_minutes")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.formatting import (
    STATUS_COLOURS,
    format_improvement,
    format_interval,
    format_minutes,
    format_status,
    format_value,
    kpi_label,
    kpi_unit,
)
from analytics.kpis.result import LOWER_IS_BETTER, KpiResult

PORTFOLIO = "ALL"
FONT = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
INK = "#1B2A3A"
SERIES = "#1F4E79"
BASELINE = "#5B6770"
BAND = "rgba(0, 158, 115, 0.13)"
BAND_EDGE = "#009E73"
NEUTRAL = "#8C8C8C"
CHECKPOINTS = ("week4", "week8", "week13")
CHECKPOINT_LABELS = {"week4": "Week 4", "week8": "Week 8", "week13": "Week 13", "latest": "Latest"}

LANES = ("Decisions", "Communications", "Updates due", "Technical lead", "Service owner",
         "Executive liaison", "Record")
LANE_OF = {"communications": "Communications", "technical_lead": "Technical lead",
           "service_owner": "Service owner", "executive_liaison": "Executive liaison",
           "commander": "Decisions"}
LANE_COLOURS = {"Decisions": "#332288", "Communications": "#0072B2", "Technical lead": "#E69F00",
                "Service owner": "#CC79A7", "Executive liaison": "#56B4E9", "Record": NEUTRAL}
MILESTONES = (("opened_at", "Opened"), ("acknowledged_at", "Acknowledged"), ("declared_at", "Declared"),
              ("mitigated_at", "Mitigated"), ("resolved_at", "Resolved"))
NICE_BIN_WIDTHS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320,
                   10080, 20160, 43200)

__all__ = [
    "build_duration_distribution",
    "build_incident_timeline",
    "build_kpi_trend",
    "build_overdue_by_owner",
    "build_repeats_by_service",
    "incidents_for",
    "status_colour",
]


def status_colour(status: str | None) -> str:
    """The one colour of a status everywhere on the dashboard (grey when there is no status)."""
    return STATUS_COLOURS.get(status or "", NEUTRAL)


def incidents_for(result: KpiResult, tenant: str) -> pd.DataFrame:
    """The incidents behind ``tenant``'s numbers; the portfolio pools every tenant's rows."""
    inc = result.incidents
    if inc.empty or "tenant" not in inc.columns:
        return inc
    mine = inc["tenant"] == tenant
    if tenant == PORTFOLIO and not mine.any():
        return inc
    # a tenant's own view (the dashboard's split) is all its rows: the frame itself, not a copy of it
    return inc if mine.all() else inc[mine]


def _rows(frame: pd.DataFrame, tenant: str, kpi: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[(frame["tenant"] == tenant) & (frame["kpi"] == kpi)]


def _num(value: object) -> float | None:
    """A cell as a float, or None for null/NaN (pandas gives NaN, None or pd.NA)."""
    if value is None or value is pd.NA:
        return None
    out = float(value)
    return None if np.isnan(out) else out


# A small house template: plotly's named templates are deep-copied on every use
# (~15 ms a figure); this one costs ~1 ms and carries only what we set.
TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": [SERIES, "#E69F00", "#009E73", "#CC79A7"],
    "xaxis": {"gridcolor": "#EEF1F4", "zeroline": False, "showline": True, "linecolor": "#C9D1D9",
              "automargin": True},
    "yaxis": {"gridcolor": "#EEF1F4", "zeroline": False, "showline": True, "linecolor": "#C9D1D9",
              "automargin": True},
})


def _layout(*, title: str, x_title: str, y_title: str, height: int = 380) -> dict:
    """House look, as a layout dict: white, large readable type for a projector, legend under the plot.

    Why a dict: each builder fills it and makes the figure once (``go.Figure(data, layout)``,
    one validation pass). Plotly's ``update_layout`` / ``update_xaxes`` per setting cost
    ~20 ms a figure, most of what a tenant switch spent on its charts.
    """
    return {
        "template": TEMPLATE,
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 18, "color": INK}},
        "font": {"family": FONT, "size": 14, "color": INK},
        "height": height,
        "margin": {"l": 70, "r": 20, "t": 56, "b": 40},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0, "font": {"size": 12},
                   "traceorder": "normal", "entrywidth": 0.5, "entrywidthmode": "fraction"},
        "hoverlabel": {"font": {"family": FONT, "size": 13}},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
    }


def _vlines(layout: dict, marks: list[tuple[object, str]]) -> None:
    """Dotted verticals with a small label on top (shapes and annotations of the layout)."""
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
               "line": {"color": "#9AA5B1", "width": 1, "dash": "dot"}} for x, _ in marks]
    # alternate label heights so neighbours (opened / acknowledged) never print over each other
    notes = [{"x": x, "y": 1, "xref": "x", "yref": "paper", "text": label, "showarrow": False,
              "yanchor": "bottom", "yshift": 13 * (i % 2), "font": {"size": 11, "color": "#5B6770"}}
             for i, (x, label) in enumerate(marks)]
    layout["shapes"] = [*layout.get("shapes", []), *shapes]
    layout["annotations"] = [*layout.get("annotations", []), *notes]


def _note_empty(layout: dict, message: str) -> None:
    """A grey message in the middle of the plot, axes hidden."""
    layout["annotations"] = [*layout.get("annotations", []), {
        "text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "showarrow": False,
        "font": {"size": 16, "color": NEUTRAL}}]
    layout["xaxis"]["visible"] = False
    layout["yaxis"]["visible"] = False


def _empty(layout: dict, message: str) -> go.Figure:
    """A figure without traces that says why."""
    _note_empty(layout, message)
    return _figure([], layout)


def _trace(kind: str, **props: object) -> dict:
    """One trace as a plain dict (``type`` and its properties), for :func:`_figure`."""
    return {"type": kind, **props}


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """The figure, made without plotly's per-property validation (``_validate=False``).

    Why: validating a figure costs 10-30 ms (its traces' arrays are coerced and copied);
    a tenant switch builds eight. The builders pass numpy arrays, lists and plain dicts
    only, and ``tests/test_figures.py`` rebuilds every figure *with* validation and
    compares the JSON, so a misspelt property still fails a test.
    """
    return go.Figure(data=traces, layout=layout, _validate=False)


def _count_axis(layout: dict, top: float, axis: str = "y") -> None:
    """Whole-number ticks for counts (no "2.5 incidents")."""
    layout[f"{axis}axis"].update(tickformat=",d", rangemode="tozero", **({"dtick": 1} if top <= 8 else {}))


def target_band(kpi: str, baseline: float | None, min_pct: float | None,
                stretch_pct: float | None) -> tuple[float, float] | None:
    """Values at the minimum and the stretch target: ``baseline·(1 ∓ pct/100)`` by the KPI's direction."""
    if baseline is None or min_pct is None or stretch_pct is None:
        return None
    sign = -1.0 if kpi in LOWER_IS_BETTER else 1.0
    return baseline * (1 + sign * min_pct / 100), baseline * (1 + sign * stretch_pct / 100)


def build_kpi_trend(result: KpiResult, tenant: str, kpi: str) -> go.Figure:
    """Weekly values of one KPI with its baseline line, target band and checkpoint window values.

    Traces, in order: ``weekly`` (the engine's weekly values, gaps where ``n = 0``),
    ``baseline``, then ``target_min`` and ``target_band`` (filled to the stretch
    value) when the KPI has a target, then ``checkpoints`` (window value at weeks
    4 / 8 / 13 and latest, coloured by status). Dotted verticals mark weeks 4 / 8 / 13.
    """
    unit = kpi_unit(kpi)
    label = kpi_label(kpi)
    layout = _layout(title=label, x_title="Programme week", y_title=f"{label} ({unit})")
    weekly = _rows(result.weekly, tenant, kpi).sort_values("week")
    if weekly.empty:
        return _empty(layout, "No weekly data for this selection")
    weeks = weekly["week"].astype(int).to_numpy()
    values = pd.to_numeric(weekly["value"], errors="coerce").to_numpy(dtype=float)
    starts = pd.to_datetime(weekly["week_start"]).dt.strftime("%d %b %Y").to_numpy()
    hover = [f"Week {w} (from {s})<br>{format_value(kpi, v)} · n = {n}"
             for w, s, v, n in zip(weeks, starts, values, weekly["n"].to_numpy())]
    traces = [_trace("scatter", 
        x=weeks, y=values, name="Weekly value", uid="weekly", mode="lines+markers",
        line={"color": SERIES, "width": 3}, marker={"size": 7}, connectgaps=False,
        hovertext=hover, hoverinfo="text")]
    first, last = int(weeks.min()), int(weeks.max())
    cps = _rows(result.checkpoints, tenant, kpi)
    if not cps.empty:
        ref = cps.iloc[0]
        baseline = _num(ref["baseline"])
        if baseline is not None:
            traces.append(_trace("scatter", 
                x=[first, last], y=[baseline, baseline], name=f"Baseline {format_value(kpi, baseline)}",
                uid="baseline", mode="lines", line={"color": BASELINE, "width": 2, "dash": "dash"},
                hovertext=f"Baseline: {format_value(kpi, baseline)} (n = {ref['baseline_n']})",
                hoverinfo="text"))
        band = target_band(kpi, baseline, _num(ref["target_min_pct"]), _num(ref["target_stretch_pct"]))
        if band is not None:
            low, high = band
            due = _num(ref["due_week"])
            due_text = f" by week {int(due)}" if due is not None else ""
            traces.append(_trace("scatter", 
                x=[first, last], y=[low, low], uid="target_min", mode="lines", showlegend=False,
                name="Minimum target", line={"color": BAND_EDGE, "width": 1, "dash": "dot"},
                hovertext=f"Minimum target ({format_improvement(ref['target_min_pct'])}){due_text}: "
                          f"{format_value(kpi, low)}", hoverinfo="text"))
            traces.append(_trace("scatter", 
                x=[first, last], y=[high, high], uid="target_band", mode="lines", fill="tonexty",
                fillcolor=BAND, line={"color": BAND_EDGE, "width": 1, "dash": "dot"},
                name=f"Target band{due_text}",
                hovertext=f"Stretch target ({format_improvement(ref['target_stretch_pct'])}){due_text}: "
                          f"{format_value(kpi, high)}", hoverinfo="text"))
        _add_checkpoints(traces, layout, kpi, cps)
    layout["xaxis"].update(range=[first - 0.5, last + 0.5], **({"dtick": 1} if last <= 20 else {}))
    layout["yaxis"].update(rangemode="tozero", ticksuffix=" %" if unit == "%" else "")
    return _figure(traces, layout)


def _add_checkpoints(traces: list, layout: dict, kpi: str, cps: pd.DataFrame) -> None:
    named = cps[cps["checkpoint"].isin(CHECKPOINTS)]
    latest = cps[(cps["checkpoint"] == "latest") & ~cps["week"].isin(named["week"])]
    shown = pd.concat([named, latest]).sort_values("week")
    _vlines(layout, [(int(w), CHECKPOINT_LABELS[c]) for w, c in zip(named["week"], named["checkpoint"])])
    if shown.empty:
        return
    hover = [
        f"<b>{CHECKPOINT_LABELS[c]}</b> (week {int(w)}) window: {format_value(kpi, v)} · n = {n}"
        f"<br>Improvement {format_improvement(i)} 90 % interval {format_interval(lo, hi)}"
        f"<br>Expected on glide path {format_improvement(e)} · {format_status(s)}"
        for c, w, v, n, i, lo, hi, e, s in zip(
            shown["checkpoint"], shown["week"], shown["value"], shown["n"], shown["improvement_pct"],
            shown["improvement_ci_low"], shown["improvement_ci_high"], shown["expected_pct"],
            shown["status"])]
    traces.append(_trace("scatter", 
        x=shown["week"].astype(int).to_numpy(), y=pd.to_numeric(shown["value"]).to_numpy(dtype=float),
        uid="checkpoints", name="Checkpoint (window value)", mode="markers",
        marker={"symbol": "diamond", "size": 15, "line": {"color": "white", "width": 1.5},
                "color": [status_colour(s) for s in shown["status"]]},
        hovertext=hover, hoverinfo="text"))


def _bin_width(span: float, bins: int = 20) -> float:
    raw = max(span, 1.0) / bins
    return float(next((w for w in NICE_BIN_WIDTHS if w >= raw), NICE_BIN_WIDTHS[-1]))


def build_duration_distribution(result: KpiResult, tenant: str, kpi: str = "mttr_minutes") -> go.Figure:
    """Histogram of one duration KPI over the incidents, with the engine's mean, median and p90.

    Bins are round durations (15 min, 1 h, ...); the last bin also holds the
    long tail beyond the 98th percentile so the bulk stays readable. Negative or
    missing durations (excluded by the engine) are not plotted.
    """
    label = kpi_label(kpi)
    layout = _layout(title=f"{label} distribution", x_title=f"{label} (minutes)", y_title="incidents")
    inc = incidents_for(result, tenant)
    values = (pd.to_numeric(inc[kpi], errors="coerce").to_numpy(dtype=float)
              if kpi in inc.columns else np.array([]))
    values = values[~np.isnan(values) & (values >= 0)]
    if values.size == 0:
        return _empty(layout, "No incidents with this duration")
    stats = _rows(result.overall, tenant, kpi)
    marks = {}
    if not stats.empty:
        row = stats.iloc[0]
        marks = {name: _num(row[name]) for name in ("mean", "median", "p90") if name in row.index}
        marks = {k: v for k, v in marks.items() if v is not None}
    upper = max([float(np.quantile(values, 0.98)), *marks.values()])
    width = _bin_width(upper)
    top = (np.floor(upper / width) + 1) * width
    edges = np.arange(0.0, top + width, width)
    counts, _ = np.histogram(np.minimum(values, top), bins=edges)
    labels = [f"{format_minutes(a)} – {format_minutes(b)}" for a, b in pairwise(edges)]
    labels[-1] = f"≥ {format_minutes(edges[-2])}"
    traces = [_trace("bar", 
        x=(edges[:-1] + width / 2), y=counts, width=width * 0.92, uid="histogram", name="Incidents",
        marker={"color": SERIES}, showlegend=False,
        hovertext=[f"{lab}: {c} incidents" for lab, c in zip(labels, counts)], hoverinfo="text")]
    peak = float(counts.max()) * 1.08
    styles = {"mean": (INK, "solid"), "median": ("#0072B2", "dash"), "p90": ("#D55E00", "dot")}
    for name, value in marks.items():  # the engine's statistics, as legend-named lines
        colour, dash = styles[name]
        traces.append(_trace("scatter", 
            x=[value, value], y=[0, peak], mode="lines", uid=f"stat:{name}",
            name=f"{name} {format_minutes(value)}", line={"color": colour, "width": 2.5, "dash": dash},
            hovertext=f"{name}: {format_minutes(value)}", hoverinfo="text"))
    layout["xaxis"]["range"] = [0, top + width]
    _count_axis(layout, peak)
    return _figure(traces, layout)


def build_repeats_by_service(result: KpiResult, tenant: str, top: int = 10) -> go.Figure:
    """Repeat incidents per service (stacked on the service's other incidents), most repeats first."""
    layout = _layout(title="Repeat incidents by service", x_title="incidents", y_title="service")
    inc = incidents_for(result, tenant)
    if inc.empty:
        return _empty(layout, "No incidents in this selection")
    service = inc["service"].fillna("(no service)")
    if inc["tenant"].nunique() > 1:  # the portfolio: the same service name may be two clients' services
        service = service + " · " + inc["tenant"].astype(str)
    counts = (inc.assign(service=service, is_repeat=inc["is_repeat"].fillna(False).astype(bool))
              .groupby("service", sort=False)
              .agg(incidents=("incident_id", "size"), repeats=("is_repeat", "sum")))
    counts = counts[counts["repeats"] > 0].sort_values(["repeats", "incidents"], ascending=False).head(top)
    if counts.empty:
        return _empty(layout, "No repeat incidents")
    counts = counts.iloc[::-1]  # largest bar on top
    services = counts.index.to_numpy()
    repeats = counts["repeats"].to_numpy()
    others = (counts["incidents"] - counts["repeats"]).to_numpy()
    hover = [f"{s}: {r} repeat of {n} incidents" if r == 1 else f"{s}: {r} repeats of {n} incidents"
             for s, r, n in zip(services, repeats, counts["incidents"].to_numpy())]
    traces = [_trace("bar", y=services, x=repeats, orientation="h", name="Repeat incidents", uid="repeats",
                     marker={"color": STATUS_COLOURS["off_track"]}, hovertext=hover, hoverinfo="text"),
              _trace("bar", y=services, x=others, orientation="h", name="Other incidents", uid="others",
                     marker={"color": "#C9D1D9"}, hovertext=hover, hoverinfo="text")]
    layout["barmode"] = "stack"
    _count_axis(layout, float(counts["incidents"].max()), axis="x")
    layout["yaxis"].update(title={"text": ""}, automargin=True)
    return _figure(traces, layout)


def build_overdue_by_owner(actions: pd.DataFrame, top: int = 10) -> go.Figure:
    """Overdue PIR and mitigation actions per owner (from ``analytics.details.action_tracker``)."""
    layout = _layout(title="Overdue actions by owner", x_title="overdue actions", y_title="owner")
    overdue = actions[actions["status"] == "overdue"] if not actions.empty else actions
    if overdue.empty:
        return _empty(layout, "No overdue actions")
    by_owner = (overdue.assign(owner=overdue["owner"].fillna("(no owner)"))
                .groupby("owner").agg(actions=("action_id", "size"), oldest=("days_overdue", "max"))
                .sort_values(["actions", "oldest"], ascending=False).head(top).iloc[::-1])
    hover = [f"{o}: {a} overdue, oldest {int(d)} days" for o, a, d in
             zip(by_owner.index, by_owner["actions"], by_owner["oldest"].fillna(0))]
    bar = _trace("bar", y=by_owner.index.to_numpy(), x=by_owner["actions"].to_numpy(), orientation="h",
                 uid="overdue", name="Overdue actions", showlegend=False,
                 marker={"color": STATUS_COLOURS["off_track"]}, hovertext=hover, hoverinfo="text")
    _count_axis(layout, float(by_owner["actions"].max()), axis="x")
    layout["yaxis"].update(title={"text": ""}, automargin=True)
    return _figure([bar], layout)


def timeline_lanes(timeline: pd.DataFrame) -> pd.Series:
    """The dashboard lane of each timeline entry: decisions apart, then the role lanes, else the record."""
    lane = timeline["lane"].map(LANE_OF).fillna("Record")
    return lane.mask(timeline["kind"] == "decision", "Decisions")


def build_incident_timeline(incident: Mapping, timeline: pd.DataFrame,
                            slots: pd.DataFrame | None = None) -> go.Figure:
    """One incident's command timeline: a lane per role, decisions, and status updates against due times.

    ``incident`` is the incident's row of ``result.incidents``; ``timeline`` is
    ``analytics.details.incident_timeline``; ``slots`` is the engine's
    ``update_slots`` (one row per due update with ``due_at``, ``met``,
    ``first_update_at``), drawn in the "Updates due" lane: met in the "met"
    colour, missed in the "off track" colour.
    """
    title = f"{incident.get('incident_id', '')} · {incident.get('title') or ''}".strip(" ·")
    layout = _layout(title=title, x_title="time (UTC)", y_title="", height=450)
    layout["margin"].update(l=140, t=80)
    traces: list = []
    has_rows = not timeline.empty or (slots is not None and not slots.empty)
    if not has_rows:
        _note_empty(layout, "No timeline entries recorded for this incident")
    if not timeline.empty:
        tl = timeline.assign(_lane=timeline_lanes(timeline),
                             _text=timeline["text"].fillna("").astype(str).str.slice(0, 140))
        when = pd.to_datetime(tl["occurred_at"]).dt.strftime("%d %b %H:%M")
        tl = tl.assign(_hover="<b>" + when + " UTC</b> · " + tl["kind"].fillna("").str.replace("_", " ")
                       + "<br>" + tl["_text"] + "<br>" + tl["actor"].fillna("").astype(str))
        for lane in LANES:
            part = tl[tl["_lane"] == lane]
            if part.empty:
                continue
            symbol = np.where(part["kind"] == "decision", "diamond",
                              np.where(part["kind"] == "state_change", "square", "circle"))
            traces.append(go.Scatter(
                x=part["occurred_at"], y=part["_lane"], mode="markers", name=lane, uid=f"lane:{lane}",
                marker={"color": LANE_COLOURS[lane], "size": 13, "symbol": symbol,
                        "line": {"color": "white", "width": 1}},
                hovertext=part["_hover"], hoverinfo="text", showlegend=False))
    if slots is not None and not slots.empty:
        _add_slots(traces, slots)
    marks = _milestones(incident)
    _vlines(layout, marks)
    layout["yaxis"].update(categoryorder="array", categoryarray=list(reversed(LANES)), type="category",
                           range=[-0.5, len(LANES) - 0.5], showgrid=True)
    layout["legend"].update(y=-0.2, entrywidthmode="pixels", entrywidth=190)
    if len(marks) >= 2:  # open on the incident's active span; later entries (closure) are a zoom away
        first, last = marks[0][0], marks[-1][0]
        pad = max((last - first) * 0.06, pd.Timedelta(minutes=5))
        layout["xaxis"]["range"] = [first - pad, last + pad]
    return go.Figure(data=traces, layout=layout)


def _milestones(incident: Mapping) -> list[tuple[pd.Timestamp, str]]:
    """Opened … resolved in time order; milestones at the same instant share one label."""
    present = [(pd.Timestamp(incident[c]), label) for c, label in MILESTONES
               if incident.get(c) is not None and not pd.isna(incident.get(c))]
    merged: dict[pd.Timestamp, list[str]] = {}
    for when, label in sorted(present, key=lambda m: m[0]):  # at most five milestones
        merged.setdefault(when, []).append(label)
    return [(when, " / ".join(labels)) for when, labels in merged.items()]


def _add_slots(traces: list, slots: pd.DataFrame) -> None:
    met = slots["met"].fillna(False).astype(bool)
    first = pd.to_datetime(slots["first_update_at"]).dt.strftime("%H:%M").fillna("none")
    due = pd.to_datetime(slots["due_at"]).dt.strftime("%d %b %H:%M")
    hover = ("Update " + slots["j"].astype(str) + " due " + due + " UTC — "
             + np.where(met, "met (first update " + first + ")", "missed"))
    for flag, name, symbol, status in ((True, "Update due: met", "triangle-up", "met"),
                                       (False, "Update due: missed", "x", "off_track")):
        part = slots[met == flag]
        if part.empty:
            continue
        traces.append(go.Scatter(
            x=part["due_at"], y=["Updates due"] * len(part), mode="markers", name=name,
            uid=f"slots:{status}", marker={"color": STATUS_COLOURS[status], "size": 13, "symbol": symbol},
            hovertext=hover[met == flag], hoverinfo="text"))
