"""What the callbacks reuse between requests: listings read ahead in the background, caches kept apart."""

from __future__ import annotations

import json
import threading
import time

import pandas as pd
import pytest

from analytics.store import open_store
from dashboards import views as views_module
from dashboards.source import Query, ResultSource, SourceClosed
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


def _poll(client, current):
    body = {"output": "..store-version.data...status-banner.children..",
            "outputs": [{"id": "store-version", "property": "data"}, {"id": "status-banner", "property": "children"}],
            "inputs": [{"id": "poll", "property": "n_intervals", "value": 1}],
            "state": [{"id": "store-version", "property": "data", "value": current},
                      {"id": "scope", "property": "value", "value": "major"}],
            "changedPropIds": ["poll.n_intervals"]}
    resp = client.post("/_dash-update-component", json=body)
    assert resp.status_code == 200
    return resp.get_json()["response"]


def test_new_data_is_computed_before_the_page_is_told(store_file):
    from dashboards.app import create_app

    gate = threading.Event()
    calls = []

    def compute(store, **kwargs):
        calls.append(kwargs["scope"])
        gate.wait(timeout=30)
        return make_result()

    app = create_app(store_file, compute=compute, downloads=False)  # starts computing at once
    source, client = app.mikpi_source, app.server.test_client()
    first = _poll(client, None)
    assert "store-version" not in first  # still computing: nothing announced
    assert "New data is being computed" in json.dumps(first["status-banner"])
    gate.set()
    deadline = time.monotonic() + 30
    while source.warming_since is not None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    ready = _poll(client, None)
    assert ready["store-version"]["data"] == "-".join(map(str, source.version()))
    assert calls == [None]  # one engine call, the configured scope's, shared with the callbacks
    assert _poll(client, ready["store-version"]["data"]).get("store-version") is None


def test_priority_filters_are_computed_ahead_while_the_page_is_idle(store_file, monkeypatch):
    monkeypatch.setattr(views_module, "IDLE_SECONDS", 0.0)
    source = CountingSource(store_file)
    views = PageViews(source, "major")
    view = views.tenant(views.base(), "Aurora Bank")
    priorities = sorted(int(p) for p in view.incidents["priority"].dropna().unique())
    thread = views.warm_filters(view, "Aurora Bank", "major")
    thread.join(timeout=30)
    assert source.computed == 1 + len(priorities)
    for p in priorities:  # the callbacks' query for that filter: already cached
        assert views.get("Aurora Bank", None, "major", p, None) is not None
    assert source.computed == 1 + len(priorities)
    monkeypatch.setattr(views_module, "WARM_FILTERS_MAX_INCIDENTS", len(view.incidents) - 1)
    assert views.warm_filters(view, "Aurora Bank", "major") is None  # a larger tenant: not ahead


def test_the_other_scope_is_computed_ahead_while_the_page_is_idle(store_file, monkeypatch):
    monkeypatch.setattr(views_module, "IDLE_SECONDS", 0.0)
    source = CountingSource(store_file)
    views = PageViews(source, "major")
    base = views.base()
    thread = views.warm_scope(base, "major")
    thread.join(timeout=30)
    assert source.ready(Query(scope="all")) and source.computed == 2
    assert views.warm_scope(base, "major") is None  # once per result
    views.get("Aurora Bank", None, "all", None, None)  # the toggle: a cache hit
    assert source.computed == 2
    monkeypatch.setattr(views_module, "WARM_SCOPE_MAX_INCIDENTS", 1)  # the store holds two incidents
    small = PageViews(CountingSource(store_file), "major")
    assert small.warm_scope(small.base(), "major") is None
    assert not small.source.ready(Query(scope="all"))


def test_close_ends_the_background_work_and_refuses_new_reads(store_file):
    source = CountingSource(store_file)
    views = PageViews(source, "major")
    base = views.base()
    started = threading.Event()
    release = threading.Event()

    def slow() -> None:
        started.set()
        release.wait(timeout=30)
        source.read(lambda store: None)  # after close: refused, and the thread ends quietly

    thread = source.background(slow, "test-slow")
    assert started.wait(timeout=30)
    reader = views.read_ahead(base, "Aurora Bank")
    release.set()
    source.close(timeout=30)
    assert not thread.is_alive() and not reader.is_alive()
    with pytest.raises(SourceClosed):
        source.read(lambda store: None)
