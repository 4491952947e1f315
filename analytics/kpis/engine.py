"""The KPI engine: every definition of kpis.md, computed once, set-based, in DuckDB.

Python only orchestrates: it writes the call's settings into two small temporary tables,
runs the SQL stages in ``analytics/sql/kpi_*.sql`` on a private cursor (so concurrent
callers never see each other's temporary tables), and shapes the per-group results into
the :class:`~analytics.kpis.result.KpiResult` every view renders.

The stages come in two halves. The fact stages read the store and derive every
per-incident fact; no report filter (tenant among those computed, dates, priority,
service) changes a fact. The report stages select, place in weeks and pool. ``compute_kpis``
runs both on one cursor; ``prepare_kpis`` keeps the facts in a private in-memory database,
so the dashboard answers a new filter with the report stages only.

>>> from analytics.store import open_store
>>> result = compute_kpis(open_store(None))
>>> list(result.overall.columns)
['tenant', 'kpi', 'value', 'mean', 'median', 'p90', 'n']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.config import Config, load_config
from analytics.errors import MikpiError
from analytics.kpis import quality, stored
from analytics.kpis.bootstrap import improvement_intervals, methods
from analytics.kpis.inputs import ALL, EPOCH, View, build_views, cfg_row, day_number, run_row
from analytics.kpis.result import KpiResult
from analytics.kpis.status import add_targets, add_values, improvement, is_lower_better, is_rate
from analytics.store import Store, read_sql

#: Stages that read the store: every per-incident fact, whatever the call's filters.
FACT_STAGES = ("kpi_tzday", "kpi_views", "kpi_pop", "kpi_due", "kpi_update_hits", "kpi_repeat",
               "kpi_change", "kpi_variants", "kpi_facts", "kpi_quality_base")
VARIANT_STAGE = "kpi_variants"  # skipped unless a tenant turns a duration variant on
#: Stages that read only the facts: the call's selection, its items and their statistics.
REPORT_STAGES = ("kpi_select", "kpi_items", "kpi_stats")
#: What prepared facts keep (name in the private database): all the report stages read.
KEPT_TABLES = {"kpi_views": "kpi_views_all", "kpi_inc_all": "kpi_inc_all", "kpi_chg_all": "kpi_chg_all",
               "kpi_act_all": "kpi_act_all", "kpi_quality_base": "kpi_quality_base"}
#: Above this many incidents in the store, ``mikpi ingest`` also keeps the facts of the scope the
#: dashboard's toggle shows next (:func:`keep_facts`); at or below it, the dashboard computes that
#: scope ahead while its page is idle (100k: ~4 s of background work).
OTHER_SCOPE_FACTS_ABOVE = 200_000
CHECKPOINT_WEEKS = (("week4", 4), ("week8", 8), ("week13", 13))
STAT_COLUMNS = ["value", "mean", "median", "p90", "n"]
OVERALL_COLUMNS = ["tenant", "kpi", *STAT_COLUMNS]
WEEKLY_COLUMNS = ["tenant", "week", "week_start", "kpi", *STAT_COLUMNS]
CHECKPOINT_COLUMNS = ["tenant", "kpi", "checkpoint", "baseline", "baseline_n", "week", "value", "n",
                      "improvement_pct", "improvement_ci_low", "improvement_ci_high",
                      "target_min_pct", "target_stretch_pct", "due_week", "expected_pct", "status"]
BREAKDOWN_COLUMNS = ["tenant", "dimension", "key", "kpi", "value", "n"]
_CODED_BREAKDOWN_COLUMNS = ("tenant", "dimension", "key", "kpi")  # codes in SQL, text in Arrow
SLOT_COLUMNS = ["j", "due_at", "slot_start", "met", "first_update_at"]
INCIDENT_DTYPES = {"priority": "Int64", "updates_due": "int64", "updates_met": "int64",
                   "is_repeat": bool, "change_related": bool, "reopened": bool,
                   "closure_gate_ok": "boolean", "pir_on_time": "boolean",
                   "week_opened": "Int64", "week_resolved": "Int64",
                   "mtta_minutes": "float64", "mttr_minutes": "float64", "mttm_minutes": "float64"}


@dataclass(frozen=True)
class _Filters:
    """A call's report filters: they choose among the facts and never change one."""

    date_from: date | None = None
    date_to: date | None = None
    priorities: list[int] | None = None
    services: list[str] | None = None

    @classmethod
    def of(cls, date_from: date | str | None, date_to: date | str | None, priority: object,
           service: object) -> _Filters:
        d_from, d_to = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
        if d_from and d_to and d_from > d_to:
            raise MikpiError(f"date_from {d_from} is after date_to {d_to}")
        return cls(d_from, d_to, _list(priority, int), _list(service, str))


def compute_kpis(store: Store, *, tenant: str | None = None, scope: str | None = None,
                 date_from: date | str | None = None, date_to: date | str | None = None,
                 config: Config | str | Path | None = None, priority: int | list[int] | None = None,
                 service: str | list[str] | None = None, as_of: datetime | None = None,
                 with_incidents: bool = True, with_breakdowns: bool = True) -> KpiResult:
    """Compute every KPI for one tenant, for ``"ALL"``, or (``tenant=None``) for every tenant and ``ALL``.

    A named tenant is computed from its own rows only. ``scope`` ("major"/"all") overrides the
    configured scope; ``date_from``/``date_to`` keep items whose bucket date (local, inclusive)
    is in range, programme weeks staying where they are; ``priority``/``service`` select the
    incidents reported. ``config`` is a :class:`Config`, a path, or None for ``./mikpi.toml``.
    ``as_of`` (naive UTC) is when "now" is: later timestamps are not yet real, later due dates
    and open PIR windows not yet due. Given, it pins every tenant; by default each tenant's
    as_of is the latest timestamp in its own data that is not after the wall clock (exports
    are snapshots), reported in ``settings["tenants"][name]["as_of"]``.
    ``with_incidents``/``with_breakdowns`` False leave those frames empty (the two largest).
    To answer many filters over the same data, :func:`prepare_kpis` once and ask its facts.
    Raises ``MikpiError`` for an unknown tenant or a bad argument.
    """
    cfg = _config(config)
    generated_at = _now()
    _check_scope(scope)
    filters = _Filters.of(date_from, date_to, priority, service)
    tenants, with_tenants, with_all = _select(store.tenants(), tenant)
    if not tenants:
        return _nothing(cfg, scope, filters, as_of or generated_at, generated_at, with_tenants, with_all)
    cur = store.con.cursor()
    try:
        tenant_as_of = _facts(cur, cfg, tenants, scope, as_of=as_of, now=generated_at,
                              with_tenants=with_tenants, with_all=with_all, reuse=True)
        return _report(cur, cfg, tenants, scope, tenant_as_of, filters, with_tenants=with_tenants,
                       with_all=with_all, generated_at=generated_at, with_incidents=with_incidents,
                       with_breakdowns=with_breakdowns)
    finally:
        cur.close()


def prepare_kpis(store: Store, *, tenant: str | None = None, scope: str | None = None,
                 config: Config | str | Path | None = None, as_of: datetime | None = None,
                 memory_limit: str | None = None) -> KpiFacts:
    """Every per-incident fact of ``tenant`` (None or ``"ALL"``: every tenant), ready for any filter.

    Why: the facts (durations, update slots, repeats, change links, governance) are most of
    an engine run and no report filter changes them. Kept in a private in-memory database,
    they answer :meth:`KpiFacts.compute` for any of their tenants, dates, priorities and
    services without reading the store again, with exactly :func:`compute_kpis`'s result.
    ``scope``, ``config`` and ``as_of`` are fixed here, as in :func:`compute_kpis`.
    ``memory_limit`` (DuckDB's spelling, e.g. ``"1.5GB"``) bounds the facts' database; by
    default the store connection's ceiling.
    """
    cfg = _config(config)
    generated_at = _now()
    _check_scope(scope)
    tenants, _, with_all = _select(store.tenants(), tenant)
    db = duckdb.connect()
    if not tenants:
        return KpiFacts(db, cfg, scope, {}, generated_at, with_all=with_all, pinned=as_of)
    db.execute("SET memory_limit = ?",
               [memory_limit or store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]])
    cur = store.con.cursor()
    try:
        tenant_as_of = _facts(cur, cfg, tenants, scope, as_of=as_of, now=generated_at,
                              with_tenants=True, with_all=with_all, reuse=True)
        for name, kept in KEPT_TABLES.items():  # a handful of tables, each copied through Arrow
            # Stored facts may hold more tenants than prepared; views are the call's already.
            mine = "" if name == "kpi_views" else " WHERE tenant IN (SELECT tenant FROM kpi_cfg)"
            db.from_arrow(cur.sql(f"SELECT * FROM {name}{mine}").to_arrow_table()).create(kept)
    finally:
        cur.close()
    return KpiFacts(db, cfg, scope, tenant_as_of, generated_at, with_all=with_all, pinned=as_of)


def store_facts(store: Store, *, config: Config | str | Path | None = None, scope: str | None = None,
                as_of: datetime | None = None) -> None:
    """Derive every tenant's facts and keep them in the store (which must be writable).

    Why: readers open the store read-only and would each derive the facts again; ``mikpi
    ingest`` calls this after its commit instead (:func:`keep_facts`). A later
    :func:`compute_kpis` or :func:`prepare_kpis` reads them when its ``config``, ``scope`` and
    ``as_of`` give exactly these inputs (by default each tenant's as_of must still be what it
    was); any other call derives its own, as before. Facts kept for another ``scope`` stay
    (each scope has its own); the next ingest drops them all.
    """
    cfg = _config(config)
    _check_scope(scope)
    tenants, _, _ = _select(store.tenants(), None)
    cur = store.con.cursor()
    try:
        if not tenants:
            stored.drop(cur)
            return
        now = _now()
        _facts(cur, cfg, tenants, scope, as_of=as_of, now=now, with_tenants=True, with_all=True)
        stored.write(cur, KEPT_TABLES, stored.fingerprint(FACT_STAGES), now=now, pinned=as_of is not None,
                     schema=stored.schema_for(scope))
    except duckdb.InvalidInputException as exc:
        if "read-only" not in str(exc):
            raise
        raise MikpiError(f"store {store.path or ':memory:'} is open read-only: its facts cannot be kept") from None
    finally:
        cur.close()


def keep_facts(store: Store, *, config: Config | str | Path | None = None) -> list[str | None]:
    """What ``mikpi ingest`` ends with: :func:`store_facts` for the configured scope and, in a store
    of more than :data:`OTHER_SCOPE_FACTS_ABOVE` incidents, for the scope the dashboard's toggle
    shows next (*All incidents* when the default scope is major). Returns the scopes kept.

    Why: deriving a scope's facts for every tenant takes seconds at scale (12 s at a million
    incidents), which a reader would otherwise wait for at the toggle; a smaller store's
    dashboard computes the other scope ahead while its page is idle.
    """
    cfg = _config(config)
    store_facts(store, config=cfg)
    scopes: list[str | None] = [None]
    if store.con.execute("SELECT count(*) FROM incidents").fetchone()[0] > OTHER_SCOPE_FACTS_ABOVE:
        other = "all" if cfg.defaults["scope"] == "major" else "major"
        store_facts(store, config=cfg, scope=other)
        scopes.append(other)
    return scopes


class KpiFacts:
    """Prepared facts (:func:`prepare_kpis`): compute once, then report any filter from memory.

    Thread-safe: each :meth:`compute` runs on its own cursor of the private database. The
    store may be closed (or written to) meanwhile; the facts are those of when they were made.
    """

    def __init__(self, db: duckdb.DuckDBPyConnection, cfg: Config, scope: str | None,
                 tenant_as_of: dict[str, datetime], generated_at: datetime, *, with_all: bool,
                 pinned: datetime | None) -> None:
        self._db, self._cfg, self._scope = db, cfg, scope
        self._as_of = tenant_as_of
        self._with_all = with_all
        self._pinned = pinned
        self.generated_at = generated_at

    @property
    def tenants(self) -> list[str]:
        """The tenants the facts hold, sorted."""
        return sorted(self._as_of)

    def compute(self, *, tenant: str | None = None, date_from: date | str | None = None,
                date_to: date | str | None = None, priority: int | list[int] | None = None,
                service: str | list[str] | None = None, with_incidents: bool = True,
                with_breakdowns: bool = True) -> KpiResult:
        """:func:`compute_kpis` with these arguments, from the facts (``tenant`` None: all of them).

        ``"ALL"`` (or None) needs facts prepared for every tenant.
        """
        filters = _Filters.of(date_from, date_to, priority, service)
        if tenant in (None, ALL) and not self._with_all:
            raise MikpiError(f"these facts hold {', '.join(self.tenants)} only: prepare_kpis for every "
                             "tenant to report them all or ALL")
        tenants, with_tenants, with_all = _select(self.tenants, tenant)
        if not tenants:
            return _nothing(self._cfg, self._scope, filters, self._pinned or self.generated_at,
                            self.generated_at, with_tenants, with_all)
        as_of = {t: self._as_of[t] for t in tenants}
        cur = self._db.cursor()
        try:
            _inputs(cur, self._cfg, tenants, self._scope, as_of=as_of, now=self.generated_at,
                    with_tenants=with_tenants, with_all=with_all)
            cur.execute(read_sql("kpi_views_kept"))
            return _report(cur, self._cfg, tenants, self._scope, as_of, filters, with_tenants=with_tenants,
                           with_all=with_all, generated_at=self.generated_at, with_incidents=with_incidents,
                           with_breakdowns=with_breakdowns)
        finally:
            cur.close()

    def close(self) -> None:
        """Free the private database (also freed when the facts are garbage-collected)."""
        self._db.close()


def update_slots(store: Store, tenant: str, incident_id: str,
                 config: Config | str | Path | None = None) -> pd.DataFrame:
    """Every due status update of one incident: j, due_at, slot_start, met, first_update_at.

    The same SQL stages as ``update_compliance_pct`` (kpi_due, kpi_update_hits), restricted to
    the one incident, so the drill-down can never disagree with the KPI. Empty when the incident
    is unknown, unresolved or owes nothing (m = 0).
    """
    cfg = _config(config)
    now = datetime.now(UTC).replace(tzinfo=None)
    cur = store.con.cursor()
    try:
        # Slots depend on no as-of time: pin the wall clock rather than scan the tenant's data.
        _inputs(cur, cfg, [tenant], None, as_of=now, now=now, only_incident=incident_id, with_tenants=True,
                with_all=False)
        for stage in ("kpi_pop", "kpi_due", "kpi_update_hits"):
            cur.execute(read_sql(stage))
        df = cur.execute(read_sql("kpi_slots")).df()
    finally:
        cur.close()
    df = df.astype({"j": "int64", "met": bool}) if not df.empty else pd.DataFrame(columns=SLOT_COLUMNS)
    return df[SLOT_COLUMNS]


# --- orchestration ---------------------------------------------------------------------

def _config(config: Config | str | Path | None) -> Config:
    return config if isinstance(config, Config) else load_config(config)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _check_scope(scope: str | None) -> None:
    if scope not in (None, "major", "all"):
        raise MikpiError(f"scope must be 'major' or 'all', got {scope!r}")


def _select(known: list[str], tenant: str | None) -> tuple[list[str], bool, bool]:
    if tenant is None or tenant == ALL:
        if ALL in known:
            raise MikpiError('a tenant is named "ALL", which is the portfolio view\'s name; rename it')
        return known, tenant is None, True
    if tenant not in known:
        listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise MikpiError(f"no tenant {tenant!r} in the store (tenants: {listed or 'none'}; or ALL)")
    return [tenant], True, False


def _inputs(cur: duckdb.DuckDBPyConnection, cfg: Config, tenants: list[str], scope: str | None, *,
            as_of: datetime | dict[str, datetime] | None, now: datetime, with_tenants: bool, with_all: bool,
            only_incident: str | None = None, reuse: bool = False) -> dict[str, datetime]:
    """Fill the input tables; returns each tenant's as_of.

    ``as_of`` pins every tenant (a datetime) or each one (a dict); None leaves it to kpi_asof.sql
    (``reuse``: or to the kept facts, where they prove it unchanged). The report filters are
    left open: :func:`_report` sets them.
    """
    cur.execute("SET TimeZone = 'UTC'")
    cur.execute(read_sql("kpi_setup"))
    rows = []
    for t in tenants:
        s = cfg.for_tenant(t)
        if scope is not None:
            s["scope"] = scope
        rows.append(cfg_row(t, s, as_of.get(t) if isinstance(as_of, dict) else as_of))
    cur.executemany("INSERT INTO kpi_cfg VALUES (" + ", ".join("?" * 17) + ")", rows)
    if as_of is None:
        if reuse:  # as_ofs the kept facts prove unchanged: no scan of the tenant's data for them
            stored.known_as_of(cur, stored.fingerprint(FACT_STAGES), now)
        if cur.execute("SELECT count(*) FROM kpi_cfg WHERE as_of IS NULL").fetchone()[0]:
            cur.execute(read_sql("kpi_asof"), {"now": now})  # even with no tenant left it scans
    tenant_as_of = dict(cur.execute("SELECT tenant, as_of FROM kpi_cfg ORDER BY tenant").fetchall())
    run_as_of = max(tenant_as_of.values(), default=now)
    cur.execute("INSERT INTO kpi_run VALUES (" + ", ".join("?" * 12) + ")",
                list(run_row(as_of=run_as_of, portfolio=cfg.portfolio(), date_from=None, date_to=None,
                             priorities=None, services=None, only_incident=only_incident,
                             with_tenants=with_tenants, with_all=with_all)))
    # The config loader checks names against Python's zoneinfo; DuckDB's ICU must know them too.
    unknown = cur.execute(
        "SELECT DISTINCT tz FROM (SELECT tz FROM kpi_cfg UNION ALL SELECT pf_tz FROM kpi_run) "
        "WHERE tz NOT IN (SELECT name FROM pg_timezone_names())").fetchall()
    if unknown:
        raise MikpiError(f"timezone {unknown[0][0]!r} is not known to DuckDB's ICU time zone data")
    return tenant_as_of


def _facts(cur: duckdb.DuckDBPyConnection, cfg: Config, tenants: list[str], scope: str | None, *,
           as_of: datetime | None, now: datetime, with_tenants: bool, with_all: bool,
           reuse: bool = False) -> dict[str, datetime]:
    """Make the facts on the store's cursor; returns each tenant's as_of.

    ``reuse``: read the facts kept in the store (:func:`store_facts`) when they were made from
    exactly this call's inputs, instead of deriving them again.
    """
    tenant_as_of = _inputs(cur, cfg, tenants, scope, as_of=as_of, now=now, with_tenants=with_tenants,
                           with_all=with_all, reuse=reuse)
    schema = stored.usable(cur, stored.fingerprint(FACT_STAGES), with_all=with_all) if reuse else None
    if schema is not None:
        stored.use(cur, schema)
        cur.execute(read_sql("kpi_views_kept"))
        return tenant_as_of
    variants = cur.execute("SELECT bool_or(exclude_on_hold OR business_hours) FROM kpi_cfg").fetchone()[0]
    for stage in FACT_STAGES:
        if stage != VARIANT_STAGE or variants:
            cur.execute(read_sql(stage))
    return tenant_as_of


def _report(cur: duckdb.DuckDBPyConnection, cfg: Config, tenants: list[str], scope: str | None,
            tenant_as_of: dict[str, datetime], filters: _Filters, *, with_tenants: bool, with_all: bool,
            generated_at: datetime, with_incidents: bool, with_breakdowns: bool) -> KpiResult:
    """The call's result from the facts on ``cur``: select, place in weeks, pool, shape."""
    views = build_views(cfg, tenants, with_tenants=with_tenants, with_all=with_all, scope=scope)
    settings = _settings(cfg, tenants, scope, filters, views)
    cur.execute("UPDATE kpi_run SET from_day = ?, to_day = ?, priorities = ?, services = ?",
                [day_number(filters.date_from), day_number(filters.date_to), filters.priorities,
                 filters.services])
    for stage in REPORT_STAGES:
        cur.execute(read_sql(stage))
    starts = dict(cur.execute("SELECT view, start_day FROM kpi_views").fetchall())
    frames = _frames(cur, views, starts, cfg, with_incidents, with_breakdowns)
    dq = quality.data_quality(cur, with_tenants=with_tenants, with_all=with_all)
    for name, day in starts.items():
        target = settings["portfolio"] if name == ALL else settings["tenants"].get(name)
        if target is not None and day is not None:
            target["programme_start"] = _day_to_date(day)
    for name, value in tenant_as_of.items():
        settings["tenants"][name]["as_of"] = value
    # The run's as_of bounds call-wide ranges only; ALL's items keep their own tenant's as_of.
    settings["as_of"] = settings["portfolio"]["as_of"] = max(tenant_as_of.values())
    return KpiResult(scope=_result_scope(scope, cfg, tenants), generated_at=generated_at,
                     settings=settings, data_quality=dq, **frames)


def _nothing(cfg: Config, scope: str | None, filters: _Filters, as_of: datetime, generated_at: datetime,
             with_tenants: bool, with_all: bool) -> KpiResult:
    """The result of a store with no tenant: every frame empty, the settings echoed."""
    views = build_views(cfg, [], with_tenants=with_tenants, with_all=with_all, scope=scope)
    settings = _settings(cfg, [], scope, filters, views)
    settings["as_of"] = as_of
    return _empty(_result_scope(scope, cfg, []), generated_at, settings)


def _frames(cur: duckdb.DuckDBPyConnection, views: list[View], starts: dict, cfg: Config,
            with_incidents: bool, with_breakdowns: bool) -> dict[str, pd.DataFrame]:
    by_name = {v.name: v for v in views}
    weekly_raw = cur.execute("SELECT view, kpi, week, nx, mean, q[1] AS median, q[2] AS p90, num, den "
                             "FROM kpi_stats_raw WHERE NOT overall").df()
    last = weekly_raw.groupby("view")["week"].max().to_dict()
    overall = _grid_overall(views).merge(
        cur.execute("SELECT view, kpi, nx, mean, q[1] AS median, q[2] AS p90, num, den "
                    "FROM kpi_stats_raw WHERE overall").df(), on=["view", "kpi"], how="left")
    overall = add_values(overall).rename(columns={"view": "tenant"})[OVERALL_COLUMNS]
    weekly = _weekly(views, last, starts, weekly_raw)
    checkpoints = _checkpoints(cur, views, by_name, last, cfg)
    breakdowns = _breakdowns(cur) if with_breakdowns else pd.DataFrame(columns=BREAKDOWN_COLUMNS)
    incidents = _frame(cur, read_sql("kpi_incidents")) if with_incidents else pd.DataFrame()
    if not incidents.empty:
        # Stable dtypes whatever the nulls of this call: a tenant's frame must not change type
        # because another tenant was computed alongside.
        incidents = incidents.astype(INCIDENT_DTYPES)
    return {"overall": overall, "weekly": weekly, "checkpoints": checkpoints,
            "breakdowns": breakdowns, "incidents": incidents}


def _grid_overall(views: list[View]) -> pd.DataFrame:
    return pd.DataFrame([(v.name, k) for v in views for k in v.kpis], columns=["view", "kpi"])


def _weekly(views: list[View], last: dict, starts: dict, raw: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for v in views:  # one block per view: weeks 1..last x KPIs
        if v.name not in last:
            continue
        weeks = np.arange(1, int(last[v.name]) + 1)
        parts.append(pd.DataFrame({
            "view": v.name,
            "week": np.repeat(weeks, len(v.kpis)),
            "kpi": np.tile(np.array(v.kpis, dtype=object), len(weeks)),
            "start_day": starts[v.name],
        }))
    if not parts:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    grid = pd.concat(parts, ignore_index=True)
    grid = grid.merge(raw, on=["view", "kpi", "week"], how="left")
    days = grid["start_day"].to_numpy(dtype="int64") + 7 * (grid["week"].to_numpy(dtype="int64") - 1)
    grid["week_start"] = pd.to_datetime(days, unit="D").date
    out = add_values(grid).rename(columns={"view": "tenant"})
    out["week"] = out["week"].astype("int64")
    return out[WEEKLY_COLUMNS]


def _checkpoints(cur: duckdb.DuckDBPyConnection, views: list[View], by_name: dict[str, View],
                 last: dict, cfg: Config) -> pd.DataFrame:
    ckpt = []
    for v in views:
        if v.name not in last:
            continue
        lw = int(last[v.name])
        b, w_len = v.baseline_weeks, v.window_weeks
        ckpt.append((v.name, "baseline", b, 1, b))
        marks = [(name, w) for name, w in CHECKPOINT_WEEKS if w <= lw] + [("latest", lw)]
        ckpt += [(v.name, name, w, max(b + 1, w - w_len + 1), w) for name, w in marks]
    if not ckpt:
        return pd.DataFrame(columns=CHECKPOINT_COLUMNS)
    cur.executemany("INSERT INTO kpi_ckpt VALUES (?, ?, ?, ?, ?)", ckpt)
    cur.execute(read_sql("kpi_windows"))
    raw = cur.execute("SELECT view, kpi, checkpoint, items, nx, mean, NULL::DOUBLE AS median, "
                      "NULL::DOUBLE AS p90, var_x, num, den, nn, dd, nd FROM kpi_window_raw").df()
    ck = pd.DataFrame(ckpt, columns=["view", "checkpoint", "week", "lo", "hi"])
    grid = ck.merge(pd.DataFrame([(v.name, k) for v in views for k in v.kpis], columns=["view", "kpi"]),
                    on="view")
    stats = add_values(grid.merge(raw, on=["view", "kpi", "checkpoint"], how="left"))
    stats["items"] = stats["items"].fillna(0).astype("int64")
    stats["is_rate"] = is_rate(stats["kpi"])
    stats["lower"] = is_lower_better(stats["kpi"])
    base = stats[stats["checkpoint"] == "baseline"][["view", "kpi", "value", "n"]].rename(
        columns={"value": "baseline", "n": "baseline_n"})
    cp = stats[stats["checkpoint"] != "baseline"].merge(base, on=["view", "kpi"], how="left")
    cp["improvement_pct"] = improvement(cp["baseline"], cp["value"], cp["lower"].to_numpy())

    boot = cfg.bootstrap
    method = methods(stats, boot["normal_above"])
    groups = stats.loc[method == "resample", ["view", "kpi", "checkpoint"]]
    sample = pd.DataFrame(columns=["view", "kpi", "checkpoint", "x", "num", "den"])
    if not groups.empty:
        cur.executemany("INSERT INTO kpi_boot_groups VALUES (?, ?, ?)", groups.to_numpy().tolist())
        sample = cur.execute(read_sql("kpi_sample")).df()
    ci = improvement_intervals(stats, sample, resamples=boot["resamples"], seed=boot["seed"],
                               normal_above=boot["normal_above"])
    cp = cp.merge(ci, on=["view", "kpi", "checkpoint"], how="left")
    has_imp = cp["improvement_pct"].notna()
    cp["improvement_ci_low"] = cp["ci_low"].where(has_imp)
    cp["improvement_ci_high"] = cp["ci_high"].where(has_imp)
    cp = cp.rename(columns={"view": "tenant"})
    cp = add_targets(cp, by_name)
    order = {name: i for i, name in enumerate(["week4", "week8", "week13", "latest"])}
    view_order = {v.name: i for i, v in enumerate(views)}
    kpi_order = {k: i for i, k in enumerate(dict.fromkeys(k for v in views for k in v.kpis))}
    cp = cp.sort_values(by=["tenant", "kpi", "checkpoint"], key=lambda s: s.map(
        {"tenant": view_order, "kpi": kpi_order, "checkpoint": order}[s.name]))
    cp["week"] = cp["week"].astype("int64")
    return cp[CHECKPOINT_COLUMNS].reset_index(drop=True)


# --- helpers ---------------------------------------------------------------------------

def _frame(cur: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A large result (a row per incident or per service) as a frame, through Arrow.

    Why: DuckDB's ``.df()`` makes a Python string per cell; Arrow's conversion makes one per
    distinct string, five times faster at a million rows. Arrow leaves integers with NULLs
    as floats: callers fix the dtypes they publish.
    """
    return cur.sql(sql).to_arrow_table().to_pandas()


def _breakdowns(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The breakdowns frame: valued and ordered in SQL, its text columns decoded in Arrow.

    Why: at scale it has a row per service and KPI (2.6M at 1M incidents) but only tens of
    thousands of names. The query returns each name as a code (``kpi_breakdown_names.sql``), and
    Arrow turns codes into text far faster than DuckDB exports the text of every row
    (0.1–0.4 s against 0.8 s at 1M); the frame is the same, dtypes included.
    """
    names = cur.sql(read_sql("kpi_breakdown_names")).to_arrow_table()
    coded = cur.sql(read_sql("kpi_breakdowns")).to_arrow_table()
    columns = {c: coded.column(c).combine_chunks() for c in BREAKDOWN_COLUMNS}
    for column in _CODED_BREAKDOWN_COLUMNS:
        dictionary = names.filter(pc.equal(names.column("col"), column)).column("name").combine_chunks()
        columns[column] = pa.DictionaryArray.from_arrays(columns[column], dictionary).dictionary_decode()
    return pa.table(columns).to_pandas()


def _settings(cfg: Config, tenants: list[str], scope: str | None, filters: _Filters,
              views: list[View]) -> dict:
    settings = cfg.echo(tenants)
    if scope is not None:
        for s in settings["tenants"].values():
            s["scope"] = scope
        settings["portfolio"]["scope"] = scope
    settings["filters"] = {"scope": scope, "date_from": filters.date_from, "date_to": filters.date_to,
                           "priority": filters.priorities, "service": filters.services}
    settings["kpis"] = {v.name: list(v.kpis) for v in views}
    return settings


def _result_scope(scope: str | None, cfg: Config, tenants: list[str]) -> str:
    if scope is not None:
        return scope
    scopes = {cfg.for_tenant(t)["scope"] for t in tenants} or {cfg.defaults["scope"]}
    return scopes.pop() if len(scopes) == 1 else "mixed"


def _empty(scope: str, generated_at: datetime, settings: dict) -> KpiResult:
    return KpiResult(scope=scope, generated_at=generated_at, settings=settings,
                     overall=pd.DataFrame(columns=OVERALL_COLUMNS),
                     weekly=pd.DataFrame(columns=WEEKLY_COLUMNS),
                     checkpoints=pd.DataFrame(columns=CHECKPOINT_COLUMNS),
                     data_quality=pd.DataFrame(columns=quality.COLUMNS),
                     breakdowns=pd.DataFrame(columns=BREAKDOWN_COLUMNS),
                     incidents=pd.DataFrame())


def _as_date(value: date | str | None, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise MikpiError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def _list(value: object, kind: type) -> list | None:
    if value is None:
        return None
    items = list(value) if isinstance(value, list | tuple | set) else [value]
    try:
        return [kind(v) for v in items]
    except (TypeError, ValueError):
        raise MikpiError(f"bad filter value {value!r}") from None


def _day_to_date(day: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(day))
