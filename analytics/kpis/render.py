"""Render one :class:`KpiResult` as the JSON contract, as CSV, or as a terminal table.

Renderers read the result and never recompute a number. ``to_json`` is exactly the
contract of interfaces.md (field names and types); ``to_csv`` is one long table with a
``section`` column; ``render_table`` is the readable rich table of ``mikpi kpis``.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from analytics.formatting import (
    EMPTY,
    STATUS_COLOURS,
    format_improvement,
    format_interval,
    format_status,
    format_value,
    kpi_label,
)
from analytics.kpis.inputs import ALL
from analytics.kpis.result import KpiResult

OVERALL_KEYS = ["tenant", "kpi", "value", "mean", "median", "p90", "n"]
WEEKLY_KEYS = ["tenant", "week", "week_start", "kpi", "value", "mean", "median", "p90", "n"]
CHECKPOINT_KEYS = ["tenant", "kpi", "checkpoint", "baseline", "baseline_n", "week", "value", "n",
                   "improvement_pct", "improvement_ci90", "target_min_pct", "target_stretch_pct",
                   "due_week", "status"]
QUALITY_KEYS = ["tenant", "check", "count", "note"]
INT_KEYS = frozenset({"n", "baseline_n", "week", "due_week", "count"})


def to_json(result: KpiResult) -> dict[str, Any]:
    """The ``mikpi kpis --format json`` document (interfaces.md), ready for ``json.dumps``.

    Nulls are ``None`` (never NaN), counts and weeks are ints, dates ISO strings,
    ``improvement_ci90`` is ``[low, high]`` or null. ``settings`` carries the defaults' keys
    at the top level plus ``tenants``/``portfolio`` (effective, merged) and the filters.
    """
    cp = result.checkpoints.copy()
    if cp.empty:
        cp["improvement_ci90"] = pd.Series(dtype=object)
    else:
        cp["improvement_ci90"] = [
            [_num(lo), _num(hi)] if _num(lo) is not None and _num(hi) is not None else None
            for lo, hi in zip(cp["improvement_ci_low"], cp["improvement_ci_high"], strict=True)
        ]
    return {
        "scope": result.scope,
        "generated_at": result.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "settings": _settings(result.settings),
        "overall": _records(result.overall, OVERALL_KEYS),
        "weekly": _records(result.weekly, WEEKLY_KEYS),
        "checkpoints": _records(cp, CHECKPOINT_KEYS),
        "data_quality": _records(result.data_quality, QUALITY_KEYS),
    }


def to_csv(result: KpiResult) -> str:
    """One CSV of every section (overall, weekly, checkpoint, data_quality), a ``section`` column first."""
    frames = [
        result.overall.assign(section="overall"),
        result.weekly.assign(section="weekly"),
        result.checkpoints.assign(section="checkpoint"),
        result.data_quality.assign(section="data_quality"),
    ]
    columns = ["section"]
    for f in frames:
        columns += [c for c in f.columns if c not in columns]
    long = pd.concat([f for f in frames if not f.empty], ignore_index=True) if any(
        not f.empty for f in frames) else pd.DataFrame(columns=columns)
    long = long.reindex(columns=columns)
    for col in INT_KEYS & set(long.columns):
        long[col] = long[col].astype("Int64")
    buf = io.StringIO()
    long.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return buf.getvalue()


def render_table(result: KpiResult, console: Console | None = None) -> None:
    """Print one table per tenant (then ``ALL``): baseline, checkpoints, improvement, status.

    Piped output (not a terminal) is laid out 160 columns wide rather than wrapped at 80.
    """
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=160)
    if result.overall.empty:
        console.print("No incidents in the store.")
        return
    cp = result.checkpoints
    wide = console.width >= 140
    for tenant in dict.fromkeys(result.overall["tenant"]):
        rows = cp[cp["tenant"] == tenant]
        weeks = {c: int(w) for c, w in zip(rows["checkpoint"], rows["week"], strict=True)}
        marks = [m for m in ("week4", "week8", "week13")
                 if m in weeks and wide and weeks[m] != weeks.get("latest")]
        table = Table(title=_title(result, tenant, weeks), title_justify="left", header_style="bold")
        table.add_column("KPI")
        table.add_column("Baseline", justify="right")
        table.add_column("n", justify="right", style="dim")
        for name in marks:
            table.add_column(f"Wk {weeks[name]}", justify="right")
        table.add_column(f"Wk {weeks['latest']}" if "latest" in weeks else "Latest", justify="right")
        table.add_column("n", justify="right", style="dim")
        table.add_column("Improvement", justify="right")
        table.add_column("90 % interval", justify="right")
        table.add_column("Target", justify="right")
        table.add_column("Status")
        for kpi in result.overall.loc[result.overall["tenant"] == tenant, "kpi"]:
            k = rows[rows["kpi"] == kpi].set_index("checkpoint")
            if "latest" not in k.index:
                table.add_row(kpi_label(kpi), *[EMPTY] * (len(table.columns) - 1))
                continue
            row = k.loc["latest"]
            status = row["status"] if isinstance(row["status"], str) else None
            colour = STATUS_COLOURS.get(status or "")
            table.add_row(
                kpi_label(kpi),
                _value(kpi, row["baseline"]), _count(row["baseline_n"]),
                *[_value(kpi, k.at[name, "value"]) for name in marks],
                _value(kpi, row["value"]), _count(row["n"]),
                format_improvement(_num(row["improvement_pct"])),
                format_interval(_num(row["improvement_ci_low"]), _num(row["improvement_ci_high"])),
                _target(row, wide),
                Text(format_status(status), style=f"bold {colour}" if colour else "dim"),
            )
        console.print(table)
        dq = result.data_quality
        dq = dq[(dq["tenant"] == tenant) & (dq["count"] > 0) & (dq["check"] != "incidents_in_scope")]
        for check, count, note in zip(dq["check"], dq["count"], dq["note"], strict=True):
            console.print(f"  [yellow]{check}[/yellow]: {count} — {note}")
        console.print()


def _title(result: KpiResult, tenant: str, weeks: dict[str, int]) -> str:
    settings = result.settings
    view = settings.get("portfolio", {}) if tenant == ALL else settings.get("tenants", {}).get(tenant, {})
    start, as_of = view.get("programme_start"), view.get("as_of")
    title = f"{tenant} — scope {result.scope}"
    if start:
        title += f", programme start {start}"
    if "latest" in weeks:
        title += f", latest week {weeks['latest']}"
    if isinstance(as_of, datetime):  # what "now" was for this view: its data's latest record
        title += f", data as of {as_of:%Y-%m-%d %H:%M} UTC"
    return title


# --- helpers ---------------------------------------------------------------------------

def _value(kpi: str, value: object) -> str:
    v = _num(value)
    return EMPTY if v is None else format_value(kpi, v)


def _count(n: object) -> str:
    v = _num(n)
    return EMPTY if v is None else f"{int(v):,}"


def _target(row: pd.Series, wide: bool) -> str:
    t = _num(row["target_min_pct"])
    if t is None:
        return EMPTY
    stretch = _num(row["target_stretch_pct"])
    text = f"{t:g}" + (f"–{stretch:g}" if stretch is not None and wide else "") + " %"
    due = _num(row["due_week"])
    return text + (f" by wk {int(due)}" if due is not None else "")


def _num(value: object) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _json_value(key: str, value: object) -> object:
    if isinstance(value, list):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if key == "week_start" else value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if key in INT_KEYS:
        return int(value)
    if key in ("target_min_pct", "target_stretch_pct"):
        f = float(value)
        return int(f) if f.is_integer() else f
    if isinstance(value, str | bool):
        return value
    if hasattr(value, "item"):
        value = value.item()
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _records(df: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    if df.empty:
        return []
    cols = {k: df[k].tolist() for k in keys}  # column-wise, then zipped: no per-row pandas access
    return [{k: _json_value(k, v) for k, v in zip(keys, vals, strict=True)}
            for vals in zip(*cols.values(), strict=True)]


def _settings(settings: dict) -> dict[str, Any]:
    flat = dict(settings.get("defaults", {}))
    for key, value in settings.items():
        if key != "defaults":
            flat[key] = value
    return _plain(flat)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value
