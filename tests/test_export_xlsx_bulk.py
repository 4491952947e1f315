"""The bulk sheet writer reads back exactly as openpyxl's cell-by-cell table: values, types, styles, layout."""

from __future__ import annotations

import math
import zipfile
from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from exporters._xlsx_bulk import column_kind, excel_serial, render_rows, save_workbook, sheet_part
from exporters._xlsx_table import (
    FMT_DATETIME,
    FMT_INT,
    FMT_MINUTES,
    Column,
    safe_frame,
    write_table,
)

NASTY_TEXT = ["plain", "A & B <ops> >", "line\nbreak", "carriage\rreturn", "  padded  ", "tail ",
              "\tlead tab", "", None, "=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@sum", "ünïcødé — ✓",
              "bell\x07char", "plain"]


def nasty_frame() -> pd.DataFrame:
    n = len(NASTY_TEXT)
    return pd.DataFrame({
        "text": pd.Series(NASTY_TEXT, dtype="str"),
        "obj": pd.Series(["x", None, "y & z", "", *["w"] * (n - 4)], dtype=object),
        "int": pd.Series([1, None, 3, 10**17, -5, 0, *range(n - 6)], dtype="Int64"),
        "plain_int": np.arange(n, dtype="int64") * 7,
        "float": [0.1 + 0.2, 1 / 3, math.nan, math.inf, -math.inf, -0.0, 1e-7, 1e20, 46.216666666666667,
                  130.2, 2.5, -1.25, 0.0, 1e16, 123456789.123456789, 5.0],
        "when": pd.to_datetime(["2026-01-05 00:59:49", "2026-01-05 02:08:52.123456", None, "1900-01-15 06:00",
                                "1899-12-31 12:00", "1899-01-01 00:00:01", "1900-03-01", "1900-02-28 23:59:59",
                                "2026-05-31 09:00", "2026-12-31 23:59:59.999999", "2000-02-29", "1970-01-01",
                                "2026-03-29 01:30", "2026-10-25 01:30", "2100-01-01", "2026-01-05"], format="ISO8601"),
        "flag": [True, False] * (n // 2),
        "maybe": pd.Series([True, None, False, *[None] * (n - 3)], dtype="boolean"),
        "empty": pd.Series([None] * n, dtype="str"),
    })


COLUMNS = [Column("Text", "text", None, 30, wrap=True), Column("Object", "obj"),
           Column("Int", "int", FMT_INT, 9), Column("Plain int", "plain_int"),
           Column("Float", "float", FMT_MINUTES, 11), Column("When", "when", FMT_DATETIME, 17),
           Column("Flag", "flag"), Column("Maybe", "maybe", FMT_INT), Column("Empty", "empty")]


def write_both(tmp_path, frame: pd.DataFrame, columns: list[Column]):
    """The same table twice: openpyxl cell by cell, and bulk rows spliced on save."""
    paths = []
    for bulk in (None, []):
        wb = Workbook()
        wb.active.title = "Before"
        wb.active["A1"] = "a sheet before the table"
        ws = wb.create_sheet("Incidents & more")
        write_table(ws, safe_frame(frame), columns, bulk=bulk)
        ws.freeze_panes = "C2"
        wb.create_sheet("After")["B2"] = 42
        path = tmp_path / f"{'cells' if bulk is None else 'bulk'}.xlsx"
        save_workbook(wb, path, bulk or [])
        paths.append((path, bulk))
    return paths


def snapshot(path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        out[ws.title] = {
            "dimensions": ws.dimensions, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
            "widths": {k: v.width for k, v in ws.column_dimensions.items()},
            "cells": [(c.coordinate, c.value, c.data_type, c.number_format, c.alignment.wrap_text,
                       c.alignment.vertical, c.font.b, c.fill.fgColor.rgb)
                      for row in ws.iter_rows() for c in row],
        }
    return out


def test_bulk_rows_read_back_as_the_cell_by_cell_table(tmp_path):
    (cells, _), (bulk, pending) = write_both(tmp_path, nasty_frame(), COLUMNS)
    assert len(pending) == 1 and pending[0].last_row == 1 + len(NASTY_TEXT)
    assert snapshot(bulk) == snapshot(cells)
    ws = openpyxl.load_workbook(bulk)["Incidents & more"]
    assert ws["A11"].value == "'=HYPERLINK(\"http://x\",\"y\")" and ws["A11"].data_type == "s"
    assert ws["A5"].value == "carriage\rreturn" and ws["A16"].value == "bellchar"
    assert ws["A8"].value == "'\tlead tab" and ws["A6"].value == "  padded  "
    assert ws["A9"].value is None and ws["E5"].value is None   # "" and inf: openpyxl writes them empty
    assert ws["F3"].value == datetime(2026, 1, 5, 2, 8, 52, 123000)   # openpyxl reads to the millisecond
    # -0.0 is written "-0" as openpyxl writes it (not merged with 0.0 as a distinct value).
    assert f'<c r="E7" s="{pending[0].columns[4].style_id}" t="n"><v>-0</v></c>' in render_rows(pending[0], 0, 16)
    assert ws["C5"].value == 10**17 and ws["G2"].value is True and ws["H3"].value is None and ws.dimensions == "A1:I17"


def test_excel_serial_is_openpyxls_to_excel_bit_for_bit():
    from openpyxl.utils.datetime import to_excel

    stamps = pd.to_datetime(["1899-01-01 00:00:01", "1899-12-30", "1900-01-01", "1900-02-28 23:59:59",
                             "1900-03-01", "2026-01-05 02:08:52.123456", "2026-12-31 23:59:59.999999"], format="ISO8601")
    assert excel_serial(stamps.to_numpy()).tolist() == [to_excel(t.to_pydatetime()) for t in stamps]


def test_columns_it_cannot_write_fall_back_to_openpyxl(tmp_path):
    frame = pd.DataFrame({"mixed": pd.Series(["a", 1, None], dtype=object),
                          "span": pd.to_timedelta(["1h", None, "2D"])})
    assert column_kind(frame["mixed"]) is None and column_kind(frame["span"]) is None
    (cells, _), (bulk, pending) = write_both(tmp_path, frame, [Column("Mixed", "mixed"), Column("Span", "span")])
    assert pending == [] and snapshot(bulk) == snapshot(cells)


def test_empty_table_and_sheet_part(tmp_path):
    empty = nasty_frame().iloc[0:0]
    (cells, _), (bulk, pending) = write_both(tmp_path, empty, COLUMNS)
    assert pending == [] and snapshot(bulk) == snapshot(cells)
    with zipfile.ZipFile(bulk) as zf:
        assert sheet_part(zf, "Incidents & more") == "xl/worksheets/sheet2.xml"


def test_rows_render_as_openpyxl_writes_them(tmp_path):
    frame = pd.DataFrame({"t": pd.Series([" a&b", None], dtype="str"), "n": [1.5, math.nan],
                          "b": [True, False]})
    (_, _), (_, pending) = write_both(tmp_path, frame, [Column("T", "t"), Column("N", "n", FMT_MINUTES),
                                                        Column("B", "b")])
    style = pending[0].columns[1].style_id
    assert render_rows(pending[0], 0, 2) == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> a&amp;b</t></is></c>'
        f'<c r="B2" s="{style}" t="n"><v>1.5</v></c><c r="C2" t="b"><v>1</v></c></row>'
        f'<row r="3"><c r="B3" s="{style}" t="n"/><c r="C3" t="b"><v>0</v></c></row>')


@pytest.mark.parametrize("rows", [1, 3])
def test_chunks_join_to_the_whole(tmp_path, rows):
    frame = nasty_frame()
    (_, _), (_, pending) = write_both(tmp_path, frame, COLUMNS)
    whole = render_rows(pending[0], 0, len(frame))
    parts = "".join(render_rows(pending[0], s, s + rows) for s in range(0, len(frame), rows))
    assert parts == whole
