"""One tenant's checkpoints as display strings: the KPI table the runbook and the proof brief share.

The engine computed every number; this module only arranges the checkpoint
rows one per KPI and formats them through ``analytics.formatting``, so the
DOCX and the PDF (and anything else that uses it) show identical text.
"""

from __future__ import annotations

import math

import pandas as pd

from analytics.formatting import (
    EMPTY,
    format_improvement,
    format_interval,
    format_status,
    format_value,
    kpi_label,
)
from analytics.kpis.result import KPIS
from exporters.context import ExportContext

CHECKPOINTS = ("week4", "week8", "week13", "latest")
COLUMNS = ["kpi", "label", "has_target", "baseline", "baseline_n", "week4", "week8", "week13",
           "latest", "latest_week", "n", "improvement", "interval", "expected", "target",
           "status", "status_label"]


def display_tenant(tenant: str) -> str:
    """How a tenant is named on a page: ``"ALL"`` is the portfolio."""
    return "All tenants (portfolio)" if tenant == "ALL" else tenant


def as_of(ctx: ExportContext) -> object | None:
    """The data's as-of time the figures were judged by, when it differs from the generation time."""
    value = ctx.result.as_of(ctx.tenant)
    if value is None or pd.isna(value) or pd.Timestamp(value) == pd.Timestamp(ctx.generated_at):
        return None
    return value


def whose(tenant: str) -> str:
    """``"this client's"``, or ``"the portfolio's"`` for ``ALL`` (for running text)."""
    return "the portfolio's" if tenant == "ALL" else "this client's"


def _num(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


NUMERIC = ("baseline", "baseline_n", "week", "value", "n", "improvement_pct", "improvement_ci_low",
           "improvement_ci_high", "target_min_pct", "target_stretch_pct", "due_week", "expected_pct")


def tenant_checkpoints(ctx: ExportContext) -> pd.DataFrame:
    """This tenant's checkpoint rows with plain float columns (nullable dtypes' ``NA`` become NaN).

    The formatting helpers read NaN as "no value"; a pandas ``NA`` would not be a float.
    """
    cp = ctx.result.checkpoints
    if cp.empty:
        return cp
    cp = cp[cp["tenant"] == ctx.tenant].copy()
    for col in NUMERIC:
        if col in cp.columns:
            cp[col] = pd.to_numeric(cp[col], errors="coerce").astype("float64")
    return cp


def target_text(min_pct: object, stretch_pct: object, due_week: object) -> str:
    """``'≥ +20.0 % by week 8 (stretch +50.0 %)'``; improvement is signed so + is better."""
    low, high, due = _num(min_pct), _num(stretch_pct), _num(due_week)
    if low is None:
        return EMPTY
    text = f"≥ {format_improvement(low)}"
    if due is not None:
        text += f" by week {int(due)}"
    if high is not None:
        text += f" (stretch {format_improvement(high)})"
    return text


def checkpoint_table(ctx: ExportContext) -> pd.DataFrame:
    """One row per KPI with a checkpoint, KPIs with a target first, every cell a display string.

    ``status`` keeps the raw status key (for colours); ``has_target`` is a bool.
    """
    cp = tenant_checkpoints(ctx)
    if cp.empty:
        return pd.DataFrame(columns=COLUMNS)
    values = cp.pivot_table(index="kpi", columns="checkpoint", values="value", aggfunc="first",
                            dropna=False).reindex(columns=list(CHECKPOINTS))
    latest = cp[cp["checkpoint"] == "latest"].set_index("kpi")
    first = cp.drop_duplicates("kpi").set_index("kpi")
    order = [k for k in KPIS if k in first.index] + sorted(set(first.index) - set(KPIS))
    info = latest.reindex(order).combine_first(first.reindex(order)[["baseline", "baseline_n",
                                                                    "target_min_pct",
                                                                    "target_stretch_pct",
                                                                    "due_week"]])
    values = values.reindex(order)
    out = pd.DataFrame({"kpi": order})
    out["label"] = [kpi_label(k) for k in order]
    out["has_target"] = info["target_min_pct"].notna().to_numpy()
    out["baseline"] = [format_value(k, v) for k, v in zip(order, info["baseline"])]
    out["baseline_n"] = [EMPTY if _num(n) is None else f"{int(n):,}" for n in info["baseline_n"]]
    for name in CHECKPOINTS:
        out[name] = [format_value(k, v) for k, v in zip(order, values[name])]
    out["latest_week"] = [EMPTY if _num(w) is None else str(int(w)) for w in info["week"]]
    out["n"] = [EMPTY if _num(n) is None else f"{int(n):,}" for n in info["n"]]
    out["improvement"] = [format_improvement(v) for v in info["improvement_pct"]]
    out["interval"] = [format_interval(lo, hi) for lo, hi in
                       zip(info["improvement_ci_low"], info["improvement_ci_high"])]
    out["expected"] = [EMPTY if _num(v) is None else format_improvement(v) for v in info["expected_pct"]]
    out["target"] = [target_text(a, b, c) for a, b, c in
                     zip(info["target_min_pct"], info["target_stretch_pct"], info["due_week"])]
    out["status"] = [s if isinstance(s, str) else None for s in info["status"]]
    out["status_label"] = [format_status(s) if isinstance(s, str) else EMPTY for s in info["status"]]
    out = out.sort_values("has_target", ascending=False, kind="stable").reset_index(drop=True)
    return out[COLUMNS]


def checkpoint_rows(ctx: ExportContext, kpi: str) -> pd.DataFrame:
    """Every checkpoint of one KPI (week 4, 8, 13, latest) as display strings, in week order."""
    cp = tenant_checkpoints(ctx)
    cols = ["checkpoint", "week", "value", "n", "improvement", "interval", "expected", "status",
            "status_label"]
    if cp.empty:
        return pd.DataFrame(columns=cols)
    rows = cp[cp["kpi"] == kpi]
    rows = rows.assign(_order=rows["checkpoint"].map({c: i for i, c in enumerate(CHECKPOINTS)}))
    rows = rows.sort_values("_order")
    names = {"week4": "Week 4", "week8": "Week 8", "week13": "Week 13", "latest": "Latest"}
    return pd.DataFrame({
        "checkpoint": [names.get(c, c) for c in rows["checkpoint"]],
        "week": [EMPTY if _num(w) is None else str(int(w)) for w in rows["week"]],
        "value": [format_value(kpi, v) for v in rows["value"]],
        "n": [EMPTY if _num(n) is None else f"{int(n):,}" for n in rows["n"]],
        "improvement": [format_improvement(v) for v in rows["improvement_pct"]],
        "interval": [format_interval(lo, hi) for lo, hi in
                     zip(rows["improvement_ci_low"], rows["improvement_ci_high"])],
        "expected": [EMPTY if _num(v) is None else format_improvement(v) for v in rows["expected_pct"]],
        "status": [s if isinstance(s, str) else None for s in rows["status"]],
        "status_label": [format_status(s) if isinstance(s, str) else EMPTY for s in rows["status"]],
    }, columns=cols)
