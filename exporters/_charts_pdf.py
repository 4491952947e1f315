"""Vector charts for the proof brief (reportlab graphics drawings, never raster images).

Each chart plots the engine's weekly series as it is; the baseline and target
lines are guides drawn from the checkpoint baseline and the configured
minimum improvement, the same guides the dashboard draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from exporters._pdf import ACCENT, MUTED, NAVY, RULE

TARGET = colors.HexColor("#009E73")
BASELINE = colors.HexColor("#8C8C8C")


def _runs(points: Sequence[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    """Contiguous runs of non-null points: a week without items is a gap, not a zero."""
    series = pd.Series([v for _, v in points], index=[w for w, _ in points], dtype="float64")
    missing = series.isna()
    valid = series[~missing]
    return [list(zip(run.index.astype(int).tolist(), run.tolist()))
            for _, run in valid.groupby(missing.cumsum()[~missing])]


def nice_axis(value: float, ticks: int = 4) -> tuple[float, float]:
    """``(top, step)`` for a y axis from 0 that holds ``value`` in about ``ticks`` round steps.

    >>> nice_axis(23.0), nice_axis(260.0), nice_axis(0.0), nice_axis(0.6)
    ((25.0, 5.0), (300.0, 100.0), (4.0, 1.0), (0.6, 0.2))
    """
    if not value or value <= 0 or math.isnan(value):
        return 4.0, 1.0
    magnitude = 10 ** math.floor(math.log10(value / ticks))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10, 20)
                if math.ceil(value / (m * magnitude)) <= ticks + 1)
    return round(float(step * math.ceil(value / step)), 10), round(float(step), 10)


def _week_step(last: int) -> int:
    return 1 if last <= 10 else 2 if last <= 20 else 4 if last <= 40 else 8


def trend_chart(title: str, unit: str, points: Sequence[tuple[int, float | None]],
                baseline: float | None, target: float | None, checkpoints: Sequence[int],
                font: str, *, width: float = 245, height: float = 158) -> Drawing:
    """Weekly line with the baseline (dashed) and target (green) and checkpoint weeks marked."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName=font, fontSize=8.5, fillColor=NAVY))
    weeks = [w for w, _ in points] or [1]
    first, last = min(weeks), max(max(weeks), 2)
    values = [v for _, v in points if v is not None and not (isinstance(v, float) and math.isnan(v))]
    guides = [g for g in (baseline, target) if g is not None and not math.isnan(g)]
    top, step = nice_axis(max(values + guides + [0.0]) * 1.05)

    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 34, 40, width - 44, height - 72
    series = _runs(points)
    guide_series = []
    if baseline is not None and not math.isnan(baseline):
        guide_series.append(([(first, baseline), (last, baseline)], BASELINE, (3, 2)))
    if target is not None and not math.isnan(target):
        guide_series.append(([(first, target), (last, target)], TARGET, (1, 1.5)))
    plot.data = [s for s, _, _ in guide_series] + series or [[(first, 0.0)]]
    for i, (_, colour, dash) in enumerate(guide_series):
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 1
        plot.lines[i].strokeDashArray = dash
    for i in range(len(guide_series), len(plot.data)):
        plot.lines[i].strokeColor = NAVY if series else colors.transparent
        plot.lines[i].strokeWidth = 1.6
        plot.lines[i].symbol = makeMarker("FilledCircle", size=3, fillColor=NAVY, strokeColor=NAVY)
    x_axis, y_axis = plot.xValueAxis, plot.yValueAxis
    x_axis.valueMin, x_axis.valueMax, x_axis.valueStep = first, last, _week_step(last)
    y_axis.valueMin, y_axis.valueMax, y_axis.valueStep = 0, top, step
    for axis in (x_axis, y_axis):
        axis.labels.fontName, axis.labels.fontSize = font, 6.5
        axis.labels.fillColor = MUTED
        axis.strokeColor = RULE
    x_axis.labelTextFormat = "%d"
    y_axis.labelTextFormat = (lambda v: f"{v:,.0f}") if step >= 1 else (lambda v: f"{v:g}")
    y_axis.visibleGrid = True
    y_axis.gridStrokeColor = colors.HexColor("#E6EAF0")
    y_axis.gridStrokeWidth = 0.4
    drawing.add(plot)
    span = last - first
    for week in checkpoints:
        if first <= week <= last and span:
            x = plot.x + (week - first) / span * plot.width
            drawing.add(Line(x, plot.y, x, plot.y + plot.height, strokeColor=ACCENT,
                             strokeWidth=0.5, strokeDashArray=(1, 2)))
            drawing.add(String(x, plot.y + plot.height + 3, f"W{week}", fontName=font,
                               fontSize=6, fillColor=ACCENT, textAnchor="middle"))
    drawing.add(String(plot.x + plot.width / 2, 20, "programme week", fontName=font, fontSize=6.5,
                       fillColor=MUTED, textAnchor="middle"))
    drawing.add(String(0, height - 24, unit, fontName=font, fontSize=6.5, fillColor=MUTED))
    legend_x = plot.x + plot.width
    for label, colour, dash in (("target", TARGET, (1, 1.5)), ("baseline", BASELINE, (3, 2)),
                                ("weekly value", NAVY, None)):
        if (label == "target" and target is None) or (label == "baseline" and baseline is None):
            continue
        w = len(label) * 3.4
        drawing.add(String(legend_x, 5, label, fontName=font, fontSize=6.2, fillColor=MUTED,
                           textAnchor="end"))
        drawing.add(Line(legend_x - w - 14, 7, legend_x - w - 3, 7, strokeColor=colour,
                         strokeWidth=1.4, strokeDashArray=dash))
        legend_x -= w + 22
    return drawing


def volume_chart(title: str, weeks: Sequence[int], counts: Sequence[int], font: str, *,
                 width: float = 245, height: float = 158) -> Drawing:
    """Items per programme week as bars (the n behind the trend)."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName=font, fontSize=8.5, fillColor=NAVY))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 34, 40, width - 44, height - 72
    chart.data = [list(counts) or [0]]
    chart.categoryAxis.categoryNames = [str(w) for w in weeks] or ["1"]
    chart.bars[0].fillColor = NAVY
    chart.bars[0].strokeColor = None
    top, step = nice_axis(max(list(counts) + [1]) * 1.05)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
    chart.valueAxis.valueStep = max(step, 1.0)
    chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E6EAF0")
    chart.valueAxis.gridStrokeWidth = 0.4
    chart.barSpacing = 1
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = font, 6.5
        axis.labels.fillColor = MUTED
        axis.strokeColor = RULE
    drawing.add(chart)
    drawing.add(String(chart.x + chart.width / 2, 20, "programme week", fontName=font, fontSize=6.5,
                       fillColor=MUTED, textAnchor="middle"))
    return drawing
