"""The ingest pipeline: every source, one loading path, one transaction per call.

For each file: read its first chunk for format and encoding (its SHA-256 and
newlines in a background pass, awaited where they are used); stage it in DuckDB as VARCHAR
columns plus its line (a CSV in a database file attached for the call); detect
source and kind from the registry; project the file's columns onto the kind's
source fields (view ``src``); decide the date order; run the source's mapping
SQL (view ``mapped_<target>``); type and check the rows
(``ingest_typed_<target>.sql``); merge them into the canonical table
(``ingest_merge_<target>.sql``), writing rejects and per-tenant counts. All of
it is set-based SQL; Python only loops over files.

The whole call is one transaction: any error rolls back, so the store is
exactly as it was. Journal files run after incident files of the same call so
their entries can resolve to incidents loaded alongside them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from analytics.errors import IngestError
from analytics.ingest.projection import create_src_view, file_stats, looks_like_history
from analytics.ingest.readers import (
    STAGE_DATABASE,
    FileFacts,
    Progress,
    Staged,
    fingerprint,
    fix_csv_lines,
    malformed_view,
    quote_ident,
    stage,
)
from analytics.ingest.registry import (
    TARGETS,
    KindSpec,
    check_source,
    detect_kind,
    registered_kinds,
)
from analytics.ingest.timestamps import DATE_ORDERS, decide_dayfirst
from analytics.kpis import stored
from analytics.store import Store, read_sql

#: Temp objects an ingest leaves behind: the staged files and the pipeline's scratch.
STAGE_PREFIX = "mikpi_stage_"
_SCRATCH = [
    "src", "stg", "stg_malformed", "merge_outcome", "merge_rows", "merge_new_lines", "merge_read",
    "ingest_ctx", "ingest_counted_lines",
    *(f"{step}_{t}" for step in ("mapped", "typed") for t in TARGETS),
]


class TableCounts(NamedTuple):
    """What one file did to one canonical table (``read``: see :class:`FileSummary`)."""

    table: str
    read: int
    loaded: int
    replaced: int
    unchanged: int
    rejected: int


@dataclass(frozen=True)
class FileSummary:
    """What one file did to the store, over every canonical table it fed.

    ``rows_read`` counts the file's records (rows; JSON records; ragged CSV
    records too). ``rows_loaded``/``rows_replaced``/``rows_unchanged``/
    ``rows_rejected`` count canonical rows, in every table the file fed: a
    file feeding one table has ``rows_read`` = loaded + replaced + unchanged +
    rejected; a file feeding two (a Statuspage incident and its updates, a
    history export and its state changes, a mapping with comment columns) can
    write more rows than it has records. A row the same file also holds in a
    newer version counts as unchanged, like a row older than the stored one.
    ``tables`` is the same per table, in the order they were loaded.
    """

    file: str
    source: str
    kind: str
    rows_read: int
    rows_loaded: int
    rows_replaced: int
    rows_unchanged: int
    rows_rejected: int
    tenants: tuple[str, ...]
    tables: tuple[TableCounts, ...] = field(default=(), compare=False)


@dataclass
class _Plan:
    index: int
    staged: Staged
    spec: KindSpec
    dayfirst: bool | None
    repeated: bool                 # some record id occurs more than once in the file


def ingest_files(
    store: Store,
    paths: Iterable[str | Path],
    *,
    tenant: str | None = None,
    source: str = "auto",
    mapping: str | Path | None = None,
    source_tz: str = "UTC",
    date_order: str | None = None,
    progress: Progress | None = None,
    kind: str | KindSpec = "auto",
) -> list[FileSummary]:
    """Load export files into the store, all or nothing; one summary per file, in order.

    ``tenant`` applies where a row names no tenant (ServiceNow ``company``);
    ``source``/``kind`` override detection (``kind`` may also be a
    :class:`KindSpec` not in the registry); ``mapping`` is a generic-source
    mapping file; naive timestamps are wall clock in ``source_tz``;
    ``date_order`` ("dayfirst"/"monthfirst") settles slash dates the data
    cannot; ``progress(path, stage, fraction)`` is called as files advance.

    Raises IngestError (one line naming the file) for bad options, unreadable
    files, undetectable kinds and ambiguous dates; the store is then unchanged.

    >>> from analytics.store import open_store
    >>> ingest_files(open_store(None), [])
    Traceback (most recent call last):
    ...
    analytics.errors.IngestError: no files given
    """
    files = [Path(p) for p in paths]
    if not files:
        raise IngestError("no files given")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise IngestError(f"date order {date_order!r}: use dayfirst or monthfirst")
    mapping_used: dict[str, str] | None = None
    if isinstance(kind, KindSpec):
        mapped: list[KindSpec] | None = [kind]
        source, kind = kind.source, kind.kind
    else:
        mapped = check_source(source, kind, Path(mapping) if mapping is not None else None)
        if mapping is not None:
            mapping_used = _mapping_provenance(Path(mapping))
    # What the call asked for, recorded with every file's run (ingest_runs.options).
    call_options = {
        "tenant": tenant, "source": source, "kind": kind, "source_tz": source_tz,
        "date_order": date_order, "mapping": mapping_used,
    }
    con = store.con
    _check_timezone(con, source_tz)
    facts = [fingerprint(p, progress) for p in files]
    # Staging and detection touch only the staging database, TEMP objects and
    # session variables, so they run before the transaction; only loading
    # touches the store.
    plans: list[_Plan] = []
    staged: list[Staged] = []
    with stage_database(con):
        try:
            con.execute(read_sql("ingest_macros"))
            for i, fact in enumerate(facts):
                with _about(fact.path):
                    plans.append(_prepare(con, i, fact, source, kind, mapped, date_order, progress, staged))
            summaries: dict[int, FileSummary] = {}
            con.execute("BEGIN TRANSACTION")
            try:
                stored.drop(con)  # the KPI facts kept in the store are the old data's
                for plan in sorted(plans, key=lambda p: (p.spec.order, p.index)):
                    with _about(plan.staged.facts.path):
                        summaries[plan.index] = _load(con, plan, tenant, source_tz, call_options, progress)
                    if progress is not None:
                        progress(plan.staged.facts.path, "done", 1.0)
                try:
                    con.execute("COMMIT")
                except duckdb.Error as exc:
                    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    raise IngestError(f"store {store.path or ':memory:'}: commit failed ({message})") from exc
            except BaseException:
                _rollback(con)
                raise
        finally:
            _cleanup(con, staged)
    return [summaries[i] for i in range(len(plans))]


@contextmanager
def stage_database(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Attach a fresh database file as ``STAGE_DATABASE`` for one call; detach and delete it after.

    Staged CSV rows go there rather than to TEMP (see ``readers.STAGE_DATABASE``):
    written before the store's transaction opens, only read inside it.
    """
    folder = Path(tempfile.mkdtemp(prefix="mikpi-ingest-"))
    try:
        con.execute(f"ATTACH ? AS {STAGE_DATABASE}", [str(folder / "staged.duckdb")])
        try:
            yield
        finally:
            con.execute(f"DETACH {STAGE_DATABASE}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _about(path: Path) -> Iterator[None]:
    """Turn a DuckDB error about one file into a one-line IngestError naming it."""
    try:
        yield
    except duckdb.Error as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        # "CSV Error on Line: 4" alone says where, the next line says what.
        message = ": ".join(lines[:2] if lines and lines[0].startswith("CSV Error") else lines[:1])
        raise IngestError(f"{path}: {message or type(exc).__name__}") from exc


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:  # the failure ended the transaction already (e.g. on COMMIT)
        pass


def _check_timezone(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    try:
        con.execute("SELECT timezone('UTC', timezone(?, TIMESTAMP '2000-01-01 00:00:00'))", [tz]).fetchone()
    except duckdb.Error as exc:
        raise IngestError(f"--source-tz {tz}: unknown time zone") from exc


def _json_rule(source: str, kind: str, mapped: list[KindSpec] | None):
    """How JSON values become text for records under a root, per the candidate kinds."""
    pool = mapped if mapped is not None else registered_kinds(None if source == "auto" else source)

    def rule(root: str) -> str | None:
        rules = {s.json_values for s in pool
                 if root in s.json_roots and (kind == "auto" or s.kind == kind)}
        return rules.pop() if len(rules) == 1 else ("raw" if rules else None)

    return rule


def _prepare(con, index: int, facts: FileFacts, source: str, kind: str,
             mapped: list[KindSpec] | None, date_order: str | None,
             progress: Progress | None, staged_files: list[Staged]) -> _Plan:
    """Stage one file, detect its kind and date order (no store table touched yet)."""
    if progress is not None:
        progress(facts.path, "reading", 0.35)
    staged = stage(con, facts, f"{STAGE_PREFIX}{index}", _json_rule(source, kind, mapped))
    staged_files.append(staged)
    spec = detect_kind(str(facts.path), staged.columns, staged.json_root,
                       source=source, kind=kind, candidates=mapped)
    present = create_src_view(con, staged, spec)
    ts_fields = [f for f in spec.timestamp_fields if f in present]
    stats = file_stats(con, spec, ts_fields)
    fix_csv_lines(con, staged, stats.rows)
    sibling = _sibling(spec, spec.history_kind, mapped) if spec.history_kind else None
    if kind == "auto" and sibling is not None and looks_like_history(stats):
        # The history kind shares the incident kind's fields, so the stats hold.
        spec = sibling
    dayfirst = decide_dayfirst(str(facts.path), ts_fields, date_order, stats.hi_first, stats.hi_second)
    return _Plan(index, staged, spec, dayfirst, stats.repeated_ids > 0)


def _sibling(spec: KindSpec, kind: str, mapped: list[KindSpec] | None) -> KindSpec | None:
    pool = mapped if mapped is not None else registered_kinds(spec.source)
    return next((s for s in pool if s.source == spec.source and s.kind == kind), None)


def _mapping_provenance(path: Path) -> dict[str, str]:
    """The mapping file a run used, as its provenance records it: absolute path and SHA-256.

    Hashed right after it was loaded: the digest names the rules the rows went through.
    """
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise IngestError(f"{path}: {exc.strerror or exc}") from exc
    return {"path": str(path.resolve()), "sha256": digest}


def _load(con, plan: _Plan, tenant: str | None, source_tz: str, call_options: dict[str, object],
          progress: Progress | None) -> FileSummary:
    """Map, type and merge one staged file; records its ingest run."""
    spec, staged = plan.spec, plan.staged
    facts = staged.facts
    started = _utcnow()
    run_id = con.execute("SELECT nextval('ingest_run_seq')").fetchone()[0]
    present = create_src_view(con, staged, spec)
    con.execute(read_sql("ingest_ctx"), {
        "run_id": run_id, "source": spec.source, "kind": spec.kind,
        "source_file": facts.path.name, "sha256": facts.sha256, "tenant": tenant,
        "source_tz": source_tz, "dayfirst": plan.dayfirst, "present": present,
        "repeated": plan.repeated,
    })
    if spec.prepare is not None:
        spec.prepare(con)
    for name in spec.sql:
        con.execute(read_sql(name))
    if progress is not None:
        progress(facts.path, "mapping", 0.55)
    con.execute(read_sql(f"ingest_typed_{spec.target}"))
    if progress is not None:
        progress(facts.path, "merging", 0.8)
    # (table, per-tenant counts) of every merge, the file's own table first: a
    # record is read once, in the first table that got a row from it.
    merges = [(spec.target, _merge(con, spec.target, first=True,
                                   more=bool(spec.extra_targets) or spec.history))]
    if malformed_view(con, staged):
        # Ragged CSV records: rejects with their lines, counted with the file's rows.
        con.execute(read_sql("ingest_malformed"))
        merges.append((spec.target, _count(con, spec.target, "merge_outcome", first=False, more=False)))
    for target in spec.extra_targets:
        con.execute(read_sql(f"ingest_typed_{target}"))
        merges.append((target, _merge(con, target)))
    if spec.history:
        con.execute(read_sql("ingest_history_events"))
        merges.append(("timeline_events", _merge(con, "timeline_events")))
    options = {
        **call_options, "dayfirst": plan.dayfirst, "format": facts.fmt,
        "encoding": facts.encoding if facts.fmt == "csv" else None,
        "json_root": staged.json_root,
    }
    con.execute(read_sql("ingest_run"), {
        "run_id": run_id, "started_at": started, "finished_at": _utcnow(),
        "file_name": facts.path.name, "file_path": str(facts.path.resolve()),
        "sha256": facts.sha256, "size_bytes": facts.size, "source": spec.source,
        "kind": spec.kind, "options": json.dumps(options),
    })
    return _summary(str(facts.path), spec, merges)


def _summary(file: str, spec: KindSpec, merges: list[tuple[str, list[tuple]]]) -> FileSummary:
    """Add up the per-tenant counts of a file's merges, per table and in all."""
    by_table: dict[str, list[int]] = {}
    for table, counts in merges:
        if counts:
            sums = by_table.setdefault(table, [0] * 5)
            for row in counts:
                for i in range(5):
                    sums[i] += row[i + 1]
    tables = tuple(TableCounts(t, *sums) for t, sums in by_table.items())
    return FileSummary(
        file=file, source=spec.source, kind=spec.kind,
        rows_read=sum(t.read for t in tables), rows_loaded=sum(t.loaded for t in tables),
        rows_replaced=sum(t.replaced for t in tables), rows_unchanged=sum(t.unchanged for t in tables),
        rows_rejected=sum(t.rejected for t in tables),
        tenants=tuple(sorted({row[0] for _, counts in merges for row in counts})),
        tables=tables,
    )


RESERVED_TENANT_REASON = "the tenant name ALL is reserved for the portfolio view"


def _merge(con, target: str, *, first: bool = False, more: bool = True) -> list[tuple]:
    """Merge typed_<target> into <target>; write rejects and counts; per-tenant counts.

    ``first``: the file's first merge (its kind's own table); ``more``: merges follow.
    """
    typed = quote_ident("typed_" + target)
    # "ALL" is the portfolio view's name: no record of any kind may claim it as its tenant.
    con.execute(f"UPDATE {typed} SET __reject_field = 'tenant', "
                "__reject_reason = ? WHERE tenant = 'ALL' AND __reject_reason IS NULL",
                [RESERVED_TENANT_REASON])
    con.execute(read_sql(f"ingest_merge_{target}"))
    counts = _count(con, target, "typed_" + target, first=first, more=more)
    if any(row[5] for row in counts):
        # Raw values come from the staged file again: only worth a scan when needed.
        con.execute(read_sql("ingest_rejects"))
    return counts


def _count(con, target: str, rows: str, *, first: bool, more: bool) -> list[tuple]:
    """Record the per-tenant counts of the merge whose every row is in table ``rows``.

    Only a later merge of the file groups its lines (records read in an earlier
    table are not read again); the first one's are all new, one row each.
    """
    con.execute(f"CREATE OR REPLACE TEMP VIEW merge_rows AS SELECT tenant, line FROM {quote_ident(rows)}")
    if not first:
        con.execute(read_sql("ingest_counts_read"))
    elif more:
        con.execute(read_sql("ingest_counts_first"))
    return con.execute(read_sql("ingest_counts"), {"target": target, "first": first}).fetchall()


def _cleanup(con, staged: list[Staged]) -> None:
    """Drop the temp objects, variables and files of an ingest, whether it succeeded or not."""
    rows = con.execute(read_sql("ingest_scratch"), {"prefix": STAGE_PREFIX, "names": _SCRATCH}).fetchall()
    for kind, name in rows:
        con.execute(f"DROP {kind} IF EXISTS {quote_ident(name)}")
    for s in staged:
        for variable in s.variables:
            con.execute(f"RESET VARIABLE {quote_ident(variable)}")
        if s.temp_path is not None:
            s.temp_path.unlink(missing_ok=True)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
