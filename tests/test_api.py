"""The public Python API gives the analyst the CLI's numbers: same engine, same store, same config.

The committed sample is ingested once into a store file; ``mikpi kpis --format json`` runs
through ``analytics.cli.main`` and ``analytics.compute_kpis`` runs on the same store and
config. Every number of ``overall``, ``weekly`` and ``checkpoints`` must agree, row for row,
for every tenant and ``ALL``.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analytics
from analytics.cli import main
from analytics.sample import pagerduty_tenant

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
CONFIG = SAMPLE / "mikpi.toml"
TENANTS = ["ALL", "Aurora Bank", "Borealis Retail", "Cirrus Health", "Dunmore Logistics"]
STATS = ["value", "mean", "median", "p90", "n"]
CHECKPOINT_NUMBERS = ["baseline", "baseline_n", "week", "value", "n", "improvement_pct",
                      "improvement_ci_low", "improvement_ci_high", "target_min_pct",
                      "target_stretch_pct", "due_week"]
RTOL = 1e-12  # JSON floats round-trip exactly; only summation order may differ between runs


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed sample in a store file, loaded as the sample's README says."""
    db = tmp_path_factory.mktemp("api") / "mikpi.duckdb"
    csvs = sorted(SAMPLE.glob("servicenow/*.csv")) + sorted(SAMPLE.glob("governance/*.csv"))
    with analytics.open_store(db) as store:
        analytics.ingest_files(store, csvs)
        analytics.ingest_files(store, sorted(SAMPLE.glob("pagerduty/*.json")),
                               tenant=pagerduty_tenant(), source="pagerduty")
    return db


@pytest.fixture(scope="module")
def api_result(sample_db: Path) -> analytics.KpiResult:
    with analytics.open_store(sample_db, read_only=True) as store:
        return analytics.compute_kpis(store, config=analytics.load_config(CONFIG))


@pytest.fixture(scope="module")
def _cli_cache() -> dict:
    return {}


@pytest.fixture
def cli_doc(capsys: pytest.CaptureFixture[str], sample_db: Path, _cli_cache: dict) -> dict:
    """The ``mikpi kpis --format json`` document for the sample (the CLI runs once per module)."""
    if "doc" not in _cli_cache:
        capsys.readouterr()
        code = main(["kpis", "--format", "json", "--db", str(sample_db), "--config", str(CONFIG)])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        _cli_cache["doc"] = json.loads(captured.out)
    return _cli_cache["doc"]


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats with NaN for null, whether it came from JSON (None) or pandas (NA)."""
    return pd.to_numeric(frame[column]).to_numpy(dtype=float, na_value=np.nan)


def _joined(cli_rows: list[dict], api: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """CLI rows and API rows side by side; every row must be on both sides exactly once."""
    cli = pd.DataFrame(cli_rows)
    assert len(cli) == len(api)
    joined = cli.merge(api, on=keys, how="outer", suffixes=("_cli", "_api"), indicator=True,
                       validate="one_to_one")
    assert joined["_merge"].eq("both").all(), joined.loc[joined["_merge"] != "both", keys]
    return joined


def _assert_same(joined: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        np.testing.assert_allclose(_numbers(joined, f"{column}_cli"), _numbers(joined, f"{column}_api"),
                                   rtol=RTOL, atol=0, equal_nan=True, err_msg=column)


def test_every_tenant_and_all_in_both(cli_doc: dict, api_result: analytics.KpiResult) -> None:
    for section in ("overall", "weekly", "checkpoints"):
        assert sorted({row["tenant"] for row in cli_doc[section]}) == TENANTS
        assert sorted(getattr(api_result, section)["tenant"].unique()) == TENANTS


def test_overall_equals_cli(cli_doc: dict, api_result: analytics.KpiResult) -> None:
    joined = _joined(cli_doc["overall"], api_result.overall, ["tenant", "kpi"])
    _assert_same(joined, STATS)
    mttr = joined.set_index(["tenant", "kpi"]).loc[("Aurora Bank", "mttr_minutes")]
    assert mttr["n_cli"] == mttr["n_api"] == 104


def test_weekly_equals_cli(cli_doc: dict, api_result: analytics.KpiResult) -> None:
    joined = _joined(cli_doc["weekly"], api_result.weekly, ["tenant", "week", "kpi"])
    _assert_same(joined, STATS)
    api_start = pd.to_datetime(joined["week_start_api"]).dt.strftime("%Y-%m-%d")
    assert (joined["week_start_cli"] == api_start).all()
    assert (joined["n_api"] == 0).sum() > 0  # empty weeks are rows in both, value null
    assert joined.loc[joined["n_api"] == 0, "value_cli"].isna().all()


def test_checkpoints_equal_cli(cli_doc: dict, api_result: analytics.KpiResult) -> None:
    rows = [{**row, "improvement_ci_low": (row["improvement_ci90"] or [None, None])[0],
             "improvement_ci_high": (row["improvement_ci90"] or [None, None])[1]}
            for row in cli_doc["checkpoints"]]
    joined = _joined(rows, api_result.checkpoints, ["tenant", "kpi", "checkpoint"])
    _assert_same(joined, CHECKPOINT_NUMBERS)
    assert (joined["status_cli"].fillna("-") == joined["status_api"].fillna("-")).all()
    assert set(joined["checkpoint"]) == {"week4", "week8", "week13", "latest"}


def test_incidents_reproduce_the_duration_kpis(api_result: analytics.KpiResult) -> None:
    """``result.incidents`` is the rows behind the durations: its means and counts are the KPIs."""
    incidents = api_result.incidents
    pooled = incidents.assign(tenant="ALL")
    for kpi in ("mtta_minutes", "mttr_minutes", "mttm_minutes"):
        by_tenant = pd.concat([incidents, pooled]).groupby("tenant")[kpi].agg(["mean", "count"])
        overall = api_result.overall.query("kpi == @kpi").set_index("tenant").loc[by_tenant.index]
        np.testing.assert_allclose(by_tenant["mean"], overall["value"], rtol=1e-9, err_msg=kpi)
        assert by_tenant["count"].tolist() == overall["n"].tolist(), kpi


def test_public_names_import_and_are_callable_or_classes() -> None:
    assert analytics.__all__ == sorted(set(analytics.__all__))
    for name in analytics.__all__:
        obj = getattr(analytics, name)
        assert inspect.isclass(obj) or inspect.isfunction(obj), name
    assert issubclass(analytics.ConfigError, analytics.MikpiError)
    assert issubclass(analytics.IngestError, analytics.MikpiError)
