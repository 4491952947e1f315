"""Write a DataFrame as a formatted worksheet table: the one place the register touches cells.

Every value arrives already computed in a DataFrame column (by the engine, or
as a vectorised formula string); this module only places values, styles
headers and sets number formats. A cell-based file format has to be written
cell by cell, so the placing loop lives here and nowhere else; it never
derives a value.

Text from exports goes through :func:`safe_text` first: characters XML cannot
hold are dropped (openpyxl would refuse the whole workbook) and anything a
spreadsheet would run as a formula is neutralised with
:func:`analytics.formatting.neutralise_formula`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics.formatting import STATUS_COLOURS, STATUS_LABELS, neutralise_formula
from exporters._xlsx_bulk import BulkTable, bulk_columns, renderable

HEADER_FILL = PatternFill("solid", start_color="1B2A41", end_color="1B2A41")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1B2A41")
SUBTITLE_FONT = Font(italic=True, color="5A6270")
INPUT_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
THIN = Side(style="thin", color="D0D5DD")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

# Number formats: minutes and percentages with one decimal; improvement signed so + is better.
FMT_MINUTES = "0.0"
FMT_PCT = "0.0"
FMT_SIGNED = '+0.0;-0.0;0.0'
FMT_INT = "0"
FMT_DATE = "yyyy-mm-dd"
FMT_DATETIME = "yyyy-mm-dd hh:mm"


@dataclass(frozen=True)
class Column:
    """One worksheet column: its header, the DataFrame column it shows, and how it looks."""

    header: str
    source: str
    number_format: str | None = None
    width: float | None = None   # in characters; None = from the content
    wrap: bool = False


def safe_text(series: pd.Series) -> pd.Series:
    """Export text made safe for a cell: illegal XML characters dropped, formulas neutralised.

    A column of text only is cleaned one distinct value at a time (a tenant's incidents
    repeat services, groups and titles); a mixed column value by value.
    """
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        return series
    present = series[series.notna()]
    if present.empty or pd.api.types.infer_dtype(present, skipna=True) != "string":
        cleaned = series.astype(object).where(series.notna(), None)
        is_text = cleaned.map(lambda v: isinstance(v, str))
        text = cleaned[is_text].astype(str).str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
        cleaned.loc[is_text] = text.map(neutralise_formula)
        return cleaned
    codes, uniques = pd.factorize(series)   # missing values get code -1
    distinct = pd.Series(uniques, dtype=object)
    if ILLEGAL_CHARACTERS_RE.search("".join(distinct)):   # rare: one search over all the text first
        distinct = distinct.str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
    values = distinct.map(neutralise_formula).to_numpy(dtype=object)[codes]
    values[codes < 0] = None
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`safe_text` applied to every text column of ``df`` (a copy)."""
    return df.apply(safe_text) if len(df.columns) else df.copy()


def cell_values(df: pd.DataFrame) -> list[list[object]]:
    """Rows of plain Python values for openpyxl: NaN, NaT and NA become empty cells."""
    if df.empty:
        return []
    obj = df.astype(object)
    return obj.where(df.notna(), None).to_numpy().tolist()


def _content_width(df: pd.DataFrame, col: Column) -> float:
    values = df[col.source] if col.source in df.columns else pd.Series([], dtype=object)
    longest = values.dropna().astype(str).str.len().max() if len(values) else 0
    longest = 0 if longest is None or (isinstance(longest, float) and np.isnan(longest)) else longest
    return float(min(60, max(8, len(col.header) + 2, int(longest) + 2)))


def style_header(ws: Worksheet, row: int, first_col: int, last_col: int) -> None:
    for col in range(first_col, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _data_style(ws: Worksheet, col: Column) -> int | None:
    """The cellXfs index a data cell of ``col`` gets (number format, wrap), ``None`` if unstyled.

    Styled on a cell that is never placed in the sheet: openpyxl registers the style with
    the workbook and the index is what the sheet XML's ``s`` attribute holds.
    """
    if not (col.number_format or col.wrap):
        return None
    cell = Cell(ws)
    if col.number_format:
        cell.number_format = col.number_format
    if col.wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell.style_id


def write_table(ws: Worksheet, df: pd.DataFrame, columns: list[Column], *, header_row: int = 1,
                first_col: int = 1, freeze: bool = True, autofilter: bool = True,
                bulk: list[BulkTable] | None = None) -> tuple[int, int]:
    """Write ``df[columns]`` under a styled header at ``header_row``; return (first, last) data row.

    ``last`` is ``first - 1`` when ``df`` is empty. Widths come from the content unless a
    column fixes one; text columns of exports must already have passed :func:`safe_frame`.
    With ``bulk`` (a list the workbook is saved with, see :func:`exporters._xlsx_bulk.save_workbook`)
    the data rows are not placed cell by cell: they are appended to ``bulk`` and rendered as
    sheet XML on save (nothing else may then be written below the header on that sheet).
    """
    for offset, col in enumerate(columns):
        ws.cell(row=header_row, column=first_col + offset, value=col.header)
    last_col = first_col + len(columns) - 1
    style_header(ws, header_row, first_col, last_col)
    frame = pd.DataFrame({c.header: df[c.source] for c in columns}) if len(df) else pd.DataFrame()
    first = header_row + 1
    last = first + len(frame) - 1
    if bulk is not None and len(frame) and renderable(frame):
        styles = [_data_style(ws, col) for col in columns]
        bulk.append(BulkTable(ws.title, frame, bulk_columns(frame, first_col, styles), first))
    else:
        for r, values in enumerate(cell_values(frame), start=first):
            for offset, value in enumerate(values):
                ws.cell(row=r, column=first_col + offset, value=value)
        for offset, col in enumerate(columns):
            if col.number_format or col.wrap:
                for (cell,) in ws.iter_rows(min_row=first, max_row=last, min_col=first_col + offset,
                                            max_col=first_col + offset):
                    if col.number_format:
                        cell.number_format = col.number_format
                    if col.wrap:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, col in enumerate(columns):
        letter = get_column_letter(first_col + offset)
        width = col.width if col.width is not None else _content_width(df, col)
        # Tables stacked on one sheet share columns: the widest wins.
        current = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 0
        ws.column_dimensions[letter].width = max(width, current)
    # Headers wrap in their column: give the header row the lines its longest header needs.
    lines = max((len(c.header) // max(1, int(ws.column_dimensions[get_column_letter(first_col + i)].width)) + 1
                 for i, c in enumerate(columns)), default=1)
    ws.row_dimensions[header_row].height = 15 * min(3, lines) + 3
    if freeze:
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = f"{get_column_letter(first_col)}{first}"  # a reference: no cell made
    if autofilter:
        ws.auto_filter.ref = f"{get_column_letter(first_col)}{header_row}:{get_column_letter(last_col)}{max(last, first)}"
    return first, last


def add_status_colours(ws: Worksheet, cell_range: str) -> None:
    """Conditional formatting: each status label gets its colour from ``STATUS_COLOURS``."""
    for key, label in STATUS_LABELS.items():
        colour = STATUS_COLOURS[key].lstrip("#").upper()
        ws.conditional_formatting.add(cell_range, CellIsRule(
            operator="equal", formula=[f'"{label}"'],
            fill=PatternFill("solid", start_color=colour, end_color=colour),
            font=Font(color="FFFFFF", bold=True)))


def print_setup(ws: Worksheet, title: str) -> None:
    """Landscape, one page wide, with the artefact's title in the page header."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.oddHeader.center.text = title.replace("&", "&&")
    ws.oddFooter.right.text = "Page &P of &N"
