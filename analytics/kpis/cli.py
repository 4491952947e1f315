"""``mikpi kpis``: compute the KPIs from the store and print them as a table, CSV or JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
import duckdb

from analytics.errors import MikpiError
from analytics.store import DEFAULT_DB

FORMATS = ("table", "csv", "json")


@click.command("kpis")
@click.option("--db", "db", default=DEFAULT_DB, show_default=True, help="DuckDB store to read.")
@click.option("--tenant", default=None, help="One tenant, or ALL for the portfolio only (default: every tenant and ALL).")
@click.option("--scope", type=click.Choice(["major", "all"]), default=None,
              help="Major incidents only, or every incident (default: from the configuration, else major).")
@click.option("--from", "date_from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First local date of the items counted (YYYY-MM-DD).")
@click.option("--to", "date_to", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Last local date of the items counted (YYYY-MM-DD).")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="mikpi.toml (default: ./mikpi.toml when present).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def kpis(db: str, tenant: str | None, scope: str | None, date_from: datetime | None,
         date_to: datetime | None, config: str | None, fmt: str) -> None:
    """Compute every KPI per tenant and for ALL: weekly, against the baseline, with targets and status."""
    # Imported here so `mikpi --help` stays fast.
    from analytics.config import load_config
    from analytics.kpis.engine import compute_kpis
    from analytics.kpis.render import render_table, to_csv, to_json
    from analytics.store import open_store

    if not Path(db).is_file():
        raise MikpiError(f"{db}: no such store (create it with `mikpi ingest FILE... --db {db}`)")
    cfg = load_config(config)
    try:
        store = open_store(db, read_only=True)
    except duckdb.Error as exc:
        raise MikpiError(f"{db}: cannot open the store: {str(exc).splitlines()[0]}") from None
    try:
        # The table, CSV and JSON print neither the incident frame nor the breakdowns: at a
        # million incidents those are about a fifth of the run.
        result = compute_kpis(store, tenant=tenant, scope=scope, config=cfg,
                              date_from=date_from.date() if date_from else None,
                              date_to=date_to.date() if date_to else None,
                              with_incidents=False, with_breakdowns=False)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(to_json(result), indent=2))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        render_table(result)
