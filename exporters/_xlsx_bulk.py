"""A large worksheet table written as sheet XML a column at a time, then spliced into the saved workbook.

Why: openpyxl makes a Python object per cell and serialises each on save (about
40 µs a cell). One tenant's 66,667 incidents x 26 columns took 37 s that way.
Here the header, column widths, freeze panes, filter and print setup stay
openpyxl's (:func:`exporters._xlsx_table.write_table` writes them), but the data
cells are rendered per *column* (each distinct value once) with vectorised
string operations and joined once per chunk of rows, and :func:`save_workbook`
streams them into the sheet part openpyxl wrote.

The cells are the XML openpyxl itself writes for the same values (openpyxl
3.1's ``lxml_write_cell``): inline strings with ``xml:space="preserve"`` when
the text has outer whitespace, numbers as ``"%.16g"`` with ``t="n"``, datetimes
as Excel serial days (openpyxl's ``to_excel`` arithmetic) in their column's
style, booleans ``t="b"``, a missing value as an empty styled cell (or no cell
when the column has no style). So the sheet reads back with openpyxl exactly as
the cell-by-cell sheet did; ``tests/test_export_xlsx_bulk.py`` compares the two.
A column of any other kind (timezone-aware datetimes, mixed objects) makes
:func:`renderable` refuse, and the caller writes the table cell by cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.workbook import Workbook

#: Rows rendered and compressed per chunk: bounds the memory the XML text takes (~12 MB a chunk).
CHUNK_ROWS = 10_000
#: zlib level of the bulk sheet part. Level 1 deflates ~80 MB of sheet XML in ~0.6 s where
#: openpyxl's default (6) takes ~2.9 s, for a file about a third larger (13 MB against 10 MB
#: at 66,667 incidents). The small parts keep openpyxl's level.
BULK_COMPRESSLEVEL = 1

_EPOCH_DAYS = 25569          # days from Excel's 1899-12-30 epoch to 1970-01-01
_DAY_US = 86_400_000_000
_ILLEGAL_BUT_NUL = re.compile(r"[\001-\010\013\014\016-\037]")   # openpyxl's ILLEGAL_CHARACTERS_RE, NUL apart
_FMT16 = np.frompyfunc("%.16g".__mod__, 1, 1)   # openpyxl's safe_string for numbers
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


@dataclass(frozen=True)
class BulkColumn:
    letter: str             # worksheet column letter
    kind: str               # "s" text, "i" integer, "f" float, "d" datetime, "b" boolean
    style_id: int | None    # the cellXfs index of the column's data cells (None: unstyled)


@dataclass(frozen=True)
class BulkTable:
    """Data rows waiting for :func:`save_workbook`: ``frame`` (display columns, in order) from ``first_row``."""

    sheet: str
    frame: pd.DataFrame
    columns: tuple[BulkColumn, ...]
    first_row: int

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.frame) - 1


def column_kind(series: pd.Series) -> str | None:
    """How a column's cells are written, or ``None`` when only openpyxl's cell path can write it."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "b"
    if pd.api.types.is_integer_dtype(dtype):
        return "i"
    if pd.api.types.is_float_dtype(dtype):
        return "f"
    if pd.api.types.is_datetime64_dtype(dtype):   # naive only: aware ones are openpyxl's TypeError
        return "d"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        present = series[series.notna()]
        if present.empty or pd.api.types.infer_dtype(present, skipna=True) == "string":
            return "s"
    return None


def renderable(frame: pd.DataFrame) -> bool:
    """Whether every column of ``frame`` is of a kind this module writes as openpyxl would."""
    return all(column_kind(frame[c]) is not None for c in frame.columns)


def bulk_columns(frame: pd.DataFrame, first_col: int, style_ids: list[int | None]) -> tuple[BulkColumn, ...]:
    return tuple(BulkColumn(get_column_letter(first_col + i), column_kind(frame[c]), sid)
                 for i, (c, sid) in enumerate(zip(frame.columns, style_ids)))


# ---------------------------------------------------------------- values as cell text


def _numbers(values: np.ndarray) -> np.ndarray:
    """``"%.16g"`` of each value, ``""`` for infinities (openpyxl's ``safe_string``)."""
    out = _FMT16(values).astype(object)
    if values.dtype.kind == "f":
        out[np.isinf(values)] = ""
    return out


def excel_serial(values: np.ndarray) -> np.ndarray:
    """Naive datetime64 values as Excel serial days, the float openpyxl's ``to_excel`` computes."""
    us = values.astype("datetime64[us]").astype(np.int64)
    day, tod = np.divmod(us, _DAY_US)
    days = day + _EPOCH_DAYS
    days = np.where((days > 0) & (days <= 60), days - 1, days)   # Excel's phantom 1900-02-29
    seconds, micro = np.divmod(tod, 1_000_000)
    return days + (seconds + micro / 10**6) / 86400


def _escaped(texts: list[str]) -> list[str]:
    """Each text XML-escaped as lxml writes element text, in a handful of passes over one joined string.

    The texts are joined with NUL, which no cell text can hold (openpyxl refuses it and the
    other XML-illegal control characters, and so does this function), escaped with four
    ``str.replace`` passes at C speed and split again. ``\r`` becomes a character reference,
    as lxml writes it, so that it survives XML parsing.
    """
    joined = "\0".join(texts)
    if joined.count("\0") != max(len(texts) - 1, 0) or _ILLEGAL_BUT_NUL.search(joined):
        raise IllegalCharacterError("a cell text holds a character XML cannot carry")
    for char, ref in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        joined = joined.replace(char, ref)
    return joined.split("\0") if texts else []


def _text_bodies(series: pd.Series, style: str) -> tuple[np.ndarray, np.ndarray]:
    """Each present text's cell XML after the row number, worked out once per distinct value."""
    codes, uniques = pd.factorize(series)
    text = pd.Series(uniques, dtype=object).astype(str)
    padded = (text != text.str.strip()).to_numpy()
    inner = np.array(_escaped(text.tolist()) or [], dtype=object)
    bodies = np.where(padded, f'"{style} t="inlineStr"><is><t xml:space="preserve">',
                      f'"{style} t="inlineStr"><is><t>').astype(object) + inner + "</t></is></c>"
    # openpyxl writes "" as an empty string cell (read back as None).
    bodies[(text == "").to_numpy()] = f'"{style} t="inlineStr"/>'
    return bodies[codes[codes >= 0]], codes >= 0


def _bodies(series: pd.Series, col: BulkColumn) -> tuple[np.ndarray, np.ndarray]:
    """The present cells' XML after the row number (``'" s="9" t="n"><v>1.5</v></c>'``), and where they are.

    Worked out once per distinct value (a tenant's durations, counts and weeks repeat).
    """
    style = f' s="{col.style_id}"' if col.style_id is not None else ""
    if col.kind == "s":
        return _text_bodies(series, style)
    if col.kind == "f":   # distinct by bit pattern: a hash table holds -0.0 and 0.0 as one value
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(values)
        codes, uniques = pd.factorize(values[present].view(np.int64))
        bodies = f'"{style} t="n"><v>' + _numbers(np.asarray(uniques).view(np.float64)) + "</v></c>"
        return bodies[codes], present
    codes, uniques = pd.factorize(series)
    present = codes >= 0
    if col.kind == "b":
        values = np.asarray(uniques, dtype=bool)
        bodies = np.where(values, f'"{style} t="b"><v>1</v></c>', f'"{style} t="b"><v>0</v></c>').astype(object)
        return bodies[codes[present]], present
    if col.kind == "d":
        text = _numbers(excel_serial(np.asarray(uniques, dtype="datetime64[us]")))
    else:   # "i"
        text = _numbers(np.asarray(uniques, dtype="int64"))
    bodies = f'"{style} t="n"><v>' + text + "</v></c>"
    return bodies[codes[present]], present


def render_rows(table: BulkTable, start: int, stop: int) -> str:
    """The ``<row>`` elements of ``table.frame`` rows ``start:stop`` as one string.

    A grid of string pieces, one row of the grid per sheet row, joined once in row
    order: ``<row r="`` n ``">`` then per cell ``<c r="H`` n ``" s=".." t="n"><v>..</v></c>``.
    A missing value is an empty styled cell, or nothing when the column has no style.
    """
    frame = table.frame.iloc[start:stop]
    n = len(frame)
    rows = np.arange(table.first_row + start, table.first_row + start + n).astype(str).astype(object)
    grid = np.empty((n, 4 + 3 * len(table.columns)), dtype=object)
    grid[:, 0], grid[:, 1], grid[:, 2], grid[:, -1] = '<row r="', rows, '">', "</row>"
    for j, (name, col) in enumerate(zip(frame.columns, table.columns)):   # loop over columns
        bodies, present = _bodies(frame[name], col)
        k = 3 + 3 * j
        grid[:, k], grid[:, k + 1] = f'<c r="{col.letter}', rows
        grid[present, k + 2] = bodies
        if col.style_id is not None:   # openpyxl writes an empty cell that has a style
            grid[~present, k + 2] = f'" s="{col.style_id}" t="n"/>'
        else:
            grid[~present, k:k + 3] = ""
    return "".join(grid.ravel().tolist())


# ---------------------------------------------------------------- splicing into the package


def sheet_part(archive: zipfile.ZipFile, title: str) -> str:
    """The zip member holding worksheet ``title``, from the workbook's own relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{_NS['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", _NS)
               if s.get("name") == title)
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iterfind("rel:Relationship", _NS) if r.get("Id") == rid)
    if target.startswith("/"):
        return target.lstrip("/")
    return str(PurePosixPath("xl") / target)


def _resize_dimension(xml: str, table: BulkTable) -> str:
    """Stretch ``<dimension ref>`` to the last bulk row and column, as openpyxl computes it."""
    def stretch(match: re.Match) -> str:
        first, _, last = match.group(1).partition(":")
        last = last or first
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", last).groups()
        end_col = max(col, table.columns[-1].letter, key=lambda c: (len(c), c))
        return f'<dimension ref="{first}:{end_col}{max(int(row), table.last_row)}"/>'
    return re.sub(r'<dimension ref="([^"]+)"\s*/>', stretch, xml, count=1)


def _write_spliced(dst: zipfile.ZipFile, name: str, xml: str, table: BulkTable) -> None:
    xml = _resize_dimension(xml, table)
    if "</sheetData>" in xml:
        head, tail = xml.split("</sheetData>", 1)
        tail = "</sheetData>" + tail
    else:   # an empty table: openpyxl wrote <sheetData/>
        head, tail = re.split(r"<sheetData\s*/>", xml, maxsplit=1)
        head, tail = head + "<sheetData>", "</sheetData>" + tail
    # Opened by name, the part gets the archive's deflate level (BULK_COMPRESSLEVEL). zlib lets go
    # of the GIL while it deflates, so one worker thread compresses a chunk while the next one
    # is rendered: at most two chunks in memory, written in order.
    with dst.open(name, "w", force_zip64=True) as out, ThreadPoolExecutor(max_workers=1) as deflater:
        pending = deflater.submit(out.write, head.encode("utf-8"))
        for start in range(0, len(table.frame), CHUNK_ROWS):   # loop over chunks of rows
            chunk = render_rows(table, start, start + CHUNK_ROWS).encode("utf-8")
            pending.result()
            pending = deflater.submit(out.write, chunk)
        pending.result()
        out.write(tail.encode("utf-8"))


def save_workbook(wb: Workbook, path: str | Path, tables: list[BulkTable]) -> None:
    """``wb.save(path)``, with each bulk table's rows spliced into its sheet's part."""
    if not tables:
        wb.save(str(path))
        return
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=BULK_COMPRESSLEVEL) as dst:
        parts = {sheet_part(src, t.sheet): t for t in tables}
        for info in src.infolist():   # loop over the package's parts
            data = src.read(info.filename)
            if info.filename in parts:
                _write_spliced(dst, info.filename, data.decode("utf-8"), parts[info.filename])
            else:
                dst.writestr(info, data)   # openpyxl's own (default) level
