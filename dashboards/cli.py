"""``mikpi serve``: the dashboard on 127.0.0.1 with debug off, unless asked otherwise."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from analytics.errors import MikpiError
from analytics.store import DEFAULT_DB

USER_ENV = "MIKPI_DASH_USER"
PASSWORD_ENV = "MIKPI_DASH_PASSWORD"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_from_env(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """``(user, password)`` from MIKPI_DASH_USER / MIKPI_DASH_PASSWORD; both or neither."""
    env = os.environ if environ is None else environ
    user, password = env.get(USER_ENV, ""), env.get(PASSWORD_ENV, "")
    if bool(user) != bool(password):
        raise MikpiError(f"set both {USER_ENV} and {PASSWORD_ENV} for basic authentication, or neither")
    return (user, password) if user else None


@click.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=Path(DEFAULT_DB),
              show_default=True, help="DuckDB store to read (opened read-only).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback shares the dashboard on the network.")
@click.option("--port", type=int, default=8050, show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="mikpi.toml (default: ./mikpi.toml when present).")
@click.option("--debug", is_flag=True, help="Dash debug mode (never on a shared host).")
def serve(db: Path, host: str, port: int, config_path: Path | None, debug: bool) -> None:
    """Serve the Dash dashboard for the weekly KPI review.

    With --host other than loopback, set MIKPI_DASH_USER and MIKPI_DASH_PASSWORD
    to require HTTP basic authentication (send it over TLS or a trusted network).
    """
    from dashboards.app import create_app

    if not db.is_file():
        raise MikpiError(f"{db}: no store here; run `mikpi ingest FILE... --db {db}` first")
    auth = auth_from_env()
    if not is_loopback(host):
        if debug:
            raise MikpiError("--debug is refused on a non-loopback --host: it would expose a debugger")
        if auth is None:
            click.secho(f"warning: serving on {host} without authentication; set {USER_ENV} and "
                        f"{PASSWORD_ENV} to require a password", fg="yellow", err=True)
    app = create_app(db, config=config_path, auth=auth)
    click.echo(f"mikpi dashboard on http://{host}:{port}/ (store {db}, read-only); Ctrl+C to stop")
    app.run(host=host, port=port, debug=debug)
