"""The hand-built fixture and KpiResult.for_tenant keep the contract views rely on."""

from __future__ import annotations

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
