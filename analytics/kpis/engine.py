"""The KPI engine: every definition of kpis.md, computed once, set-based, in DuckDB.

Python only orchestrates: it writes the call's settings into two small temporary tables,
runs the SQL stages in ``analytics/sql/kpi_*.sql`` on a private cursor (so concurrent
callers never see each other's temporary tables), and shapes the per-group results into
the :class:`~analytics.kpis.result.KpiResult` every view renders.

>>> from analytics.store import open_store
>>> result = compute_kpis(open_store(None))
>>> list(result.overall.columns)
['tenant', 'kpi', 'value', 'mean', 'median', 'p90', 'n']
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analytics.config import Config, load_config
from analytics.errors import MikpiError
from analytics.kpis import quality
from analytics.kpis.bootstrap import improvement_intervals, methods
from analytics.kpis.inputs import ALL, EPOCH, View, build_views, cfg_row, run_row
from analytics.kpis.result import KPIS, KpiResult
from analytics.kpis.status import add_targets, add_values, improvement, is_lower_better, is_rate
from analytics.store import Store, read_sql

STAGES = ("kpi_tzday", "kpi_views", "kpi_pop", "kpi_due", "kpi_update_hits", "kpi_repeat",
          "kpi_change", "kpi_variants", "kpi_facts", "kpi_items", "kpi_stats")
VARIANT_STAGE = "kpi_variants"  # skipped unless a tenant turns a duration variant on
CHECKPOINT_WEEKS = (("week4", 4), ("week8", 8), ("week13", 13))
STAT_COLUMNS = ["value", "mean", "median", "p90", "n"]
OVERALL_COLUMNS = ["tenant", "kpi", *STAT_COLUMNS]
WEEKLY_COLUMNS = ["tenant", "week", "week_start", "kpi", *STAT_COLUMNS]
CHECKPOINT_COLUMNS = ["tenant", "kpi", "checkpoint", "baseline", "baseline_n", "week", "value", "n",
                      "improvement_pct", "improvement_ci_low", "improvement_ci_high",
                      "target_min_pct", "target_stretch_pct", "due_week", "expected_pct", "status"]
BREAKDOWN_COLUMNS = ["tenant", "dimension", "key", "kpi", "value", "n"]
SLOT_COLUMNS = ["j", "due_at", "slot_start", "met", "first_update_at"]
INCIDENT_DTYPES = {"priority": "Int64", "updates_due": "int64", "updates_met": "int64",
                   "is_repeat": bool, "change_related": bool, "reopened": bool,
                   "closure_gate_ok": "boolean", "pir_on_time": "boolean",
                   "week_opened": "Int64", "week_resolved": "Int64",
                   "mtta_minutes": "float64", "mttr_minutes": "float64", "mttm_minutes": "float64"}


def compute_kpis(store: Store, *, tenant: str | None = None, scope: str | None = None,
                 date_from: date | str | None = None, date_to: date | str | None = None,
                 config: Config | str | Path | None = None, priority: int | list[int] | None = None,
                 service: str | list[str] | None = None, as_of: datetime | None = None,
                 with_incidents: bool = True) -> KpiResult:
    """Compute every KPI for one tenant, for ``"ALL"``, or (``tenant=None``) for every tenant and ``ALL``.

    A named tenant is computed from its own rows only. ``scope`` ("major"/"all") overrides the
    configured scope; ``date_from``/``date_to`` keep items whose bucket date (local, inclusive)
    is in range, programme weeks staying where they are; ``priority``/``service`` select the
    incidents reported. ``config`` is a :class:`Config`, a path, or None for ``./mikpi.toml``.
    ``as_of`` (naive UTC) is when "now" is: later timestamps are not yet real, later due dates
    and open PIR windows not yet due. Given, it pins every tenant; by default each tenant's
    as_of is the latest timestamp in its own data that is not after the wall clock (exports
    are snapshots), reported in ``settings["tenants"][name]["as_of"]``.
    Raises ``MikpiError`` for an unknown tenant or a bad argument.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    generated_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    if scope not in (None, "major", "all"):
        raise MikpiError(f"scope must be 'major' or 'all', got {scope!r}")
    d_from, d_to = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
    if d_from and d_to and d_from > d_to:
        raise MikpiError(f"date_from {d_from} is after date_to {d_to}")
    tenants, with_tenants, with_all = _select(store, tenant)
    views = build_views(cfg, tenants, with_tenants=with_tenants, with_all=with_all, scope=scope)
    settings = _settings(cfg, tenants, scope, d_from, d_to, priority, service, views)
    result_scope = _result_scope(scope, cfg, tenants)
    if not tenants:
        settings["as_of"] = as_of or generated_at
        return _empty(result_scope, generated_at, settings)
    cur = store.con.cursor()
    try:
        tenant_as_of = _prepare(
            cur, cfg, tenants, scope, as_of=as_of, now=generated_at, date_from=d_from, date_to=d_to,
            priorities=_list(priority, int), services=_list(service, str), only_incident=None,
            with_tenants=with_tenants, with_all=with_all)
        variants = any(len(v.kpis) > len(KPIS) for v in views)
        for stage in STAGES:
            if stage != VARIANT_STAGE or variants:
                cur.execute(read_sql(stage))
        starts = dict(cur.execute("SELECT view, start_day FROM kpi_views").fetchall())
        frames = _frames(cur, views, starts, cfg, with_incidents)
        dq = quality.data_quality(cur, with_tenants=with_tenants, with_all=with_all)
    finally:
        cur.close()
    for name, day in starts.items():
        target = settings["portfolio"] if name == ALL else settings["tenants"].get(name)
        if target is not None and day is not None:
            target["programme_start"] = _day_to_date(day)
    for name, value in tenant_as_of.items():
        settings["tenants"][name]["as_of"] = value
    # The run's as_of bounds call-wide ranges only; ALL's items keep their own tenant's as_of.
    settings["as_of"] = settings["portfolio"]["as_of"] = max(tenant_as_of.values())
    return KpiResult(scope=result_scope, generated_at=generated_at, settings=settings,
                     data_quality=dq, **frames)


def update_slots(store: Store, tenant: str, incident_id: str,
                 config: Config | str | Path | None = None) -> pd.DataFrame:
    """Every due status update of one incident: j, due_at, slot_start, met, first_update_at.

    The same SQL stages as ``update_compliance_pct`` (kpi_due, kpi_update_hits), restricted to
    the one incident, so the drill-down can never disagree with the KPI. Empty when the incident
    is unknown, unresolved or owes nothing (m = 0).
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    now = datetime.now(UTC).replace(tzinfo=None)
    cur = store.con.cursor()
    try:
        # Slots depend on no as-of time: pin the wall clock rather than scan the tenant's data.
        _prepare(cur, cfg, [tenant], None, as_of=now, now=now, date_from=None, date_to=None,
                 priorities=None, services=None, only_incident=incident_id, with_tenants=True,
                 with_all=False)
        for stage in ("kpi_pop", "kpi_due", "kpi_update_hits"):
            cur.execute(read_sql(stage))
        df = cur.execute(read_sql("kpi_slots")).df()
    finally:
        cur.close()
    df = df.astype({"j": "int64", "met": bool}) if not df.empty else pd.DataFrame(columns=SLOT_COLUMNS)
    return df[SLOT_COLUMNS]


# --- orchestration ---------------------------------------------------------------------

def _select(store: Store, tenant: str | None) -> tuple[list[str], bool, bool]:
    known = store.tenants()
    if tenant is None or tenant == ALL:
        if ALL in known:
            raise MikpiError('a tenant is named "ALL", which is the portfolio view\'s name; rename it')
        return known, tenant is None, True
    if tenant not in known:
        listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise MikpiError(f"no tenant {tenant!r} in the store (tenants: {listed or 'none'}; or ALL)")
    return [tenant], True, False


def _prepare(cur: duckdb.DuckDBPyConnection, cfg: Config, tenants: list[str], scope: str | None, *,
             as_of: datetime | None, now: datetime, **run: object) -> dict[str, datetime]:
    """Fill the input tables; returns each tenant's as_of (``as_of`` pins them all, else kpi_asof.sql)."""
    cur.execute("SET TimeZone = 'UTC'")
    cur.execute(read_sql("kpi_setup"))
    rows = []
    for t in tenants:
        s = cfg.for_tenant(t)
        if scope is not None:
            s["scope"] = scope
        rows.append(cfg_row(t, s, as_of))
    cur.executemany("INSERT INTO kpi_cfg VALUES (" + ", ".join("?" * 17) + ")", rows)
    if as_of is None:
        cur.execute(read_sql("kpi_asof"), {"now": now})
    tenant_as_of = dict(cur.execute("SELECT tenant, as_of FROM kpi_cfg ORDER BY tenant").fetchall())
    run_as_of = max(tenant_as_of.values(), default=as_of or now)
    cur.execute("INSERT INTO kpi_run VALUES (" + ", ".join("?" * 12) + ")",
                list(run_row(as_of=run_as_of, portfolio=cfg.portfolio(), **run)))
    # The config loader checks names against Python's zoneinfo; DuckDB's ICU must know them too.
    unknown = cur.execute(
        "SELECT DISTINCT tz FROM (SELECT tz FROM kpi_cfg UNION ALL SELECT pf_tz FROM kpi_run) "
        "WHERE tz NOT IN (SELECT name FROM pg_timezone_names())").fetchall()
    if unknown:
        raise MikpiError(f"timezone {unknown[0][0]!r} is not known to DuckDB's ICU time zone data")
    return tenant_as_of


def _frames(cur: duckdb.DuckDBPyConnection, views: list[View], starts: dict, cfg: Config,
            with_incidents: bool) -> dict[str, pd.DataFrame]:
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
    # Valued and ordered in SQL: at scale this frame has a row per service and KPI.
    breakdowns = cur.execute(read_sql("kpi_breakdowns")).df()
    incidents = cur.execute(read_sql("kpi_incidents")).df() if with_incidents else pd.DataFrame()
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
    raw = cur.execute("SELECT view, kpi, checkpoint, items, nx, mean, q[1] AS median, q[2] AS p90, "
                      "var_x, num, den, nn, dd, nd FROM kpi_window_raw").df()
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

def _settings(cfg: Config, tenants: list[str], scope: str | None, d_from: date | None,
              d_to: date | None, priority: object, service: object, views: list[View]) -> dict:
    settings = cfg.echo(tenants)
    if scope is not None:
        for s in settings["tenants"].values():
            s["scope"] = scope
        settings["portfolio"]["scope"] = scope
    settings["filters"] = {"scope": scope, "date_from": d_from, "date_to": d_to,
                           "priority": _list(priority, int), "service": _list(service, str)}
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
