"""``mikpi ingest``: load export files into the store and say what happened to each.

Errors are ``IngestError`` (one line naming the file); ``analytics.cli.main``
prints them as ``error: ...`` with exit status 2.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
import duckdb
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from analytics.config import Config, load_config
from analytics.errors import IngestError, MikpiError
from analytics.ingest.pipeline import FileSummary, TableCounts, ingest_files
from analytics.store import DEFAULT_DB, open_store

#: Files above this size get a progress bar (on stderr).
PROGRESS_BYTES = 4 * 1024 * 1024


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
              show_default=True, help="DuckDB store to load into (created when missing).")
@click.option("--tenant", help="Tenant for rows that name none (ServiceNow company); else 'default'.")
@click.option("--source", default="auto", show_default=True,
              help="auto, servicenow, pagerduty, statuspage, generic or governance.")
@click.option("--kind", default="auto", show_default=True,
              help="Record kind when detection cannot tell: incidents, incident_history, journal, "
                   "changes (ServiceNow); incidents, log_entries, analytics (PagerDuty); pirs, "
                   "actions, closure_evidence, timeline (governance).")
@click.option("--mapping", type=click.Path(path_type=Path),
              help="TOML mapping for --source generic.")
@click.option("--source-tz", default="UTC", show_default=True,
              help="Time zone of timestamps written without one.")
@click.option("--dayfirst/--monthfirst", default=None,
              help="Order of slash dates (3/4/2026) when the file itself cannot tell.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="mikpi.toml whose KPI facts to keep in the store (default: ./mikpi.toml if present).")
@click.option("--facts/--no-facts", default=True, show_default=True,
              help="After loading, derive the KPI facts and keep them in the store, so reports start "
                   "from them (above 200,000 incidents the other scope's too, for the dashboard's "
                   "toggle; --no-facts between batches: the next ingest drops them anyway).")
def ingest(files: tuple[Path, ...], db: Path, tenant: str | None, source: str, kind: str,
           mapping: Path | None, source_tz: str, dayfirst: bool | None, config: Path | None,
           facts: bool) -> None:
    """Load ServiceNow (and other) exports into the store, all files or none."""
    if not files:
        raise IngestError("no files given (usage: mikpi ingest FILE... [--db PATH] [--tenant T])")
    if tenant == "ALL":
        raise IngestError("--tenant: the name ALL is reserved for the portfolio view")
    for path in files:
        if not path.exists():
            raise IngestError(f"{path}: no such file")
    date_order = None if dayfirst is None else ("dayfirst" if dayfirst else "monthfirst")
    cfg = load_config(config) if facts else None  # a bad configuration fails before anything is written
    try:
        store = open_store(db)
    except duckdb.Error as exc:
        raise IngestError(f"{db}: cannot open the store ({str(exc).splitlines()[0]})") from exc
    big = [p for p in files if p.is_file() and p.stat().st_size > PROGRESS_BYTES]
    with store:
        if big:
            summaries = _with_progress(store, files, big, tenant=tenant, source=source, kind=kind,
                                       mapping=mapping, source_tz=source_tz, date_order=date_order)
        else:
            summaries = ingest_files(store, files, tenant=tenant, source=source, kind=kind,
                                     mapping=mapping, source_tz=source_tz, date_order=date_order)
        if cfg is not None:
            _keep_facts(store, cfg, big)
    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
        console = Console(width=160)
    _print_summary(console, summaries, db)


def _with_progress(store, files, big: list[Path], **options) -> list[FileSummary]:
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        tasks = {p: bar.add_task(p.name, total=1.0, stage="") for p in big}

        def report(path: Path, stage: str, fraction: float) -> None:
            task = tasks.get(path)
            if task is not None:
                bar.update(task, completed=fraction, stage=stage)

        return ingest_files(store, files, progress=report, **options)


def _keep_facts(store, cfg: Config, big: list[Path]) -> None:
    """Keep the KPI facts for ``cfg``; the load is committed already, so a failure only warns."""
    from analytics.kpis.engine import keep_facts  # here, so `mikpi --help` stays fast

    status = (Console(stderr=True).status("Deriving the KPI facts to keep in the store") if big
              else contextlib.nullcontext())
    try:
        with status:
            keep_facts(store, config=cfg)
    except (MikpiError, duckdb.Error) as exc:  # one line, unwrapped, whatever the terminal
        click.echo(f"warning: the files are loaded, but the KPI facts were not kept "
                   f"({str(exc).strip().splitlines()[0]}); reports derive them as they run", err=True)


def _print_summary(console: Console, summaries: list[FileSummary], db: Path) -> None:
    table = Table(title=f"Ingested into {db}", title_justify="left")
    for name, justify in (("file", "left"), ("source", "left"), ("kind", "left"), ("read", "right"),
                          ("loaded", "right"), ("replaced", "right"), ("unchanged", "right"),
                          ("rejected", "right"), ("tenants", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "tenants")
    for s in summaries:
        table.add_row(Path(s.file).name, s.source, s.kind, str(s.rows_read), str(s.rows_loaded),
                      str(s.rows_replaced), str(s.rows_unchanged), str(s.rows_rejected),
                      ", ".join(s.tenants) if len(s.tenants) <= 3 else f"{len(s.tenants)} tenants")
    console.print(table)
    for s in summaries:
        if len(s.tables) > 1:  # the counts above span tables: say which rows went where
            console.print(f"{Path(s.file).name}: " + "; ".join(_table_line(t) for t in s.tables),
                          highlight=False)
    rejected = sum(s.rows_rejected for s in summaries)
    if rejected:
        console.print(f"{rejected} row(s) rejected: the reasons are in the store's rejects table "
                      "(SELECT line, field, reason FROM rejects).")


def _table_line(t: TableCounts) -> str:
    """``updates 4 loaded, 1 rejected``: one table's share of a file's counts, zeros left out."""
    parts = [f"{n} {word}" for n, word in ((t.loaded, "loaded"), (t.replaced, "replaced"),
                                           (t.unchanged, "unchanged"), (t.rejected, "rejected")) if n]
    return f"{t.table} {', '.join(parts) or 'no rows'}"
