"""The register's KPI sheets: Settings (named input cells), KPI tracker (live formulas), Charts, Checkpoints.

The tracker lists the engine's weekly values and baselines as values, and
recomputes only what an analyst should be able to play with, as live Excel
formulas that mirror ``kpis.md``: the pooled window value at each week
(weeks ``max(baseline_weeks+1, w-window_weeks+1)..w``, weighted by ``n`` —
exactly the engine's pooling for means and rates), improvement against the
baseline in the KPI's direction, the glide-path expectation and the status.
The formulas reference named cells on the Settings sheet, so editing a
target or ``min_n`` there changes every status. The Checkpoints sheet keeps
the engine's own figures as values, the reference the other artefacts show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from openpyxl.chart import LineChart, Reference, Series
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from analytics.formatting import (
    KPI_DEFINITIONS,
    STATUS_LABELS,
    better_direction,
    format_improvement,
    format_interval,
    format_value,
    kpi_label,
    kpi_unit,
)
from analytics.kpis.result import KPIS, LOWER_IS_BETTER
from exporters._headline import (
    CHECKPOINT_NAMES,
    CHECKPOINT_ORDER,
    HEADLINE_KPIS,
    int_setting,
    kpi_order,
    plain,
)
from exporters._xlsx_table import (
    BOX,
    FMT_DATE,
    FMT_INT,
    FMT_MINUTES,
    FMT_SIGNED,
    INPUT_FILL,
    SUBTITLE_FONT,
    TITLE_FONT,
    Column,
    add_status_colours,
    safe_text,
    style_header,
    write_table,
)
from exporters.context import ExportContext

TRACKER = "KPI tracker"
ROW = "§"  # placeholder for the row number in formula templates
TARGET_FIELDS = ("min_pct", "stretch_pct", "due_week")


def _num(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# ---------------------------------------------------------------- settings


def targets(ctx: ExportContext) -> pd.DataFrame:
    """Targets per KPI in force for this tenant: the engine's checkpoint values, else the settings."""
    keys = list(KPIS)
    configured = pd.DataFrame.from_dict(
        {k: ctx.settings.get("targets", {}).get(k, {}) for k in keys}, orient="index"
    ).reindex(index=keys, columns=list(TARGET_FIELDS))
    cp = ctx.result.checkpoints
    if not cp.empty:
        engine = (cp[cp["tenant"] == ctx.tenant]
                  .groupby("kpi")[["target_min_pct", "target_stretch_pct", "due_week"]].first()
                  .set_axis(list(TARGET_FIELDS), axis=1))
        configured = engine.reindex(keys).astype(float).combine_first(configured.astype(float))
    return configured.reindex(keys).astype(float)


def _name(wb: Workbook, name: str, ws: Worksheet, cell: str) -> None:
    col, row = cell.rstrip("0123456789"), cell[len(cell.rstrip("0123456789")):]
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{ws.title}'!${col}${row}")


def write_settings(wb: Workbook, ws: Worksheet, ctx: ExportContext, tenant_name: str) -> None:
    """Settings sheet: named inputs (min_n, targets) the tracker formulas reference, then the rest."""
    ws["A1"] = f"Settings in force — {tenant_name}"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("Yellow cells are inputs: change a target or min_n and the KPI tracker's improvement, "
                "expected and status columns recompute. Baselines and weekly values come from the "
                "KPI engine; change baseline_weeks or window_weeks in mikpi.toml and export again.")
    ws["A2"].font = SUBTITLE_FONT
    ws.append([])
    ws.append(["Setting", "Value", "What it does"])
    style_header(ws, 4, 1, 3)
    general = (
        ("min_n", int_setting(ctx, "min_n", 3), True,
         "Fewest items in the baseline and in the window before a status is given."),
        ("baseline_weeks", int_setting(ctx, "baseline_weeks", 1), False,
         "Programme weeks pooled into the baseline (engine setting)."),
        ("window_weeks", int_setting(ctx, "window_weeks", 4), False,
         "Weeks pooled into each window value (engine setting)."),
    )
    for offset, (key, value, editable, text) in enumerate(general):
        row = 5 + offset
        ws.cell(row=row, column=1, value=key)
        cell = ws.cell(row=row, column=2, value=value)
        if editable:
            cell.fill = INPUT_FILL
        ws.cell(row=row, column=3, value=text)
        _name(wb, key, ws, f"B{row}")

    header_row = 9
    ws.cell(row=header_row, column=1, value="KPI")
    for col, title in enumerate(("Key", "Better", "Minimum improvement %", "Stretch %", "Due week",
                                 "Definition"), start=2):
        ws.cell(row=header_row, column=col, value=title)
    style_header(ws, header_row, 1, 7)
    tg = targets(ctx)
    for offset, kpi in enumerate(KPIS):
        row = header_row + 1 + offset
        ws.cell(row=row, column=1, value=kpi_label(kpi))
        ws.cell(row=row, column=2, value=kpi)
        ws.cell(row=row, column=3, value=better_direction(kpi))
        for col, field in zip((4, 5, 6), TARGET_FIELDS):
            value = _num(tg.loc[kpi, field])
            cell = ws.cell(row=row, column=col, value=int(value) if field == "due_week" and value is not None
                           else value)
            cell.fill = INPUT_FILL
            cell.border = BOX
            _name(wb, f"{kpi}_{field}", ws, f"{get_column_letter(col)}{row}")
        ws.cell(row=row, column=7, value=KPI_DEFINITIONS.get(kpi, ""))

    row = header_row + len(KPIS) + 2
    ws.cell(row=row, column=1, value="Other settings in force (change mikpi.toml and export again)")
    ws.cell(row=row, column=1).font = Font(bold=True)
    ws.cell(row=row + 1, column=1, value="Setting")
    ws.cell(row=row + 1, column=2, value="Value")
    style_header(ws, row + 1, 1, 2)
    flat = {}
    for key, value in ctx.settings.items():
        if key in ("targets", "min_n", "baseline_weeks", "window_weeks"):
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    others = pd.Series({k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
                        for k, v in sorted(flat.items())}, dtype=object)
    for offset, (key, value) in enumerate(zip(others.index, safe_text(others))):
        ws.cell(row=row + 2 + offset, column=1, value=key)
        ws.cell(row=row + 2 + offset, column=2, value=value)
    # The general rows' explanations overflow to the right across the empty cells.
    for letter, width in zip("ABCDEFG", (30, 16, 10, 22, 12, 10, 100)):
        ws.column_dimensions[letter].width = width


# ---------------------------------------------------------------- tracker


def tracker_frame(ctx: ExportContext) -> pd.DataFrame:
    """Weekly rows (KPI by week, contract order) joined with the engine's baseline per KPI."""
    weekly = ctx.result.weekly
    cols = ["kpi", "week", "week_start", "value", "n"]
    if weekly.empty:
        return pd.DataFrame(columns=cols + ["baseline", "baseline_n", "label", "better"])
    rows = weekly[weekly["tenant"] == ctx.tenant][cols]
    cp = ctx.result.checkpoints
    if cp.empty:
        base = pd.DataFrame(columns=["kpi", "baseline", "baseline_n"])
    else:
        base = (cp[cp["tenant"] == ctx.tenant].groupby("kpi", as_index=False)
                [["baseline", "baseline_n"]].first())
    frame = rows.merge(base, on="kpi", how="left")
    frame = frame.assign(_order=kpi_order(frame["kpi"])).sort_values(["_order", "week"], kind="stable")
    frame = frame.drop(columns="_order").reset_index(drop=True)
    frame["label"] = frame["kpi"].map(kpi_label)
    frame["better"] = frame["kpi"].map(better_direction)
    return frame


def _fill(template: str, rows: pd.Series) -> pd.Series:
    """Vectorised: put each row's number where the template has ``§``."""
    parts = template.split(ROW)
    out = pd.Series(parts[0], index=rows.index, dtype=object)
    for part in parts[1:]:
        out = out + rows + part
    return out


TRACKER_COLUMNS = (
    # key, header, number format, width
    ("label", "KPI", None, 26), ("kpi", "Key", None, 22), ("better", "Better", None, 8),
    ("week", "Week", FMT_INT, 7), ("week_start", "Week start", FMT_DATE, 11),
    ("value", "Week value", FMT_MINUTES, 11), ("n", "Week n", FMT_INT, 8),
    ("baseline", "Baseline", FMT_MINUTES, 10), ("baseline_n", "Baseline n", FMT_INT, 10),
    ("win_from", "Window from week", FMT_INT, 10), ("win_n", "Window n", FMT_INT, 9),
    ("win_value", "Window value", FMT_MINUTES, 11),
    ("min", "Target min %", FMT_MINUTES, 11), ("stretch", "Stretch %", FMT_MINUTES, 10),
    ("due", "Due week", FMT_INT, 9), ("improvement", "Improvement %", FMT_SIGNED, 13),
    ("expected", "Expected %", FMT_SIGNED, 11), ("target_value", "Target value", FMT_MINUTES, 11),
    ("status", "Status", None, 17),
)


def tracker_formulas(frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """The live columns as formula strings, one per row, built without a Python loop over rows."""
    letters = {key: get_column_letter(i + 1) for i, (key, *_rest) in enumerate(TRACKER_COLUMNS)}
    last_row = first_row + max(len(frame), 1) - 1
    rng = {k: f"${v}${first_row}:${v}${last_row}" for k, v in letters.items()}
    rows = pd.Series(np.arange(first_row, first_row + len(frame)), index=frame.index).astype(str)
    c = {k: v + ROW for k, v in letters.items()}  # "H§": column letter + row placeholder

    in_window = (f"({rng['kpi']}={c['kpi']})*({rng['week']}>={c['win_from']})"
                 f"*({rng['week']}<={c['week']})")
    lower = frame["kpi"].isin(LOWER_IS_BETTER).to_numpy()
    kpi = frame["kpi"].astype(str)
    out = pd.DataFrame(index=frame.index)
    out["win_from"] = _fill(f"=MAX(baseline_weeks+1,{c['week']}-window_weeks+1)", rows)
    out["win_n"] = _fill(f"=SUMPRODUCT({in_window}*{rng['n']})", rows)
    out["win_value"] = _fill(
        f'=IF({c["win_n"]}=0,"",SUMPRODUCT({in_window}*{rng["n"]}*{rng["value"]})/{c["win_n"]})', rows)
    for key, field in (("min", "min_pct"), ("stretch", "stretch_pct"), ("due", "due_week")):
        out[key] = "=IF(ISNUMBER(" + kpi + f"_{field}),"  + kpi + f'_{field},"")'
    b, w = c["baseline"], c["win_value"]
    guard = f'=IF(OR({b}="",{b}=0,{w}=""),"",'
    out["improvement"] = np.where(lower, _fill(guard + f"({b}-{w})/{b}*100)", rows),
                                  _fill(guard + f"({w}-{b})/{b}*100)", rows))
    out["expected"] = _fill(
        f'=IF(OR({c["min"]}="",{c["due"]}="",{c["week"]}<=baseline_weeks),"",'
        f'{c["min"]}*MIN(1,({c["week"]}-baseline_weeks)/MAX(1,{c["due"]}-baseline_weeks)))', rows)
    tv = f'=IF(OR({b}="",{c["min"]}=""),"",{b}*(1'
    out["target_value"] = np.where(lower, _fill(tv + f'-{c["min"]}/100))', rows),
                                   _fill(tv + f'+{c["min"]}/100))', rows))
    imp = c["improvement"]
    out["status"] = _fill(
        f'=IF(OR({c["min"]}="",{c["week"]}<=baseline_weeks),"",'
        f'IF(OR({c["baseline_n"]}<min_n,{c["win_n"]}<min_n,{imp}=""),"{STATUS_LABELS["insufficient_data"]}",'
        f'IF({imp}>={c["min"]},"{STATUS_LABELS["met"]}",'
        f'IF({imp}>={c["expected"]},"{STATUS_LABELS["on_track"]}","{STATUS_LABELS["off_track"]}"))))',
        rows)
    return out


def write_tracker(ws: Worksheet, ctx: ExportContext) -> dict[str, tuple[int, int]]:
    """Write the tracker; return each KPI's (first, last) row, the ranges the charts plot."""
    frame = tracker_frame(ctx)
    first_row = 2
    frame = pd.concat([frame, tracker_formulas(frame, first_row)], axis=1)
    frame["label"] = safe_text(frame["label"])
    columns = [Column(header, key, fmt, width) for key, header, fmt, width in TRACKER_COLUMNS]
    first, last = write_table(ws, frame, columns, header_row=1)
    ws.freeze_panes = "E2"
    status_col = get_column_letter(len(TRACKER_COLUMNS))
    if last >= first:
        add_status_colours(ws, f"{status_col}{first}:{status_col}{last}")
    positions = pd.Series(np.arange(first, first + len(frame)), index=frame.index)
    bounds = positions.groupby(frame["kpi"]).agg(["min", "max"])
    return {k: (int(lo), int(hi)) for k, lo, hi in zip(bounds.index, bounds["min"], bounds["max"])}


# ---------------------------------------------------------------- charts

SERIES_STYLE = {  # tracker column -> (name, colour, dash, width in EMU)
    "value": ("Weekly value", "0072B2", None, 19050),
    "win_value": ("Window value", "1B2A41", None, 31750),
    "baseline": ("Baseline", "8C8C8C", "dash", 19050),
    "target_value": ("Target (minimum)", "009E73", "dash", 19050),
}


def write_charts(ws: Worksheet, tracker: Worksheet, blocks: dict[str, tuple[int, int]],
                 tenant_name: str, baseline_weeks: int = 1) -> int:
    """One native line chart per headline KPI, plotting tracker ranges; returns the count."""
    ws["A1"] = f"Headline KPIs by programme week — {tenant_name}"
    ws["A1"].font = TITLE_FONT
    ws["A2"] = ("Weekly value and the pooled window value against the baseline and the minimum target; "
                "the charts read the KPI tracker, so edited targets show here too.")
    ws["A2"].font = SUBTITLE_FONT
    ws.sheet_view.showGridLines = False
    col_of = {key: i + 1 for i, (key, *_rest) in enumerate(TRACKER_COLUMNS)}
    anchors = ("A4", "K4", "A24", "K24")
    drawn = 0
    for kpi in HEADLINE_KPIS:
        if kpi not in blocks:
            continue
        lo, hi = blocks[kpi]
        chart = LineChart()
        chart.title = kpi_label(kpi)
        chart.y_axis.title = f"{kpi_unit(kpi)} ({better_direction(kpi)} is better)"
        chart.x_axis.title = "Programme week"
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.height, chart.width = 9.5, 17.5
        chart.display_blanks = "gap"
        chart.legend.position = "b"
        for key, (name, colour, dash, width) in SERIES_STYLE.items():
            # Baseline weeks have no window: leave them out rather than plot an empty text as 0.
            start = min(hi, lo + baseline_weeks) if key == "win_value" else lo
            values = Reference(tracker, min_col=col_of[key], min_row=start, max_row=hi)
            series = Series(values, title=name)
            series.graphicalProperties.line.solidFill = colour
            series.graphicalProperties.line.width = width
            if dash:
                series.graphicalProperties.line.dashStyle = dash
            series.smooth = False
            chart.series.append(series)
        chart.set_categories(Reference(tracker, min_col=col_of["week"], min_row=lo, max_row=hi))
        ws.add_chart(chart, anchors[drawn])
        drawn += 1
    return drawn


# ---------------------------------------------------------------- checkpoints

CHECKPOINT_COLUMNS = (
    Column("KPI", "label", None, 26), Column("Key", "kpi", None, 22),
    Column("Checkpoint", "checkpoint_name", None, 11), Column("Week", "week", FMT_INT, 7),
    Column("Baseline", "baseline", FMT_MINUTES, 10), Column("Baseline n", "baseline_n", FMT_INT, 10),
    Column("Value", "value", FMT_MINUTES, 10), Column("n", "n", FMT_INT, 7),
    Column("Improvement %", "improvement_pct", FMT_SIGNED, 13),
    Column("90 % interval low", "improvement_ci_low", FMT_SIGNED, 11),
    Column("90 % interval high", "improvement_ci_high", FMT_SIGNED, 11),
    Column("Target min %", "target_min_pct", FMT_MINUTES, 11),
    Column("Stretch %", "target_stretch_pct", FMT_MINUTES, 10),
    Column("Due week", "due_week", FMT_INT, 9), Column("Expected %", "expected_pct", FMT_SIGNED, 11),
    Column("Status", "status_label", None, 17),
    Column("Baseline (as shown)", "baseline_shown", None, 16),
    Column("Value (as shown)", "value_shown", None, 16),
    Column("Improvement (as shown)", "improvement_shown", None, 14),
    Column("90 % interval (as shown)", "interval_shown", None, 24),
)


def checkpoint_frame(ctx: ExportContext) -> pd.DataFrame:
    """The engine's checkpoint rows for the tenant, KPI then checkpoint order, with display strings."""
    cp = ctx.result.checkpoints
    if cp.empty:
        return pd.DataFrame(columns=[c.source for c in CHECKPOINT_COLUMNS])
    rows = cp[cp["tenant"] == ctx.tenant].copy()
    rank = {c: i for i, c in enumerate(CHECKPOINT_ORDER)}
    rows = rows.assign(_k=kpi_order(rows["kpi"]), _c=rows["checkpoint"].map(rank))
    rows = rows.sort_values(["_k", "_c"], kind="stable").drop(columns=["_k", "_c"]).reset_index(drop=True)
    rows["label"] = rows["kpi"].map(kpi_label)
    rows["checkpoint_name"] = rows["checkpoint"].map(CHECKPOINT_NAMES).fillna(rows["checkpoint"])
    rows["status_label"] = rows["status"].map(STATUS_LABELS)
    # Display strings through the shared formatter: the same text the DOCX, PPTX and PDF show.
    rows["baseline_shown"] = [format_value(k, v) for k, v in zip(rows["kpi"], plain(rows["baseline"]))]
    rows["value_shown"] = [format_value(k, v) for k, v in zip(rows["kpi"], plain(rows["value"]))]
    rows["improvement_shown"] = [format_improvement(v) for v in plain(rows["improvement_pct"])]
    rows["interval_shown"] = [format_interval(lo, hi) for lo, hi in
                              zip(plain(rows["improvement_ci_low"]), plain(rows["improvement_ci_high"]))]
    return rows


def write_checkpoints(ws: Worksheet, ctx: ExportContext) -> None:
    frame = checkpoint_frame(ctx)
    first, last = write_table(ws, frame, list(CHECKPOINT_COLUMNS))
    ws.freeze_panes = "D2"
    status_col = get_column_letter(1 + [c.header for c in CHECKPOINT_COLUMNS].index("Status"))
    if last >= first:
        add_status_colours(ws, f"{status_col}{first}:{status_col}{last}")
