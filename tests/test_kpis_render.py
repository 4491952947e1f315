"""JSON contract (interfaces.md), CSV, terminal table and the `mikpi kpis` command."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest
from rich.console import Console

from analytics.cli import main
from analytics.kpis import KPIS, compute_kpis, render_table, to_csv, to_json
from analytics.store import open_store
from tests.test_kpis_rows import incident, update

AS_OF = datetime(2026, 6, 1)
NUMBER = (int, float)


def _fill(store) -> None:
    for week in range(6):
        for k in range(3):
            iid = f"I{week}{k}"
            opened = f"2026-01-{5 + 7 * week + k:02d} 10:00" if 5 + 7 * week + k <= 31 else \
                f"2026-02-{5 + 7 * week + k - 31:02d} 10:00"
            minutes = 120 - 10 * week + 5 * k
            incident(store, "acme", iid, opened, acknowledged_at=opened.replace("10:00", "10:07"),
                     resolved_at=opened.replace("10:00", f"{10 + minutes // 60:02d}:{minutes % 60:02d}"),
                     service="web" if k else "mail")
            update(store, "acme", iid, opened.replace("10:00", "10:20"))


@pytest.fixture(scope="module")
def result():
    s = open_store(None)
    _fill(s)
    r = compute_kpis(s, as_of=AS_OF)
    s.close()
    return r


def test_json_field_names_and_types(result):
    doc = json.loads(json.dumps(to_json(result)))
    assert list(doc) == ["scope", "generated_at", "settings", "overall", "weekly", "checkpoints",
                         "data_quality"]
    assert doc["scope"] == "major"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["generated_at"])
    for key in ("baseline_weeks", "window_weeks", "lookback_days", "min_n", "cadence_minutes", "targets"):
        assert key in doc["settings"]
    assert doc["settings"]["tenants"]["acme"]["programme_start"] == "2026-01-05"

    for row in doc["overall"]:
        assert list(row) == ["tenant", "kpi", "value", "mean", "median", "p90", "n"]
        assert isinstance(row["tenant"], str) and row["kpi"] in KPIS and isinstance(row["n"], int)
        for k in ("value", "mean", "median", "p90"):
            assert row[k] is None or isinstance(row[k], float)
        if row["kpi"].endswith("_pct"):
            assert row["mean"] is None and row["median"] is None and row["p90"] is None
    assert {(r["tenant"], r["kpi"]) for r in doc["overall"]} == {(t, k) for t in ("acme", "ALL") for k in KPIS}

    for row in doc["weekly"]:
        assert list(row) == ["tenant", "week", "week_start", "kpi", "value", "mean", "median", "p90", "n"]
        assert isinstance(row["week"], int) and re.fullmatch(r"\d{4}-\d\d-\d\d", row["week_start"])
        assert row["n"] > 0 or row["value"] is None
    acme_weeks = sorted({r["week"] for r in doc["weekly"] if r["tenant"] == "acme"})
    assert acme_weeks == [1, 2, 3, 4, 5, 6]

    keys = ["tenant", "kpi", "checkpoint", "baseline", "baseline_n", "week", "value", "n",
            "improvement_pct", "improvement_ci90", "target_min_pct", "target_stretch_pct", "due_week", "status"]
    for row in doc["checkpoints"]:
        assert list(row) == keys
        assert row["checkpoint"] in ("week4", "week8", "week13", "latest")
        assert isinstance(row["week"], int) and isinstance(row["n"], int) and isinstance(row["baseline_n"], int)
        for k in ("baseline", "value", "improvement_pct"):
            assert row[k] is None or isinstance(row[k], float)
        ci = row["improvement_ci90"]
        assert ci is None or (len(ci) == 2 and all(isinstance(v, float) for v in ci) and ci[0] <= ci[1])
        assert row["status"] in (None, "insufficient_data", "met", "on_track", "off_track")
        for k in ("target_min_pct", "target_stretch_pct"):
            assert row[k] is None or isinstance(row[k], NUMBER)
        assert row["due_week"] is None or isinstance(row["due_week"], int)
    mttr = [r for r in doc["checkpoints"] if r["tenant"] == "acme" and r["kpi"] == "mttr_minutes"]
    assert [r["checkpoint"] for r in mttr] == ["week4", "latest"]
    assert mttr[0]["target_min_pct"] == 20 and mttr[0]["due_week"] == 8
    assert mttr[0]["improvement_ci90"] is not None

    for row in doc["data_quality"]:
        assert list(row) == ["tenant", "check", "count", "note"]
        assert isinstance(row["check"], str) and isinstance(row["count"], int)


def test_csv_has_every_section(result):
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    sections = {r["section"] for r in rows}
    assert sections == {"overall", "weekly", "checkpoint", "data_quality"}
    first = next(r for r in rows if r["section"] == "overall" and r["kpi"] == "mttr_minutes")
    assert first["tenant"] == "acme" and first["n"] == "18"


def test_table_is_readable_with_status(result):
    console = Console(record=True, width=220)
    render_table(result, console=console)
    text = console.export_text()
    assert "acme — scope major, programme start 2026-01-05, latest week 6, data as of 2026-06-01 00:00 UTC" in text
    assert "MTTR" in text and "Status-update compliance" in text
    assert "On track" in text or "Met" in text or "Off track" in text


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "kpis.duckdb"
    with open_store(path) as s:
        _fill(s)
    return path


def test_cli_json(db_file, capsys):
    assert main(["kpis", "--db", str(db_file), "--format", "json", "--tenant", "acme"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {r["tenant"] for r in doc["overall"]} == {"acme"}


def test_cli_table_and_csv(db_file, capsys):
    assert main(["kpis", "--db", str(db_file), "--scope", "all", "--from", "2026-01-12"]) == 0
    assert "acme" in capsys.readouterr().out
    assert main(["kpis", "--db", str(db_file), "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("section,tenant,kpi,value")


def test_cli_errors_are_one_line_exit_2(tmp_path, db_file, capsys):
    assert main(["kpis", "--db", str(tmp_path / "missing.duckdb")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "missing.duckdb" in err and "\n" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults]\ncadence = 30\n")
    assert main(["kpis", "--db", str(db_file), "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.toml" in err and "'defaults.cadence'" in err and "\n" not in err
    assert main(["kpis", "--db", str(db_file), "--tenant", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
