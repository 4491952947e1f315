"""``mikpi demo``: sample -> ingest -> kpis -> export -> serve, the first thing a new user runs.

Each step is the registered command a user would type, looked up through the
command registry, so the demo exercises exactly the paths of the CLI and the
core never imports a view package.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click

from analytics.errors import MikpiError
from analytics.sample import pagerduty_tenant


def _run(name: str, args: list[str]) -> None:
    from analytics.cli import load_command

    try:
        command = load_command(name)
    except KeyError as exc:
        raise MikpiError(f"demo: the '{name}' command is not installed") from exc
    click.secho(f"\n$ mikpi {name} {' '.join(args)}", bold=True)
    command.main(args=args, prog_name=f"mikpi {name}", standalone_mode=False)


def _export_files(exports: Path) -> tuple[list[str], list[str]]:
    """Files of the sample in ingest order, and the PagerDuty ones (loaded with --tenant)."""
    ordered = [
        *sorted(exports.glob("servicenow/*.csv")),
        *sorted(exports.glob("governance/*.csv")),
    ]
    pagerduty = sorted(exports.glob("pagerduty/*.json"))
    return [str(p) for p in ordered], [str(p) for p in pagerduty]


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("mikpi-demo"), show_default=True, help="Folder for exports, store and artefacts.")
@click.option("--no-serve", is_flag=True, help="Stop after the artefacts instead of serving the dashboard.")
@click.option("--port", type=int, default=8050, show_default=True, help="Dashboard port (127.0.0.1).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="mikpi.toml to use instead of the sample's.")
def demo(out_dir: Path, no_serve: bool, port: int, config_path: Path | None) -> None:
    """Generate sample exports, load them, compute the KPIs, write the artefacts, serve the dashboard."""
    exports = out_dir / "exports"
    db = out_dir / "mikpi.duckdb"
    if db.exists():
        db.unlink()  # a demo always starts from a clean store
    _run("sample", ["--out", str(exports)])
    config = config_path or out_dir / "mikpi.toml"
    if config_path is None:
        shutil.copyfile(exports / "mikpi.toml", config)

    files, pagerduty = _export_files(exports)
    # The last ingest keeps the KPI facts of the demo's configuration in the store.
    _run("ingest", [*files, "--db", str(db), "--config", str(config), *(["--no-facts"] if pagerduty else [])])
    if pagerduty:
        _run("ingest", [*pagerduty, "--db", str(db), "--tenant", pagerduty_tenant(),
                        "--source", "pagerduty", "--config", str(config)])
    _run("kpis", ["--db", str(db), "--config", str(config)])

    from analytics.store import open_store

    with open_store(db, read_only=True) as store:
        tenants = store.tenants()
    for tenant in [*tenants, "ALL"]:
        target = out_dir / "artefacts" / _folder_name(tenant)
        _run("export", ["--db", str(db), "--tenant", tenant, "--out", str(target),
                        "--config", str(config)])
    click.secho(f"\nArtefacts: {out_dir / 'artefacts'}", fg="green")
    if not no_serve:
        _run("serve", ["--db", str(db), "--port", str(port), "--config", str(config)])


def _folder_name(tenant: str) -> str:
    """A tenant name as a safe folder name ("Aurora Bank" -> "aurora-bank")."""
    return re.sub(r"[^a-z0-9]+", "-", tenant.lower()).strip("-") or "tenant"
