"""``mikpi sample``: write the synthetic exports to a folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analytics.sample.generator import generate_sample, pagerduty_tenant


@click.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the exports into (created if missing).")
@click.option("--tenants", default=4, show_default=True, type=click.IntRange(min=1),
              help="Clients (tenants); one of them also gets PagerDuty exports.")
@click.option("--weeks", default=13, show_default=True, type=click.IntRange(min=1),
              help="Programme weeks, from Monday 2026-01-05.")
@click.option("--incidents-per-week", default=12, show_default=True, type=click.IntRange(min=1),
              help="Incidents per tenant and week (two thirds of them major).")
@click.option("--seed", default=7, show_default=True, type=int, help="Random seed.")
def sample(out_dir: Path, tenants: int, weeks: int, incidents_per_week: int, seed: int) -> None:
    """Write realistic synthetic ServiceNow, PagerDuty and governance exports."""
    total_incidents = (tenants + 1) * weeks * incidents_per_week
    with click.progressbar(length=1, label="Generating", file=sys.stderr,
                           show_eta=False) as bar:
        def step(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        files = generate_sample(out_dir, tenants=tenants, weeks=weeks,
                                incidents_per_week=incidents_per_week, seed=seed, progress=step)
    click.echo(f"Wrote {total_incidents} incidents for {tenants} tenants to {out_dir}:")
    for name, path in files.items():
        click.echo(f"  {name:40} {path.stat().st_size:>12,} bytes")
    click.echo(f'PagerDuty files have no company field: ingest them with '
               f'--tenant "{pagerduty_tenant(tenants)}".')
