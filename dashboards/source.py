"""Where the dashboard gets its numbers: the engine over a read-only store, computed once per filter.

Why it is shaped like this:

* The DuckDB file is opened **read-only and only for the moment of a read**, then
  closed. A held connection would keep the file lock and make a concurrent
  ``mikpi ingest`` fail; a write in progress makes our open fail instead.
* The store's *version* is the file's stat (size and mtime of the database and
  its WAL), so a callback costs one ``stat`` when nothing changed and the engine
  runs again only after an ingest committed.
* While the store is locked by a writer, every read falls back to the last
  result computed for the same filters: the dashboard keeps answering with the
  last committed data and picks up the new data on the first read after commit.
* A result is split by tenant once (one group-by per frame, :func:`split_by_tenant`)
  and the split is kept beside the cached result, so a tenant switch is a dict
  lookup instead of a boolean mask over every frame of every tenant.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from analytics import details
from analytics.errors import MikpiError
from analytics.kpis.engine import KpiFacts, prepare_kpis
from analytics.kpis.result import KpiResult
from analytics.store import Store, open_store

T = TypeVar("T")
#: DuckDB's memory ceiling for the dashboard's reads (and its prepared facts) unless
#: MIKPI_MEMORY_LIMIT says otherwise: lower than a batch command's 3 GB because the process also
#: holds the results it serves. At 1M incidents, the *All incidents* facts and result took the
#: dashboard to 5.4 GB with 3 GB; with 1.5 GB DuckDB spills and the same work peaks at 2.7 GB
#: alone, ~2 s slower.
DASHBOARD_MEMORY_LIMIT = "1.5GB"
Compute = Callable[..., KpiResult]


class StoreBusy(MikpiError):
    """The store is locked by a writer (an ingest) and nothing was computed for this request before."""


class SourceClosed(MikpiError):
    """The source was closed (the process is exiting): no new read starts."""


@dataclass(frozen=True)
class Query:
    """One engine call: the filter tuple results are cached by (with the store version)."""

    tenant: str | None = None
    scope: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    priority: int | None = None
    service: str | None = None
    #: The page shows no breakdown (the exec brief does): at 100k incidents they are a third of
    #: a portfolio report, at 1M 2.6M rows.
    breakdowns: bool = False

    def kwargs(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "scope": self.scope, "date_from": self.date_from,
                "date_to": self.date_to, "priority": self.priority, "service": self.service,
                "with_breakdowns": self.breakdowns}


#: KpiResult's frame fields, the ones for_tenant() restricts by their ``tenant`` column.
FRAMES = tuple(f.name for f in fields(KpiResult) if f.name not in ("scope", "generated_at", "settings"))


class TenantSplit:
    """A result cut by tenant: every frame grouped once, each tenant's result taken on first use.

    Why: ``KpiResult.for_tenant`` masks every frame against one tenant, so a dashboard
    switching tenants would compare the whole all-tenant frames (hundreds of thousands
    of incident and breakdown rows) on each switch. Here one group-by per frame gives
    every tenant's row positions at once; a tenant's result is then a ``take`` of its
    own positions (the rows, order and dtypes ``for_tenant``'s mask selects, index
    reset), made once and kept. Settings come from ``for_tenant`` itself, on a copy
    without frames, so they stay exactly the contract's.
    """

    def __init__(self, result: KpiResult) -> None:
        self.result = result
        self._positions: dict[str, dict[Any, Any]] = {}
        names: set[str] = {"ALL"}
        for name in FRAMES:  # loop over frames
            df = getattr(result, name)
            if df.empty or "tenant" not in df.columns:
                continue
            self._positions[name] = df.groupby("tenant", sort=False, observed=True, dropna=True).indices
            names.update(str(t) for t in self._positions[name])
        self.tenants: tuple[str, ...] = tuple(sorted(names))
        self._bare = KpiResult(scope=result.scope, generated_at=result.generated_at, settings=result.settings,
                               **{name: pd.DataFrame() for name in FRAMES})
        self._made: dict[str, KpiResult] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str) -> KpiResult:
        """``result.for_tenant(tenant)``, taken once per tenant (any tenant name, present or not)."""
        with self._lock:  # concurrent callbacks for the same tenant share one take
            made = self._made.get(tenant)
            if made is None:
                made = self._made[tenant] = self._make(tenant)
        return made

    def _make(self, tenant: str) -> KpiResult:
        parts: dict[str, pd.DataFrame] = {}
        for name in FRAMES:  # loop over frames
            df = getattr(self.result, name)
            if name not in self._positions:
                parts[name] = df  # empty or without a tenant column: for_tenant keeps it as it is
                continue
            rows = self._positions[name].get(tenant)
            parts[name] = (df.take(rows) if rows is not None else df.iloc[0:0]).reset_index(drop=True)
        return KpiResult(scope=self.result.scope, generated_at=self.result.generated_at,
                         settings=self._bare.for_tenant(tenant).settings, **parts)


def split_by_tenant(result: KpiResult) -> dict[str, KpiResult]:
    """``{tenant: result.for_tenant(tenant)}`` for every tenant in the result and ``"ALL"``, in one pass."""
    split = TenantSplit(result)
    return {tenant: split.get(tenant) for tenant in split.tenants}


SQL_DIR = Path(__file__).with_name("sql")
CHANGE_COLUMNS = ["tenant", "change_id", "title", "ended_at"]
CLOSURE_COLUMNS = ["tenant", "incident_id", "service_validated_at", "customer_confirmed_at", "residual_risk",
                   "missing_service_validation", "missing_customer_confirmation", "missing_residual_risk"]


@cache
def read_dashboard_sql(name: str) -> str:
    """The text of ``dashboards/sql/<name>.sql``: the dashboard's own listings (as analytics.store.read_sql)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def shown_changes(store: Store, pairs: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The changes named by ``(tenant, change_id)`` pairs, with their end time: only what a table shows.

    Why not ``analytics.details.changes``: that reads every change of the tenant (tens of
    thousands of rows on a large store) for a table that shows fifteen.
    """
    if not pairs:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    params = {"tenants": [t for t, _ in pairs], "change_ids": [c for _, c in pairs]}
    return store.con.execute(read_dashboard_sql("changes_shown"), params).df()


def shown_closure(store: Store, pairs: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Closure evidence of the incidents named by ``(tenant, incident_id)`` pairs: only what a table shows.

    Why not ``analytics.details.closure_evidence``: that reads the evidence of every
    incident of the tenant (66,000 rows per tenant at 1M incidents) for a table that
    shows fifteen failing ones. Same columns and gate flags (``dashboards/sql/closure_shown.sql``).
    """
    if not pairs:
        return pd.DataFrame(columns=CLOSURE_COLUMNS)
    params = {"tenants": [t for t, _ in pairs], "incident_ids": [i for _, i in pairs]}
    return store.con.execute(read_dashboard_sql("closure_shown"), params).df()


def action_summary(store: Store, tenant: str, as_of: datetime) -> dict[str, pd.DataFrame]:
    """What the follow-through section shows of ``details.action_tracker``: its overdue rows and the count per status.

    The core's two small listings (``details.overdue_actions``, ``details.action_counts``, the
    ones the exports use; the tests hold them to the tracker's rows and counts): the overdue rows
    (the chart and the table) and one count per status, not every action of the tenant (tens of
    thousands of rows, nearly all done, on a large store). At 1M incidents: 0.03 s instead of 0.28 s.
    """
    return {"overdue": details.overdue_actions(store, tenant, as_of),
            "counts": details.action_counts(store, tenant, as_of)}


def action_summaries(store: Store, as_of: dict[str, datetime]) -> dict[tuple[str, datetime], dict[str, pd.DataFrame]]:
    """:func:`action_summary` of every ``tenant: as_of`` given (named tenants, not ``ALL``), in one scan each.

    Keyed by ``(tenant, as_of)``; each value has the rows, columns and values of
    ``action_summary(store, tenant, as_of)`` (the tests hold them to it). Why: a tenant's rows are spread over the
    whole actions table, so each tenant's own query scans all of it (1M incidents: 1.8M
    actions, ~0.15 s on a fresh connection); one read for every tenant costs about one.
    """
    params = {"tenants": list(as_of), "as_ofs": list(as_of.values())}
    overdue = store.con.execute(read_dashboard_sql("actions_overdue_each"), params).df()
    counts = store.con.execute(read_dashboard_sql("actions_counts_each"), params).df()
    by_tenant = {t: rows.index for t, rows in overdue.groupby("tenant", sort=False)}
    counted = {t: rows.index for t, rows in counts.groupby("tenant", sort=False)}
    out = {}
    for tenant, when in as_of.items():  # loop over tenants
        rows = by_tenant.get(tenant, overdue.index[:0])
        out[(tenant, when)] = {
            "overdue": overdue.loc[rows].reset_index(drop=True),
            "counts": counts.loc[counted.get(tenant, counts.index[:0]), ["status", "n"]].reset_index(drop=True)}
    return out


def _default_update_slots() -> Callable[..., pd.DataFrame] | None:
    try:
        from analytics.kpis.engine import update_slots
    except ImportError:
        return None
    return update_slots


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) and ("lock" in text or "resource temporarily" in text)


class ResultSource:
    """Engine results and detail listings for the dashboard, cached per filter and store version.

    Results come from the engine's prepared facts (``prepare_kpis``), read once per scope
    and store version; tests and benchmarks may inject a ``compute`` callable with
    ``compute_kpis``'s signature instead.
    """

    def __init__(self, store_path: str | Path, *, config: object = None, compute: Compute | None = None,
                 update_slots: Callable[..., pd.DataFrame] | None = None, cache_size: int = 12,
                 listing_cache_size: int = 128, facts_cache_size: int = 2) -> None:
        self.path = Path(store_path)
        self.memory_limit = os.environ.get("MIKPI_MEMORY_LIMIT", DASHBOARD_MEMORY_LIMIT)
        self.config = config
        self._compute = compute
        self._update_slots = update_slots
        # Results (large: every frame of the engine) and listings (a few small frames per tenant
        # and view) are kept apart, so reading the listings of every tenant never evicts a result.
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._last_good: OrderedDict[Hashable, Any] = OrderedDict()
        self._cache_size = cache_size
        self._lists: OrderedDict[Hashable, Any] = OrderedDict()
        self._lists_good: OrderedDict[Hashable, Any] = OrderedDict()
        self._lists_size = listing_cache_size
        # Prepared facts (one per scope): every filter of every tenant is answered from them.
        self._facts: OrderedDict[Hashable, Any] = OrderedDict()
        self._facts_good: OrderedDict[Hashable, Any] = OrderedDict()
        self._facts_size = facts_cache_size
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self.busy_since: datetime | None = None
        self.last_error: str | None = None  # the engine's last refusal (MikpiError), for the banner
        self.generation = 0  # bumped when cached values are evicted; derived memos follow it
        # id(result) -> (result, its split by tenant); the result is held so the id stays its own
        self._splits: OrderedDict[int, tuple[KpiResult, TenantSplit]] = OrderedDict()
        self._split_lock = threading.Lock()
        self.closing = False  # set by close(): background work stops, no new read starts
        self._threads: list[threading.Thread] = []  # background threads close() waits for
        self._open: set[Store] = set()  # stores open right now (close() interrupts their queries)
        self._warming: dict[Hashable, datetime] = {}  # (query, version) being computed ahead -> since
        self._warm_failed: set[Hashable] = set()  # (query, version) the engine refused ahead of a callback

    # -- the store -------------------------------------------------------------------------
    def version(self) -> tuple[int, ...]:
        """Size and mtime of the database file and its WAL: changes exactly when a write landed."""
        parts: list[int] = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                parts += [0, 0]
            else:
                parts += [st.st_size, st.st_mtime_ns]
        return tuple(parts)

    def read(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn`` on a read-only store opened for this call only; a writer's lock raises StoreBusy."""
        if self.closing:
            raise SourceClosed(f"{self.path}: the dashboard is shutting down")
        try:
            store = open_store(self.path, read_only=True, lock_wait=0)
        except duckdb.Error as exc:
            if _is_lock_error(exc):
                with self._lock:
                    self.busy_since = self.busy_since or datetime.now()
                raise StoreBusy(f"{self.path}: the store is being written (ingest running)") from exc
            raise
        store.con.execute("SET memory_limit = ?", [self.memory_limit])
        with self._lock:
            self._open.add(store)
        try:
            value = fn(store)
        finally:
            with self._lock:
                self._open.discard(store)
            store.close()
        with self._lock:
            self.busy_since = None
        return value

    # -- background work -------------------------------------------------------------------
    def background(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Run ``target`` in a daemon thread that :meth:`close` waits for; its store errors end it quietly.

        Background work is ahead of any request: a busy store, a refusal or an interrupted
        query only means a callback will do (and report) the work itself.
        """
        def run() -> None:
            try:
                target()
            except (MikpiError, duckdb.Error):
                pass
        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def close(self, timeout: float = 60.0) -> None:
        """Stop the background work: no new read starts, running queries are interrupted, threads joined.

        Why: a daemon thread still inside DuckDB when the interpreter exits aborts the
        process ("terminate called ..."), so ``create_app`` registers this at exit. An
        engine call running in a background thread is waited for (up to ``timeout``).
        """
        self.closing = True
        with self._lock:
            stores, threads = list(self._open), list(self._threads)
        for store in stores:
            try:
                store.con.interrupt()
            except duckdb.Error:
                pass
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # -- caching ---------------------------------------------------------------------------
    def _cached(self, key: Hashable, make: Callable[[Store], T], *, listing: bool = False,
                kind: str = "result", version: tuple[int, ...] | None = None,
                read: Callable[[Callable[[Store], T]], T] | None = None) -> tuple[T, bool]:
        """``(value, stale)``: the cached value for ``key`` at the current version, else computed.

        On a locked store the last value for ``key`` at any version is served with
        ``stale=True``; only fresh values are cached under the current version.
        ``listing`` values live in their own, larger cache, ``kind="facts"`` in a small one.
        ``read`` replaces opening the store (a value made from facts already in memory), for
        the store ``version`` those facts were read at.
        """
        kind = "listing" if listing else kind
        cache, good, size = {"listing": (self._lists, self._lists_good, self._lists_size),
                             "facts": (self._facts, self._facts_good, self._facts_size),
                             "result": (self._cache, self._last_good, self._cache_size)}[kind]
        version = version or self.version()
        full = (key, version)
        with self._lock:
            if full in cache:
                cache.move_to_end(full)
                return cache[full], False
            key_lock = self._key_locks.setdefault(full, threading.Lock())
        with key_lock:  # one computation per key; concurrent callers wait and reuse it
            with self._lock:
                if full in cache:
                    return cache[full], False
            try:
                value = (read or self.read)(make)
            except StoreBusy:
                with self._lock:
                    if key in good:
                        return good[key], True
                raise
            else:
                with self._lock:
                    # Entries of older store versions are never hit again; only the
                    # last-good maps may still serve them while a writer holds the lock.
                    stale = [k for k in self._cache if k[1] != version]
                    for old in stale:
                        del self._cache[old]
                    for old in [k for k in self._lists if k[1] != version]:
                        del self._lists[old]
                    for old in [k for k in self._facts if k[1] != version]:
                        del self._facts[old]
                    cache[full] = value
                    good[key] = value
                    good.move_to_end(key)
                    while len(cache) > size:
                        cache.popitem(last=False)
                        if kind == "result":
                            stale.append(None)
                    if stale:  # anything derived from evicted results must go too
                        self.generation += 1
                    while len(good) > size:
                        good.popitem(last=False)
            finally:
                with self._lock:
                    self._key_locks.pop(full, None)
        return value, False

    def result(self, query: Query) -> tuple[KpiResult, bool]:
        """The engine's result for ``query`` and whether it is stale (store busy).

        Answered from the scope's prepared facts (:meth:`facts`), so a filter not seen
        before costs the report stages only, not a read of the store; an injected
        ``compute`` is called once per query instead.
        """
        if self._compute is not None:
            return self._cached(("result", query),
                                lambda store: self._compute(store, config=self.config, **query.kwargs()))
        (facts, version), stale = self.facts(query.scope)
        kwargs = {k: v for k, v in query.kwargs().items() if k != "scope"}
        # Cached under the version the facts were read at: while an ingest holds the store,
        # the last committed facts answer (stale), each query once for every callback asking.
        value, _ = self._cached(("result", query), lambda _: facts.compute(**kwargs), version=version,
                                read=lambda make: make(None))
        return value, stale

    def facts(self, scope: str | None) -> tuple[tuple[KpiFacts, tuple[int, ...]], bool]:
        """The prepared facts of every tenant for ``scope`` with the store version they were read at."""
        def make(store: Store) -> tuple[KpiFacts, tuple[int, ...]]:
            return prepare_kpis(store, scope=scope, config=self.config, memory_limit=self.memory_limit), version
        version = self.version()
        return self._cached(("facts", scope), make, kind="facts", version=version)

    def warm(self, query: Query) -> threading.Thread | None:
        """Compute ``query``'s result in a background thread, unless cached or being computed ahead.

        Why: the all-tenant result takes the engine seconds (minutes at millions of
        incidents). Computed when the server starts and as soon as new data is committed,
        before the page is told about it, no callback waits for it.
        """
        full = (query, self.version())
        with self._lock:
            if (("result", query), full[1]) in self._cache or full in self._warming or full in self._warm_failed:
                return None
            self._warming[full] = datetime.now()

        def run() -> None:
            try:
                self.result(query)
            except (MikpiError, duckdb.Error):  # busy or refused: the callbacks say so when they ask
                with self._lock:
                    self._warm_failed.add(full)
            finally:
                with self._lock:
                    self._warming.pop(full, None)
        return self.background(run, "mikpi-warm")

    def ready(self, query: Query) -> bool:
        """Whether a callback asking for ``query`` now gets its answer at once (cached, or refused ahead)."""
        full = (query, self.version())
        with self._lock:
            return (("result", query), full[1]) in self._cache or full in self._warm_failed

    @property
    def warming_since(self) -> datetime | None:
        """When the oldest result still being computed ahead was started (None: none is)."""
        with self._lock:
            return min(self._warming.values(), default=None)

    def tenant_result(self, result: KpiResult, tenant: str) -> KpiResult:
        """``result.for_tenant(tenant)`` from the result's :class:`TenantSplit`, made once per result, kept beside it."""
        with self._split_lock:  # one split per result; concurrent callbacks wait and reuse it
            hit = self._splits.get(id(result))
            if hit is None or hit[0] is not result:
                hit = self._splits[id(result)] = (result, TenantSplit(result))
                with self._lock:  # keep the splits of results the cache (or last-good map) still holds
                    live = {id(v) for v in (*self._cache.values(), *self._last_good.values())}
                for key in [k for k in self._splits if k not in live and k != id(result)]:
                    del self._splits[key]
                while len(self._splits) > self._cache_size:
                    self._splits.popitem(last=False)
            else:
                self._splits.move_to_end(id(result))
        return hit[1].get(tenant)

    def listing(self, name: str, tenant: str, fn: Callable[[Store], pd.DataFrame]) -> tuple[pd.DataFrame, bool]:
        """A detail listing (``analytics.details`` call) for ``tenant``, cached per store version."""
        return self._cached(("listing", name, tenant), fn, listing=True)

    def tenants(self) -> list[str]:
        """Tenants with incidents, sorted; empty when the store is busy and was never read."""
        try:
            value, _ = self._cached(("tenants",), lambda store: store.tenants(), listing=True)
        except StoreBusy:
            return []
        return value

    def incident_count(self) -> int | None:
        """Incidents in the store (every tenant and scope), cached per store version; None when busy."""
        try:
            value, _ = self._cached(("incident-count",), lambda store: store.con.execute(
                "SELECT count(*) FROM incidents").fetchone()[0], listing=True)
        except StoreBusy:
            return None
        return value

    def update_slots(self, tenant: str, incident_id: str) -> tuple[pd.DataFrame | None, bool]:
        """Status updates due for one incident, from the engine (None when the engine has no such call)."""
        fn = self._update_slots or _default_update_slots()
        if fn is None:
            return None, False
        return self._cached(("slots", tenant, incident_id),
                            lambda store: fn(store, tenant, incident_id, config=self.config), listing=True)
