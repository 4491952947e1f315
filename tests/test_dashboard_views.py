"""What the callbacks reuse between requests: listings read ahead in the background, caches kept apart."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.store import open_store
from dashboards.source import Query, ResultSource
from dashboards.views import PageViews
from tests.result_fixture import make_result

INSERT = ("INSERT INTO incidents (tenant, incident_id, opened_at, row_hash, source, source_file, sha256, run_id) "
          "VALUES (?, ?, TIMESTAMP '2026-01-05 08:00', 'h', 'servicenow', 'f.csv', 'sha', 1)")


class CountingSource(ResultSource):
    """The real source, counting its visits to the store and its engine calls."""

    def __init__(self, *args, **kwargs) -> None:
        self.reads = 0
        self.computed = 0
        super().__init__(*args, compute=self._compute_fixture, **kwargs)

    def _compute_fixture(self, store, **kwargs):
        self.computed += 1
        return make_result()

    def read(self, fn):
        self.reads += 1
        return super().read(fn)


@pytest.fixture
def store_file(db_path):
    with open_store(db_path) as store:
        for tenant, incident in (("Aurora Bank", "INC1"), ("Borealis Retail", "INC2")):
            store.con.execute(INSERT, [tenant, incident])
    return db_path


def test_read_ahead_leaves_every_other_tenants_listings_cached(store_file):
    source = CountingSource(store_file)
    views = PageViews(source, "major")
    base = views.base()
    thread = views.read_ahead(base, "Aurora Bank")
    thread.join(timeout=30)
    assert views.read_ahead(base, "Aurora Bank") is None  # once per result
    reads = source.reads
    for tenant in ("Borealis Retail", "ALL"):  # read ahead: served from the cache
        lists = views.listings(views.tenant(base, tenant), tenant)
        assert set(lists) == {"overdue", "counts", "runs", "rejects", "changes", "closure"}
    assert source.reads == reads
    views.listings(views.tenant(base, "Aurora Bank"), "Aurora Bank")  # the tenant shown was not read ahead
    assert (source.reads, source.computed) == (reads + 1, 1)


def test_listings_never_evict_a_result(store_file):
    source = CountingSource(store_file, cache_size=1, listing_cache_size=2)
    first, _ = source.result(Query())
    for i in range(5):
        source.listing(("n", i), "Aurora Bank", lambda store, i=i: pd.DataFrame({"i": [i]}))
    again, _ = source.result(Query())
    assert (again is first, source.computed, source.generation) == (True, 1, 0)
    assert len(source._lists) == 2  # the listing cache keeps its own bound
