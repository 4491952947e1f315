"""Files -> a staging relation of VARCHAR columns plus ``__line``, inside DuckDB.

Users hand over exports as the tools wrote them, so the readers take what
Excel on Windows and ServiceNow actually produce: CSV with a UTF-8 BOM or in
cp1252, ``;``-separated, with quoted newlines; XLSX; Table API JSON. Every
value stays text here; typing happens later in SQL, where a value that does
not parse becomes a reject instead of an exception.

Python reads a file's first chunk for its format and encoding, and streams it
once in a background thread for its SHA-256 and newline count while DuckDB
parses it; the rows themselves never pass through Python except for XLSX,
which pandas/openpyxl read.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analytics.errors import IngestError

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t", "|")

#: The database a call's CSV rows are parsed into: a scratch file the pipeline
#: attaches for the call (``pipeline.stage_database``), not TEMP. A TEMP table
#: is held uncompressed in memory until the ingest's COMMIT and spills to disk
#: beyond ``memory_limit``; rows written to a database file are compressed
#: (a 1M-incident history export: 2.6 GB in memory, 0.26 GB on disk) and read
#: back from it at no cost to memory.
STAGE_DATABASE = "mikpi_staged"

Progress = Callable[[Path, str, float], None]


def _latin1_fallback(err: UnicodeDecodeError) -> tuple[str, int]:
    # cp1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined; keep them as the
    # latin-1 control characters rather than failing the whole file.
    return err.object[err.start:err.end].decode("latin-1"), err.end


codecs.register_error("mikpi_latin1_fallback", _latin1_fallback)


def quote_ident(name: str) -> str:
    """A SQL identifier, quoted (the only way a name from a file enters SQL)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class FileFacts:
    """What is known of a file before DuckDB reads it, and what a pass beside the parse learns.

    Only the first chunk is read up front: the format, and for CSV the encoding.
    The SHA-256 and the newline count come from one pass in a background thread
    (``scan``) while DuckDB parses the file (both release the GIL), awaited
    where they are used: streaming a large export in Python before the parse
    cost 3 s of a 1M-incident ingest. A CSV whose first chunk is UTF-8 is read
    as UTF-8 (``settled`` is False when bytes beyond that chunk were not seen);
    DuckDB checks every value, and a file it finds not to be UTF-8 is staged
    again as cp1252 (``_stage_csv``).
    """

    path: Path
    size: int
    scan: Future[tuple[str, int]]  # (SHA-256 hex, count of b"\n") of the file's bytes
    fmt: str                      # csv | xlsx | json
    encoding: str = "utf-8"       # csv: utf-8 | cp1252 | utf-16
    settled: bool = True          # csv: the encoding is final (False: UTF-8 seen only in the first chunk)
    transcoded_newlines: int | None = None  # csv: newlines of the UTF-8 copy DuckDB reads instead

    @property
    def sha256(self) -> str:
        """The file's SHA-256 (hex); waits for the background pass."""
        return self.scan.result()[0]

    @property
    def newlines(self) -> int:
        """The count of b"\n" in the bytes DuckDB reads (CSV); may wait for the background pass."""
        if self.transcoded_newlines is not None:
            return self.transcoded_newlines
        return self.scan.result()[1]


@dataclass
class Staged:
    """A file staged as the relation ``view``: VARCHAR columns + ``__line``.

    A CSV is parsed once by ``read_csv`` (its path in a session variable) into
    the table ``table`` of ``STAGE_DATABASE`` and ``view`` reads that: the
    statistics, the line fixing, the typing and the rejects each read the
    file's rows, and parsing the CSV for each of them cost more than keeping
    the rows once.
    ``temp_path`` is a transcoded copy to delete when the ingest is over.
    """

    facts: FileFacts
    view: str
    columns: list[str]
    json_root: str | None = None
    reader: str | None = None            # csv: the read_csv(...) call, run once into ``table``
    table: str | None = None             # csv: the parsed rows (qualified, quoted: in STAGE_DATABASE)
    position: str = "rowid"              # csv: the 0-based record position in ``table``
    exclude: str = ""                    # csv: what ``SELECT *`` of ``table`` leaves out
    temp_path: Path | None = None
    variables: tuple[str, ...] = ()
    malformed: str | None = None         # csv: table of ragged records (see fix_csv_lines)


_hashers: ThreadPoolExecutor | None = None


def _scan(path: Path, count_newlines: bool) -> tuple[str, int]:
    digest = hashlib.sha256()
    newlines = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)  # releases the GIL for a chunk this size
                if count_newlines:
                    newlines += chunk.count(b"\n")
    except OSError as exc:
        raise IngestError(f"{path}: {exc.strerror or exc}") from exc
    return digest.hexdigest(), newlines


def _scan_later(path: Path, count_newlines: bool) -> Future[tuple[str, int]]:
    """The file's SHA-256 and newlines, counted in one background thread shared by every ingest."""
    global _hashers
    if _hashers is None:
        _hashers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mikpi-sha256")
    return _hashers.submit(_scan, path, count_newlines)


def fingerprint(path: Path, progress: Progress | None = None) -> FileFacts:
    """Size, format and (CSV) encoding from the first chunk; SHA-256 and newlines in the background."""
    try:
        size = path.stat().st_size
        handle = path.open("rb")
    except OSError as exc:
        raise IngestError(f"{path}: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise IngestError(f"{path}: is a directory")
    with handle:
        head = handle.read(CHUNK)
    if size == 0:
        raise IngestError(f"{path}: empty file")
    fmt = _sniff_format(path, head)
    encoding, settled = "utf-8", True
    if fmt == "csv":
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            encoding = "utf-16"
        else:
            whole = len(head) >= size  # the chunk is the file
            try:
                # A chunk may end inside a multi-byte character: only the file's end must not.
                codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
                settled = whole
            except UnicodeDecodeError:
                encoding = "cp1252"
    if progress is not None:
        progress(path, "hashing", 0.3)
    return FileFacts(path, size, _scan_later(path, fmt == "csv"), fmt, encoding, settled)


def _sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(f"{path}: old binary Excel (.xls) is not supported; save it as .xlsx or CSV")
    # Files sent under the wrong name: say what they are rather than read garbage columns.
    if head.startswith(b"%PDF-"):
        raise IngestError(f"{path}: a PDF document, not a CSV, XLSX or JSON export")
    if head[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" in head[:8192]:
        raise IngestError(f"{path}: a binary file, not a CSV, XLSX or JSON export")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head and not text and len(head) < CHUNK:  # only a BOM, blanks or newlines
        raise IngestError(f"{path}: empty file")
    if text[:1] in (b"{", b"["):
        return "json"
    return "csv"


def stage(con: duckdb.DuckDBPyConnection, facts: FileFacts, name: str,
          json_rule: Callable[[str], str]) -> Staged:
    """Read a fingerprinted file into DuckDB as the relation ``name``.

    ``json_rule(root)`` tells how JSON values become text for records under
    ``root`` ("raw" or "servicenow").
    """
    if facts.fmt == "csv":
        return _stage_csv(con, facts, name)
    if facts.fmt == "xlsx":
        return _stage_xlsx(con, facts, name)
    return _stage_json(con, facts, name, json_rule)


# ------------------------------------------------------------------ CSV

def _stage_csv(con: duckdb.DuckDBPyConnection, facts: FileFacts, name: str) -> Staged:
    """Stage a CSV; one read as UTF-8 first when only its first chunk was seen to be."""
    staged = _stage_csv_as(con, facts, name)
    if facts.settled or not _invalid_encoding(con, staged):
        return staged
    # The reader logged rows that are not UTF-8 (it logs them rather than fail: store_rejects).
    _drop_staged(con, name)
    facts.encoding, facts.settled = "cp1252", True
    return _stage_csv_as(con, facts, name)


def _invalid_encoding(con: duckdb.DuckDBPyConnection, staged: Staged) -> bool:
    return _malformed_records(con, staged) and bool(con.execute(
        f"SELECT count(*) FROM {quote_ident(staged.malformed or '')} WHERE error_type = 'INVALID ENCODING'"
    ).fetchone()[0])


def _drop_staged(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop what a read as UTF-8 left: the view, the rows and the reader's logs."""
    con.execute(f"DROP VIEW IF EXISTS {quote_ident(name)}")
    con.execute(f"DROP TABLE IF EXISTS {STAGE_DATABASE}.main.{quote_ident(name + '_rows')}")
    for log in (f"{name}_malformed", f"{name}_malformed_scan"):
        con.execute(f"DROP TABLE IF EXISTS {quote_ident(log)}")


def _stage_csv_as(con: duckdb.DuckDBPyConnection, facts: FileFacts, name: str) -> Staged:
    source, temp = facts.path, None
    if facts.encoding != "utf-8":
        temp = _transcode(facts)
        source = temp
    file_var, delim_var = f"{name}_file", f"{name}_delim"
    staged = Staged(facts, name, [], temp_path=temp, variables=(file_var, delim_var),
                    malformed=f"{name}_malformed")
    try:
        con.execute(f"SET VARIABLE {quote_ident(file_var)} = ?", [str(source)])
        con.execute(f"SET VARIABLE {quote_ident(delim_var)} = ?", [_sniff_delimiter(source)])
        # A ragged record (more or fewer fields than the header) is skipped by
        # the reader and logged in <name>_malformed; the pipeline turns those
        # into rejects with their line (fix_csv_lines, ingest_malformed.sql).
        staged.reader = (
            f"read_csv(getvariable('{file_var}'), all_varchar = true, header = true, "
            f"delim = getvariable('{delim_var}'), quote = '\"', escape = '\"', "
            f"store_rejects = true, rejects_table = '{staged.malformed}', "
            f"rejects_scan = '{staged.malformed}_scan')"
        )
        # Parsed once, here: every later statement (statistics, typing,
        # rejects, line fixing) reads this table, not the CSV again. The CSV
        # reader keeps file order, and so does the insert (DuckDB's
        # order-preservation guarantees), so a materialised table's rowid is
        # the record's position (DuckDB documents it as the cheap equivalent
        # of row_number() OVER (), which would serialise the parallel parse):
        # record k (1-based, rowid k - 1) is on line k + 1 unless an earlier
        # value spans lines (see fix_csv_lines). Only a file with its own
        # "rowid" column, which hides the pseudo-column, is numbered instead.
        staged.table = f"{STAGE_DATABASE}.main.{quote_ident(name + '_rows')}"
        header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {staged.reader}").fetchall()]
        numbered = any(c.lower() == "rowid" for c in header)
        con.execute(
            f"CREATE TABLE {staged.table} AS SELECT *"
            f"{', row_number() OVER () - 1 AS __n' if numbered else ''} FROM {staged.reader}"
        )
        staged.position = "__n" if numbered else "rowid"
        staged.exclude = " EXCLUDE (__n)" if numbered else ""
        con.execute(
            f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT *{staged.exclude}, "
            f"{staged.position} + 2 AS __line FROM {staged.table}"
        )
        staged.columns = _columns(con, name)
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise
    return staged


def fix_csv_lines(con: duckdb.DuckDBPyConnection, staged: Staged, rows: int) -> None:
    """Correct ``__line`` of a CSV whose quoted values span lines or that has ragged records.

    Cheap test first: without such values the file has one newline per record
    plus the header's (the last one optional). Otherwise a record's line is its
    position among all records plus the newlines inside all earlier records.
    The reader skipped the ragged ones (it logs them by position + 1, counting
    records, not lines), so the good records' positions skip theirs; the
    ragged records' own lines stay in ``<view>_lines`` (``n`` NULL) for their
    rejects. The staging scan (into ``table``) has filled the log.
    """
    if staged.table is None:
        return
    bad = _malformed_records(con, staged)
    if not bad and staged.facts.newlines in (rows, rows + 1):
        return
    lines = f"{staged.view}_lines"
    # contains() first: most values have no newline, and replace() copies every one it is given.
    embedded = " + ".join(
        f"CASE WHEN contains({quote_ident(c)}, chr(10)) "
        f"THEN strlen({quote_ident(c)}) - strlen(replace({quote_ident(c)}, chr(10), '')) ELSE 0 END"
        for c in staged.columns
    ) or "0"
    # One scan of every column: the record's embedded newlines.
    good = quote_ident(f"{staged.view}_good")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {good} AS "
                f"SELECT {staged.position} + 1 AS n, {embedded} AS nl FROM {staged.table}")
    bad = bad or _malformed_records(con, staged)
    log = quote_ident(staged.malformed or "")
    if bad:
        ragged = (
            f"SELECT line - 1 AS r, max(length(csv_line) - length(replace(csv_line, chr(10), ''))) AS nl, "
            f"any_value(error_message) AS error_message, any_value(csv_line) AS csv_line "
            f"FROM {log} GROUP BY line"
        )
        # g: good records before a ragged one; a good record n comes after every
        # ragged one with g < n, which gives its position r among all records.
        placed = (
            f"SELECT g.n, g.n + coalesce(s.before, 0) AS r, g.nl FROM {good} g ASOF LEFT JOIN "
            "(SELECT g, max(i) AS before FROM (SELECT r - row_number() OVER (ORDER BY r) AS g, "
            "row_number() OVER (ORDER BY r) AS i FROM ragged) GROUP BY g) s ON g.n > s.g"
        )
    else:  # no record skipped: a record's position is its number (no join over every record)
        ragged = ("SELECT NULL::BIGINT AS r, NULL::BIGINT AS nl, NULL::VARCHAR AS error_message, "
                  "NULL::VARCHAR AS csv_line WHERE false")
        placed = f"SELECT n, n AS r, nl FROM {good}"
    # A record's line: 1 (the header) + its position + the newlines inside every earlier record.
    # Only the records holding one are summed in order (the journal's 0.3M of 9.2M); every record
    # takes the running total of the last of them before it (an ASOF join, not a window over all).
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(lines)} AS "
        f"WITH ragged AS ({ragged}), placed AS ({placed}), "
        "records AS (SELECT n, r, nl, NULL AS error_message, NULL AS csv_line FROM placed "
        "UNION ALL SELECT NULL, r, nl, error_message, csv_line FROM ragged), "
        "spans AS (SELECT r, sum(nl) OVER (ORDER BY r ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
        "AS before_next FROM records WHERE nl > 0) "
        "SELECT c.n, 1 + c.r + coalesce(s.before_next, 0) AS line, c.error_message, c.csv_line "
        "FROM records c ASOF LEFT JOIN spans s ON c.r > s.r"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(staged.view)} AS SELECT r.*{staged.exclude}, l.line AS __line "
        f"FROM {staged.table} r "
        f"JOIN {quote_ident(lines)} l ON l.n = r.{staged.position} + 1"
    )


def malformed_view(con: duckdb.DuckDBPyConnection, staged: Staged) -> bool:
    """Point the view ``stg_malformed`` (line, error_message, csv_line) at the file's
    ragged records; False (and no view) when it has none. After :func:`fix_csv_lines`."""
    if not _malformed_records(con, staged):
        return False
    lines = staged.view + "_lines"
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                       [lines]).fetchone()[0]:
        # The staging scan always logs them; should a reader ever not, the lines are unknown.
        raise IngestError(f"{staged.facts.path}: ragged rows found too late to place them; nothing loaded")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW stg_malformed AS SELECT line, error_message, csv_line "
        f"FROM {quote_ident(lines)} WHERE n IS NULL"
    )
    return True


def _malformed_records(con: duckdb.DuckDBPyConnection, staged: Staged) -> bool:
    """Whether the reader logged a ragged record (the log exists once the file was scanned)."""
    if staged.malformed is None:
        return False
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [staged.malformed]
    ).fetchone()[0]
    return bool(exists) and con.execute(
        f"SELECT count(*) > 0 FROM {quote_ident(staged.malformed)}").fetchone()[0]


def _transcode(facts: FileFacts) -> Path:
    """cp1252 / UTF-16 -> a temporary UTF-8 file, streamed; counts its newlines.

    DuckDB reads utf-8, utf-16 and latin-1 only, and latin-1 is wrong for the
    0x80-0x9F bytes cp1252 uses for quotes, dashes and the euro sign.
    """
    errors = "mikpi_latin1_fallback" if facts.encoding == "cp1252" else "strict"
    decoder = codecs.getincrementaldecoder(facts.encoding)(errors=errors)
    fd, name = tempfile.mkstemp(prefix="mikpi-", suffix=".csv")
    newlines = 0
    try:
        with facts.path.open("rb") as src, os.fdopen(fd, "wb") as dst:
            # A UTF-8 BOM before cp1252 text (tools that prepend one blindly)
            # would otherwise become "ï»¿" in the first column's name.
            if facts.encoding == "cp1252" and src.read(3) != b"\xef\xbb\xbf":
                src.seek(0)
            while chunk := src.read(CHUNK):
                data = decoder.decode(chunk).encode("utf-8")
                newlines += data.count(b"\n")
                dst.write(data)
            data = decoder.decode(b"", final=True).encode("utf-8")
            newlines += data.count(b"\n")
            dst.write(data)
    except UnicodeDecodeError as exc:
        Path(name).unlink(missing_ok=True)
        raise IngestError(f"{facts.path}: not readable as {facts.encoding} text ({exc.reason})") from exc
    facts.transcoded_newlines = newlines
    return Path(name)


def _sniff_delimiter(path: Path) -> str:
    """The separator of the header line (outside quotes): ',', ';', tab or '|'."""
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
        header = handle.readline()
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    rows = con.execute(f"DESCRIBE {quote_ident(relation)}").fetchall()
    return [r[0] for r in rows if r[0] != "__line"]


# ----------------------------------------------------------------- XLSX

def _stage_xlsx(con: duckdb.DuckDBPyConnection, facts: FileFacts, name: str) -> Staged:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about workbooks saved without a default style
            # (common from non-Excel writers); the data is unaffected.
            warnings.filterwarnings("ignore", message=".*default style.*", category=UserWarning)
            frame = pd.read_excel(facts.path, dtype=str, engine="openpyxl", sheet_name=0)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise IngestError(f"{facts.path}: not a readable XLSX workbook ({exc})") from exc
    frame.columns = [str(c) for c in frame.columns]
    frame = frame.dropna(how="all")
    # Header is spreadsheet row 1, so DataFrame index i is row i + 2.
    frame["__line"] = frame.index.to_numpy() + 2
    handle = f"{name}_frame"
    con.register(handle, frame)
    try:
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(name)} AS "
            f"SELECT COLUMNS(* EXCLUDE (__line))::VARCHAR, __line::BIGINT AS __line FROM {quote_ident(handle)}"
        )
    finally:
        con.unregister(handle)
    return Staged(facts, name, _columns(con, name))


# ----------------------------------------------------------------- JSON

def _stage_json(con: duckdb.DuckDBPyConnection, facts: FileFacts, name: str,
                json_rule: Callable[[str], str]) -> Staged:
    doc, recs, raw = f"{name}_doc", f"{name}_recs", f"{name}_raw"
    with facts.path.open("rb") as handle:
        first = handle.read(64).lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    fmt = "array" if first == b"[" else "auto"
    con.execute(
        f"CREATE TEMP TABLE {quote_ident(doc)} AS SELECT json, row_number() OVER () AS n "
        "FROM read_json_objects(?, format = ?, maximum_object_size = ?)",
        [str(facts.path), fmt, facts.size + 1024],
    )
    root = ""
    if fmt == "auto":
        count, top_keys = con.execute(
            f"SELECT count(*), any_value(json_keys(json)) FROM {quote_ident(doc)}"
        ).fetchone()
        if count == 1:
            arrays = [k for k in top_keys or [] if con.execute(
                f"SELECT json_type(json -> ?) = 'ARRAY' FROM {quote_ident(doc)}", [k]).fetchone()[0]]
            if arrays:
                known = [k for k in arrays if json_rule(k) is not None]
                root = (known or arrays)[0]
    if root:
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(recs)} AS SELECT unnest(l) AS rec, "
            f"generate_subscripts(l, 1) AS pos FROM (SELECT json_transform(json -> ?, '[\"JSON\"]') AS l "
            f"FROM {quote_ident(doc)})",
            [root],
        )
    else:
        con.execute(f"CREATE TEMP TABLE {quote_ident(recs)} AS SELECT json AS rec, n AS pos FROM {quote_ident(doc)}")
    bad = con.execute(
        f"SELECT min(pos) FROM {quote_ident(recs)} WHERE json_type(rec) <> 'OBJECT'").fetchone()[0]
    if bad is not None:
        raise IngestError(f"{facts.path}: record {bad} is not a JSON object")
    keys = [r[0] for r in con.execute(
        f"SELECT k FROM (SELECT unnest(json_keys(rec)) AS k, generate_subscripts(json_keys(rec), 1) AS i, pos "
        f"FROM {quote_ident(recs)}) GROUP BY k ORDER BY min(pos), min(i)"
    ).fetchall()]
    rule = json_rule(root) or "raw"
    if keys:
        structure = json.dumps(dict.fromkeys(keys, "JSON"))
        con.execute(
            f"CREATE TEMP TABLE {quote_ident(raw)} AS SELECT pos AS __line, unnest(json_transform(rec, ?)) "
            f"FROM {quote_ident(recs)}",
            [structure],
        )
        macro = "mikpi_json_servicenow" if rule == "servicenow" else "mikpi_json_raw"
        con.execute(
            f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT {macro}(COLUMNS(* EXCLUDE (__line))), __line "
            f"FROM {quote_ident(raw)}"
        )
    else:
        con.execute(f"CREATE TEMP TABLE {quote_ident(raw)} AS SELECT pos AS __line FROM {quote_ident(recs)}")
        con.execute(f"CREATE TEMP VIEW {quote_ident(name)} AS SELECT __line FROM {quote_ident(raw)}")
    return Staged(facts, name, keys, root)
