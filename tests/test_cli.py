from __future__ import annotations

from analytics.cli import command_entry_points, main


def test_every_documented_command_is_registered():
    assert {"sample", "ingest", "kpis", "serve", "export", "demo"} <= set(command_entry_points())


def test_unknown_command_exits_2_with_one_line(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "No such command" in err
