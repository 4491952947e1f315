"""Native, editable PowerPoint charts for the deck (python-pptx chart parts, not pictures).

Each chart carries its data in an embedded workbook, so a consultant can
right-click "Edit data" in PowerPoint. Values arrive from the engine's result
unchanged; these helpers only choose the chart type and the look.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Inches, Pt

from exporters._pptx_kit import FONT, MUTED, NAVY, RULE


@dataclass(frozen=True)
class Line:
    name: str
    values: Sequence[float | None]
    colour: RGBColor
    width_pt: float = 2.25
    dashed: bool = False
    markers: bool = True


def _style(chart, title: str | None, legend: bool) -> None:
    chart.font.name = FONT
    chart.font.size = Pt(10)
    chart.font.color.rgb = MUTED
    chart.has_title = bool(title)
    if title:
        tf = chart.chart_title.text_frame
        tf.text = title
        run = tf.paragraphs[0].runs[0]
        run.font.size = Pt(12)
        run.font.bold = True
        run.font.color.rgb = NAVY
        run.font.name = FONT
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(9)


def _axes(chart, number_format: str) -> None:
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RULE
    value_axis.format.line.fill.background()
    value_axis.tick_labels.number_format = number_format
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.tick_labels.font.size = Pt(9)
    category_axis = chart.category_axis
    category_axis.format.line.color.rgb = RULE
    category_axis.tick_labels.font.size = Pt(9)


def line_chart(slide, left: float, top: float, width: float, height: float, *, title: str | None,
               categories: Sequence[str], lines: Sequence[Line], number_format: str = "0",
               name: str | None = None):
    """A line chart of one or more series over shared categories; ``None`` values leave a gap."""
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    for line in lines:
        data.add_series(line.name, list(line.values))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Inches(left), Inches(top),
                                   Inches(width), Inches(height), data)
    if name:
        frame.name = name
    chart = frame.chart
    _style(chart, title, legend=True)
    _axes(chart, number_format)
    for series, line in zip(chart.plots[0].series, lines):
        series.smooth = False
        fmt = series.format.line
        fmt.color.rgb = line.colour
        fmt.width = Pt(line.width_pt)
        if line.dashed:
            fmt.dash_style = MSO_LINE_DASH_STYLE.DASH
        if line.markers:
            series.marker.style = XL_MARKER_STYLE.CIRCLE
            series.marker.size = 5
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = line.colour
            series.marker.format.line.color.rgb = line.colour
        else:
            series.marker.style = XL_MARKER_STYLE.NONE
    return frame


@dataclass(frozen=True)
class Bars:
    name: str
    values: Sequence[float | None]
    colour: RGBColor


def bar_chart(slide, left: float, top: float, width: float, height: float, *, title: str | None,
              categories: Sequence[str], bars: Sequence[Bars], horizontal: bool = False,
              number_format: str = "0", name: str | None = None):
    """A clustered bar (``horizontal``) or column chart with value labels."""
    data = CategoryChartData(number_format=number_format)
    data.categories = list(categories)
    for bar in bars:
        data.add_series(bar.name, list(bar.values))
    kind = XL_CHART_TYPE.BAR_CLUSTERED if horizontal else XL_CHART_TYPE.COLUMN_CLUSTERED
    frame = slide.shapes.add_chart(kind, Inches(left), Inches(top), Inches(width), Inches(height), data)
    if name:
        frame.name = name
    chart = frame.chart
    _style(chart, title, legend=len(bars) > 1)
    _axes(chart, number_format)
    plot = chart.plots[0]
    plot.gap_width = 60 if len(bars) > 1 else 110
    plot.overlap = -10 if len(bars) > 1 else 0
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = number_format
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(9)
    labels.font.color.rgb = NAVY
    for series, bar in zip(plot.series, bars):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = bar.colour
        series.invert_if_negative = False
    return frame
