"""The sample data's story, end to end: sample exports -> ingest -> engine (issue 4, "must show").

The generator gives each tenant a profile (analytics/sample/_story.py): fast and steady
tenants improve, the slow one is late on update compliance at week 8 and meets it by week 13,
the flat one does not improve. The engine must tell that story, with its default as-of time:
each tenant's latest record (the exports are snapshots taken after week 13), not today.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analytics.kpis import compute_kpis
from analytics.store import open_store

sample = pytest.importorskip("analytics.sample")
ingest = pytest.importorskip("analytics.ingest")

START = datetime(2026, 1, 5)
WEEKS = 13


def profiles() -> dict[str, str]:
    """Tenant name -> story profile, as the generator assigns them."""
    from analytics.sample._catalog import tenant_names
    from analytics.sample._story import profile_for

    return {name: profile_for(i) for i, (name, _) in enumerate(tenant_names(4))}


@pytest.fixture(scope="module")
def story_db(tmp_path_factory):
    """The sample's exports ingested into a store file: (database path, config path)."""
    root = tmp_path_factory.mktemp("story")
    sample.generate_sample(root / "exports", tenants=4, weeks=WEEKS, start=START.date().isoformat())
    exports = root / "exports"
    with open_store(root / "mikpi.duckdb") as store:
        ingest.ingest_files(store, sorted((exports / "servicenow").glob("*.csv")))
        ingest.ingest_files(store, sorted((exports / "governance").glob("*.csv")))
    return root / "mikpi.duckdb", exports / "mikpi.toml"


@pytest.fixture(scope="module")
def story(story_db):
    db, config = story_db
    with open_store(db, read_only=True) as store:
        return compute_kpis(store, config=config)  # as_of: from the data, not now


def status(result, tenant, kpi, checkpoint="latest"):
    cp = result.checkpoints
    row = cp[(cp["tenant"] == tenant) & (cp["kpi"] == kpi) & (cp["checkpoint"] == checkpoint)]
    return row.iloc[0]["status"]


def test_sample_story_mttr_minutes_and_mtta_minutes(story):
    by_profile = {p: t for t, p in profiles().items()}
    assert set(by_profile) == {"fast", "steady", "slow", "flat"}
    assert set(profiles()) <= set(story.overall["tenant"])
    for profile in ("fast", "steady", "slow"):
        for kpi in ("mttr_minutes", "mtta_minutes"):
            assert status(story, by_profile[profile], kpi) in ("met", "on_track")
    assert status(story, by_profile["fast"], "mttr_minutes", "week4") == "met"
    assert status(story, by_profile["flat"], "mttr_minutes") == "off_track"
    assert status(story, by_profile["flat"], "mtta_minutes") == "off_track"


TARGETED = ("mttr_minutes", "mtta_minutes", "update_compliance_pct", "repeat_rate_pct")


def test_sample_latest_checkpoint_is_the_end_of_the_programme_not_empty(story):
    # Exports are taken on the Sunday of week 14, 09:00; the re-export a day later (Monday of
    # week 15, 09:00) is every tenant's latest record.
    reexport = START + timedelta(weeks=WEEKS + 1, hours=9)
    assert {t: s["as_of"] for t, s in story.settings["tenants"].items()} == dict.fromkeys(profiles(), reexport)
    cp = story.checkpoints
    latest = cp[(cp["checkpoint"] == "latest") & cp["kpi"].isin(TARGETED)]
    assert set(latest["tenant"]) == {*profiles(), "ALL"}
    # Actions due in weeks 15-17 that the exports show open are not yet due: they neither count
    # as late nor stretch the weeks to 17 and leave the latest window empty.
    assert latest["week"].isin([WEEKS, WEEKS + 1, WEEKS + 2]).all()
    assert (latest["n"] >= 3).all() and (latest["baseline_n"] >= 3).all()
    assert (latest["status"] != "insufficient_data").all()
    assert story.weekly["week"].max() <= WEEKS + 2
    quality = story.data_quality
    not_due = quality[(quality["check"] == "actions_not_yet_due") & (quality["tenant"] != "ALL")]
    assert len(not_due) == 4 and (not_due["count"] > 0).all()


def test_sample_story_update_compliance_pct_slow_tenant_catches_up(story):
    slow = {p: t for t, p in profiles().items()}["slow"]
    assert status(story, slow, "update_compliance_pct", "week8") == "off_track"
    assert status(story, slow, "update_compliance_pct", "week13") == "met"


def test_a_one_tenant_call_gives_the_all_tenant_calls_figures(story, story_db):
    """CLI and dashboard compute every tenant at once, exports one: the figures must agree."""
    db, config = story_db
    cols = ["value", "n", "baseline", "improvement_pct", "improvement_ci_low", "improvement_ci_high"]
    with open_store(db, read_only=True) as store:
        for tenant in profiles():
            alone = compute_kpis(store, tenant=tenant, config=config, with_incidents=False).checkpoints
            pooled = story.for_tenant(tenant).checkpoints
            assert len(alone) == len(pooled) > 0
            assert alone["status"].tolist() == pooled["status"].tolist()
            # The intervals are resampled from the same items in the same order: equal to the bit.
            for col in ("improvement_ci_low", "improvement_ci_high"):
                assert alone[col].astype(float).tolist() == pytest.approx(
                    pooled[col].astype(float).tolist(), rel=0, abs=0, nan_ok=True)
            # Means may differ in the last bit (parallel summation order), never at shown precision.
            for col in cols:
                assert alone[col].astype(float).tolist() == pytest.approx(
                    pooled[col].astype(float).tolist(), rel=1e-12, nan_ok=True)
