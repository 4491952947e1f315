"""The hand-built fixture and KpiResult.for_tenant keep the contract views rely on."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from analytics.kpis.result import KPIS
from tests.result_fixture import TENANTS, make_result


def test_fixture_covers_every_kpi_and_tenant():
    r = make_result()
    assert set(r.overall["kpi"]) == set(KPIS)
    assert set(r.weekly["tenant"]) == {*TENANTS, "ALL"}


def test_for_tenant_keeps_only_that_tenant():
    r = make_result().for_tenant("Aurora Bank")
    for frame in (r.overall, r.weekly, r.checkpoints, r.data_quality, r.breakdowns, r.incidents):
        assert set(frame["tenant"]) == {"Aurora Bank"}
    assert list(r.settings["tenants"]) == ["Aurora Bank"]
    other = make_result().for_tenant("Borealis Retail")
    assert other.settings["tenants"] == {}


def test_as_of_is_the_tenants_own_then_the_runs_then_generation_time():
    r = make_result()
    assert r.as_of("Aurora Bank") == r.generated_at  # the fixture names no as_of
    run, own = datetime(2026, 4, 13, 9), datetime(2026, 4, 12, 18)
    settings = {**r.settings, "as_of": run,
                "tenants": {"Aurora Bank": {"timezone": "Europe/London", "as_of": own}}}
    dated = replace(r, settings=settings)
    assert dated.as_of("Aurora Bank") == own
    assert dated.as_of("Borealis Retail") == run
    assert dated.as_of("ALL") == run
