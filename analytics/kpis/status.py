"""Values, improvement, glide path and status (kpis.md "Targets and status"), vectorised.

Pure pandas over the small per-group statistics the SQL returns: no data row is touched
here, only one row per (view, KPI, week or checkpoint).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from analytics import catalog
from analytics.kpis.inputs import View

# A hand-computed 20 % must count as 20 % whatever the float rounding of (b - v) / b.
TOLERANCE = 1e-9
STATUSES = ("insufficient_data", "met", "on_track", "off_track")


def is_rate(kpi: pd.Series) -> np.ndarray:
    """Per key: a percentage (num / den) rather than a duration; variants follow their base KPI."""
    return _per_key(kpi, lambda k: catalog.base_kpi(k) in catalog.RATE_KPIS)


def is_lower_better(kpi: pd.Series) -> np.ndarray:
    """Per key: whether a fall is an improvement (:func:`analytics.catalog.is_lower_better`)."""
    return _per_key(kpi, catalog.is_lower_better)


def _per_key(kpi: pd.Series, test: Callable[[str], bool]) -> np.ndarray:
    flags = {k: test(k) for k in kpi.dropna().unique()}  # once per distinct KPI key
    return kpi.map(flags).fillna(False).to_numpy(dtype=bool)


def add_values(df: pd.DataFrame) -> pd.DataFrame:
    """From raw pooled sums (nx, mean, median, p90, num, den) to value, mean, median, p90, n.

    Durations: value = mean, n = number of durations. Rates: value = 100 * num / den,
    n = den (the denominator; for update compliance the number of due updates), and
    mean/median/p90 null. An empty group has n = 0 and null value.
    """
    rate = is_rate(df["kpi"])
    num = df["num"].astype(float).to_numpy()
    den = df["den"].astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(den > 0, 100.0 * num / den, np.nan)
    mean = df["mean"].astype(float).to_numpy()
    out = df.copy()
    out["value"] = np.where(rate, pct, mean)
    for col in ("mean", "median", "p90"):
        out[col] = np.where(rate, np.nan, df[col].astype(float).to_numpy())
    n_rate = np.nan_to_num(den, nan=0.0)
    n_dur = np.nan_to_num(df["nx"].astype(float).to_numpy(), nan=0.0)
    out["n"] = np.where(rate, n_rate, n_dur).round().astype("int64")
    out.loc[out["n"] == 0, "value"] = np.nan
    return out


def improvement(baseline: pd.Series, value: pd.Series, lower: np.ndarray) -> np.ndarray:
    """(baseline - value) / baseline * 100 (lower is better) or (value - baseline) / baseline * 100;
    null when the baseline is 0 or null."""
    b = baseline.astype(float).to_numpy()
    v = value.astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        imp = np.where(lower, (b - v) / b, (v - b) / b) * 100.0
    imp[~np.isfinite(imp)] = np.nan
    return imp


def add_targets(cp: pd.DataFrame, views: dict[str, View]) -> pd.DataFrame:
    """Target columns, expected improvement on the glide path, and status."""
    t_min, t_stretch, due = [], [], []
    for view_name, kpi in zip(cp["tenant"], cp["kpi"], strict=True):  # one row per view x KPI x checkpoint
        t = views[view_name].target(kpi)
        t_min.append(np.nan if t is None else t["min_pct"])
        t_stretch.append(np.nan if t is None or t.get("stretch_pct") is None else t["stretch_pct"])
        due.append(np.nan if t is None else t["due_week"])
    cp = cp.copy()
    cp["target_min_pct"] = pd.array(t_min, dtype="Float64")
    cp["target_stretch_pct"] = pd.array(t_stretch, dtype="Float64")
    cp["due_week"] = pd.array(due, dtype="Float64").astype("Int64")
    base_weeks = cp["tenant"].map(lambda v: views[v].baseline_weeks).to_numpy(dtype=float)
    min_n = cp["tenant"].map(lambda v: views[v].min_n).to_numpy(dtype=float)
    minimum = cp["target_min_pct"].astype(float).to_numpy()
    due_w = cp["due_week"].astype(float).to_numpy()
    week = cp["week"].astype(float).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.minimum(1.0, (week - base_weeks) / (due_w - base_weeks))
    # Before the first window week the glide path has not started: expected 0, not negative.
    cp["expected_pct"] = minimum * np.maximum(frac, 0.0)
    imp = cp["improvement_pct"].astype(float).to_numpy()
    enough = (cp["baseline_n"].to_numpy(dtype=float) >= min_n) & (cp["n"].to_numpy(dtype=float) >= min_n)
    status = np.where(
        ~enough | np.isnan(imp), "insufficient_data",
        np.where(imp >= minimum - TOLERANCE, "met",
                 np.where(imp >= cp["expected_pct"].to_numpy() - TOLERANCE, "on_track", "off_track")))
    cp["status"] = pd.Series(status, index=cp.index, dtype=object).where(~np.isnan(minimum), None)
    return cp
