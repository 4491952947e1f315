"""``mikpi export``: the four governance artefacts for one tenant (or the portfolio, ``ALL``)."""

from __future__ import annotations

import re
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from analytics.errors import MikpiError
from analytics.store import DEFAULT_DB, open_store
from exporters.export import export_artefacts, parse_only

DEFAULT_CONFIG = "mikpi.toml"


def tenant_slug(tenant: str) -> str:
    """A folder name for a tenant: ``"Aurora Bank"`` -> ``"aurora-bank"``.

    >>> tenant_slug("Aurora Bank"), tenant_slug("ALL")
    ('aurora-bank', 'all')
    """
    return re.sub(r"[^a-z0-9]+", "-", tenant.lower()).strip("-") or "tenant"


def _config_path(config: str | None) -> Path | None:
    if config is not None:
        return Path(config)
    default = Path(DEFAULT_CONFIG)
    return default if default.is_file() else None


def _open_read_only(db: str):
    path = Path(db)
    if not path.is_file():
        raise MikpiError(f"{db}: no such store; load exports first with `mikpi ingest FILE... --db {db}`")
    import duckdb

    try:
        return open_store(path, read_only=True)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MikpiError(f"{db}: cannot open the store read-only: {first_line}") from exc


@click.command()
@click.option("--db", default=DEFAULT_DB, show_default=True, help="DuckDB store to read.")
@click.option("--tenant", required=True, help='Tenant name as in the store, or "ALL" for the portfolio.')
@click.option("--out", "out_dir", default=None,
              help="Output folder [default: exports/<tenant>].")
@click.option("--only", default=None, help="Comma-separated subset of docx,xlsx,pptx,pdf.")
@click.option("--config", default=None, help=f"Settings file [default: {DEFAULT_CONFIG} when present].")
def export(db: str, tenant: str, out_dir: str | None, only: str | None, config: str | None) -> None:
    """Write implementation-runbook.docx, kpi-and-risk-register.xlsx, exec-brief.pptx and proof-brief.pdf."""
    keys = parse_only(only)  # bad usage fails before any work
    store = _open_read_only(db)
    try:
        known = store.tenants()
        if tenant != "ALL" and tenant not in known:
            listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
            raise MikpiError(
                f"--tenant: no tenant {tenant!r} in {db} (tenants: {listed or 'none'}; or ALL)"
            )
        # Imported here so `mikpi --help` stays fast and a bad --db or --tenant
        # is reported before the engine loads.
        from analytics.config import load_config
        from analytics.kpis.engine import compute_kpis

        settings = load_config(_config_path(config))
        target = Path(out_dir) if out_dir else Path("exports") / tenant_slug(tenant)
        console = Console(stderr=True)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                      console=console, transient=False) as progress:
            task = progress.add_task("Computing KPIs", total=1)
            result = compute_kpis(store, tenant=tenant, config=settings)
            progress.advance(task)
            paths = export_artefacts(store, result, tenant, target, only=keys, progress=progress)
    finally:
        store.close()
    for path in paths:
        click.echo(f"{path}  ({path.stat().st_size / 1024:,.0f} KiB)")
