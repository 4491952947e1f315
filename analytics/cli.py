"""The ``mikpi`` command line.

Every command, built-in or not, is found through the ``mikpi.commands``
entry-point group, so the core never imports a view package (dashboards,
exporters) and plugins use the same seam as built-ins.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from analytics.errors import MikpiError

COMMAND_GROUP = "mikpi.commands"


def command_entry_points() -> dict[str, object]:
    """Registered commands by name (not yet imported)."""
    return {ep.name: ep for ep in entry_points(group=COMMAND_GROUP)}


def load_command(name: str) -> click.Command:
    """Import one registered command; raises ``KeyError`` when none has that name."""
    return command_entry_points()[name].load()


class PluginGroup(click.Group):
    """A click group whose commands come from the entry-point registry, loaded on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(command_entry_points())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        try:
            return load_command(cmd_name)
        except KeyError:
            return None


@click.group(cls=PluginGroup)
@click.version_option(package_name="mikpi")
def cli() -> None:
    """mikpi: major-incident KPI analytics and governance reporting."""


def main(argv: list[str] | None = None) -> int:
    """Console entry point: bad usage or bad input exit 2 with one line, never a traceback."""
    try:
        cli.main(args=argv, prog_name="mikpi", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2
    except MikpiError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        click.echo(f"error: {exc.filename}: {exc.strerror}", err=True)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
