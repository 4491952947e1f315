"""What the callbacks show, built once: the filters' engine call, tenant views, listings, memoised outputs.

Why a module of its own: the callbacks (``dashboards.callbacks``) are thin wiring;
everything a callback reuses between requests lives here. ``PageViews`` also reads
ahead in a background thread — every tenant's listings once a result is first shown —
so a tenant switch renders from memory instead of visiting the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import pandas as pd

from analytics import details
from analytics.kpis.engine import OTHER_SCOPE_FACTS_ABOVE
from analytics.kpis.result import KpiResult
from dashboards import figures, tables
from dashboards.source import (
    Query,
    ResultSource,
    action_summaries,
    action_summary,
    shown_changes,
    shown_closure,
)

__all__ = ["PageViews", "filters_query", "restrict", "week_bounds", "week_dates"]

#: Priority filters are computed ahead only for a tenant with at most this many incidents in the
#: view: there one report from the prepared facts takes a few tenths of a second (100k store:
#: ~10,000 per tenant, ~0.3 s a call); on larger tenants five calls ahead would hold both cores
#: for seconds.
WARM_FILTERS_MAX_INCIDENTS = 25_000
#: The other scope's all-tenant result is computed ahead only for a store of at most this many
#: incidents: at 100k it is ~4 s of background work and a few hundred MB; at 1M another 1.4 GB
#: beside the shown scope's. Above it `mikpi ingest` keeps that scope's facts in the store
#: instead, so the toggle reads them (the engine's threshold: one number for both).
WARM_SCOPE_MAX_INCIDENTS = OTHER_SCOPE_FACTS_ABOVE
#: ... and only once no callback has run for this long (seconds): a person reading the page.
IDLE_SECONDS = 1.0
#: Tenants read ahead after a page: the next ones in the dropdown (and the portfolio). Each holds
#: its own copy of its rows (the split's take): at 1M incidents ~60 MB a tenant, so not all ten.
READ_AHEAD_TENANTS = 3


def restrict(result: KpiResult, tenant: str) -> KpiResult:
    """``result`` for one tenant; the portfolio keeps every tenant's incidents (they make up ALL)."""
    scoped = result.for_tenant(tenant)
    if tenant == figures.PORTFOLIO:
        scoped = replace(scoped, incidents=figures.incidents_for(result, tenant))
    return scoped


def week_bounds(result: KpiResult, tenant: str) -> tuple[int, int]:
    """First and last programme week the engine reported for ``tenant`` (1, 1 when none)."""
    weeks = result.weekly.loc[result.weekly["tenant"] == tenant, "week"] if not result.weekly.empty else []
    if len(weeks) == 0:
        return 1, 1
    return int(min(weeks)), int(max(weeks))


def week_dates(result: KpiResult, tenant: str, weeks: Sequence[int]) -> tuple[date | None, date | None]:
    """Local dates (inclusive) of programme weeks ``[a, b]``; ``None`` for an end that is not narrowed."""
    first, last = week_bounds(result, tenant)
    a, b = int(weeks[0]), int(weeks[1])
    wk = result.weekly[result.weekly["tenant"] == tenant].drop_duplicates("week").set_index("week")["week_start"]
    start_of = {int(k): pd.Timestamp(v).date() for k, v in wk.items()}  # one entry per week, not per row
    date_from = start_of.get(a) if a > first else None
    date_to = start_of[b] + timedelta(days=6) if b < last and b in start_of else None
    return date_from, date_to


def filters_query(base: KpiResult, tenant: str, weeks: Sequence[int] | None, scope: str | None,
                  priority: int | None, service: str | None) -> Query:
    """The engine call for the filters: all tenants at once unless a filter narrows the population.

    Without week, priority or service filters one result for every tenant is
    computed and a tenant switch only slices it; a narrowing filter computes
    that tenant alone (weeks are the tenant's own programme weeks).
    """
    date_from, date_to = week_dates(base, tenant, weeks) if weeks else (None, None)
    if date_from is None and date_to is None and priority is None and not service:
        return Query(scope=scope)
    return Query(tenant=tenant, scope=scope, date_from=date_from, date_to=date_to,
                 priority=priority, service=service or None)


class PageViews:
    """What the callbacks reuse: tenant views of cached results and rendered outputs (memoised), the
    listings a view shows (one store visit), and the work done ahead in background threads: the next
    tenants' listings (:meth:`read_ahead`) and the priority filters of the tenant shown
    (:meth:`warm_filters`), both only while the page is idle.
    """

    def __init__(self, source: ResultSource, default_scope: str | None) -> None:
        self.source = source
        self.default_scope = default_scope
        self._memo: dict[tuple, tuple[tuple, object]] = {}
        self._generation = source.generation
        self._ahead_of: KpiResult | None = None  # the result the read-ahead thread works for
        self._ahead_lock = threading.Lock()
        self._active = 0  # callbacks running now
        self._last_activity = time.monotonic()
        self._filters_queue: list[Query] = []  # priority results still to compute ahead
        self._filters_thread: threading.Thread | None = None
        self._scope_ahead_of: KpiResult | None = None  # the result whose other scope is computed ahead
        # (result, store version, {(tenant, as_of): action summary}) read for every tenant at once
        self._actions_each: tuple[KpiResult, tuple, dict] | None = None

    def scope_query(self, scope: str | None) -> str | None:
        """The configured scope is passed as ``None`` so it shares a cache entry with the exports' call."""
        return None if scope == self.default_scope else scope

    _scope = scope_query

    def base(self, scope: str | None = None) -> KpiResult:
        return self.source.result(Query(scope=self._scope(scope)))[0]

    def get(self, tenant: str, weeks: Sequence[int] | None, scope: str | None, priority: int | None,
            service: str | None) -> KpiResult:
        base = self.base(scope)
        query = filters_query(base, tenant, weeks, self._scope(scope), priority, service)
        result, _ = self.source.result(query)
        return self.tenant(result, tenant)

    def tenant(self, result: KpiResult, tenant: str) -> KpiResult:
        """:func:`restrict`, served from the result's split by tenant (a dict lookup, not a mask per call)."""
        def make() -> KpiResult:
            scoped = self.source.tenant_result(result, tenant)
            if tenant == figures.PORTFOLIO:
                scoped = replace(scoped, incidents=figures.incidents_for(result, tenant))
            return scoped
        return self.memo("restrict", (result,), (tenant,), make)

    def memo(self, name: str, inputs: tuple, extra: tuple, make):
        """``make()`` once per ``name``, input objects (by identity) and ``extra`` values.

        Results and listings are replaced, never mutated, when the store changes, so
        identity is a safe key: flipping back to a tenant re-sends what was built.
        """
        if self._generation != self.source.generation or len(self._memo) > 96:
            # the source evicted results: drop what was built from them, so memory stays bounded
            self._memo.clear()
            self._generation = self.source.generation
        key = (name, *map(id, inputs), *extra)
        hit = self._memo.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], inputs)):
            hit = self._memo[key] = (inputs, make())
        return hit[1]

    def listings(self, view: KpiResult, tenant: str) -> dict[str, pd.DataFrame]:
        """Every store listing the view's sections show, read in one visit to the store.

        Opening the file (and warming a fresh connection's buffers) costs more than the
        small queries, so the sections share one read, cached per store version and the
        rows shown: the overdue actions and the count per status, the ingest runs and the
        rejects (``as_of``: the view's data time), the changes linked from the shown
        change-related incidents, and the evidence of the shown closure-gate failures.
        """
        now = view.as_of(tenant)
        change_keys, closure_keys = self.memo("shown-keys", (view,), (tenant,), lambda: (
            tables.shown_change_keys(view, tenant), tables.shown_closure_keys(view, tenant)))
        each = self._actions_each
        primed = each[2].get((tenant, now)) if each and each[1] == self.source.version() else None

        def read(store) -> dict[str, pd.DataFrame]:
            return {**(primed or action_summary(store, tenant, now)),
                    "runs": details.ingest_runs(store, tenant),
                    "rejects": details.reject_reasons(store, tenant),
                    "changes": shown_changes(store, change_keys),
                    "closure": shown_closure(store, closure_keys)}
        return self.source.listing(("page", now, change_keys, closure_keys), tenant, read)[0]

    def prime_actions(self, base: KpiResult) -> None:
        """Every tenant's overdue actions and counts per status, read once per result in one visit.

        :meth:`listings` then takes a tenant's from here instead of scanning the actions
        table for that tenant alone (the scan is the same for one tenant or all of them).
        """
        if self._actions_each is not None and self._actions_each[0] is base:
            return
        version = self.source.version()
        as_of = {t: base.as_of(t) for t in self.source.tenants()}
        key = tuple(sorted(as_of.items()))
        summaries = self.source.listing(("actions-each", key), "*", lambda store: action_summaries(store, as_of))[0]
        self._actions_each = (base, version, summaries)

    # -- reading ahead -----------------------------------------------------------------------
    def read_ahead(self, base: KpiResult, shown: str) -> threading.Thread | None:
        """The next tenants' views and listings of ``base``, made in a background thread, once per result.

        Why: on a large store the visit to the store (open, warm a fresh connection, read)
        is most of a warm tenant switch (1M incidents: ~0.3 s of ~0.4 s). Read ahead,
        a switch finds the tenant's split and listings cached and only renders. The next
        ``READ_AHEAD_TENANTS`` tenants in the dropdown's order (the next click is likely a
        neighbour) and the portfolio are read, each once the page has been idle for
        ``IDLE_SECONDS`` (on 2 cores, reading while callbacks run slows them). The reads go
        through the callbacks' per-key locks: a callback never reads a listing twice.
        Returns the thread (None when ``base`` is already being read ahead).
        """
        with self._ahead_lock:
            if self._ahead_of is base:
                return None
            self._ahead_of = base
        names = self.source.tenants()
        start = names.index(shown) + 1 if shown in names else 0
        order = [t for t in names[start:] + names[:start] if t != shown][:READ_AHEAD_TENANTS]
        if shown != figures.PORTFOLIO:
            order.append(figures.PORTFOLIO)  # the portfolio is no copy: its incidents are the result's own
        return self.source.background(lambda: self._read_ahead(base, order), "mikpi-read-ahead")

    def _read_ahead(self, base: KpiResult, order: list[str]) -> None:
        for tenant in order:  # loop over tenants; a store error ends it (see ResultSource.background)
            if not self._wait_idle() or self._ahead_of is not base:  # exiting, or a newer result took over
                return
            self.listings(self.tenant(base, tenant), tenant)

    # -- computing filters ahead -------------------------------------------------------------
    def activity(self, delta: int) -> None:
        """A callback starts (+1) or ends (-1): the background work waits for the page to be idle."""
        with self._ahead_lock:
            self._active += delta
            self._last_activity = time.monotonic()

    def _wait_idle(self) -> bool:
        """Wait until no callback has run for ``IDLE_SECONDS``; False when the source is closing."""
        while not self.source.closing:
            with self._ahead_lock:
                wait = 0.05 if self._active else self._last_activity + IDLE_SECONDS - time.monotonic()
            if wait <= 0:
                return True
            time.sleep(min(wait, 0.25))
        return False

    def warm_filters(self, view: KpiResult, tenant: str, scope: str | None) -> threading.Thread | None:
        """Each priority's result (and listings) for the tenant shown, computed in the background while idle.

        Why: a filter computes that tenant alone with the engine (~0.7 s a call on a 100k
        store, more on a loaded machine); the priority dropdown has five values, so the
        first pick of one is the common unseen combination. Services (thousands) and week
        ranges cannot be enumerated. Only for views of at most ``WARM_FILTERS_MAX_INCIDENTS``
        incidents; a newer tenant replaces the queue. Returns the worker thread when one
        was started.
        """
        inc = view.incidents
        if inc.empty or len(inc) > WARM_FILTERS_MAX_INCIDENTS or "priority" not in inc.columns:
            return None
        present = sorted(int(p) for p in inc["priority"].dropna().unique())  # at most five values
        queries = [Query(tenant=tenant, scope=self.scope_query(scope), priority=p) for p in present]
        with self._ahead_lock:
            self._filters_queue = queries
            if self._filters_thread is not None:
                return None  # the running worker takes the new queue
            self._filters_thread = thread = self.source.background(self._warm_filters, "mikpi-warm-filters")
        return thread

    def warm_scope(self, base: KpiResult, scope: str | None) -> threading.Thread | None:
        """The other scope's all-tenant result, computed in the background once the page is idle.

        Why: toggling *Major incidents* / *All incidents* needs the other scope's facts and
        result for every tenant (100k store: ~4 s). Computed ahead, once per shown result, the
        toggle is a cache hit like a tenant switch. Only for stores of at most
        ``WARM_SCOPE_MAX_INCIDENTS`` incidents; in a larger one the toggle reads the facts
        ``mikpi ingest`` kept for that scope. Returns the thread when one was started.
        """
        shown = scope or self.default_scope
        query = Query(scope=self.scope_query("all" if shown == "major" else "major"))
        with self._ahead_lock:
            if self._scope_ahead_of is base:
                return None
            self._scope_ahead_of = base
        if self.source.ready(query):
            return None
        count = self.source.incident_count()
        if count is None or count > WARM_SCOPE_MAX_INCIDENTS:  # busy, or too large to hold both
            return None

        def run() -> None:
            if self._wait_idle() and self._scope_ahead_of is base:
                self.source.result(query)
        return self.source.background(run, "mikpi-warm-scope")

    def _warm_filters(self) -> None:
        try:
            while self._wait_idle():
                with self._ahead_lock:
                    if not self._filters_queue:
                        self._filters_thread = None
                        return
                    query = self._filters_queue.pop(0)
                result, _ = self.source.result(query)  # a store error ends the worker (the queue with it)
                self.listings(self.tenant(result, query.tenant), query.tenant)
        finally:  # ended by an error or by closing: the queue goes with this worker
            with self._ahead_lock:
                if self._filters_thread is threading.current_thread():
                    self._filters_queue = []
                    self._filters_thread = None
