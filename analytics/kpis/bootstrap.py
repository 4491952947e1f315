"""Bootstrap 90 % intervals of improvement % (kpis.md: "show the uncertainty").

The baseline and the window are resampled independently; each replicate gives an
improvement, and the interval is its 5th and 95th percentile. Three ways to draw a
replicate of one side's statistic, chosen per sample so that the cost stays bounded at
a million incidents:

- **resample** (durations and update compliance, ``items <= normal_above``, default 500): the
  classic bootstrap, ``resamples`` draws of ``items`` items with replacement; the
  statistic is the mean, or the ratio of sums for compliance (items are incidents'
  (met, due) pairs).
- **binomial** (rates with one unit per item): resampling n yes/no items is exactly a
  Binomial(n, p) draw of the yes count, so the bootstrap distribution is drawn by
  inverting its CDF: exact, and O(n + resamples) instead of O(n * resamples).
- **normal** (``items > normal_above``): the normal approximation of the mean (standard
  error s / sqrt(n)), or the delta-method error of a ratio of sums.

Reproducible and tenant-isolated: the random numbers come from fixed pools drawn once
from ``seed`` (one pool for baselines, an independent one for windows), and each sample
reads the first ``items`` columns of its pool. A tenant's interval therefore depends on
nothing but its own items, whichever other tenants are computed in the same call.
Vectorised with numpy across samples (no loop over items).
"""

from __future__ import annotations

import warnings
from itertools import pairwise

import numpy as np
import pandas as pd


def improvement_intervals(stats: pd.DataFrame, sample: pd.DataFrame, *, resamples: int, seed: int,
                          normal_above: int) -> pd.DataFrame:
    """90 % intervals of improvement for every checkpoint row of ``stats``.

    ``stats``: one row per (view, kpi, checkpoint), the baseline rows having checkpoint
    ``"baseline"``, with columns items, mean, var_x, num, den, nn, dd, nd, is_rate, lower,
    value. ``sample``: the items (view, kpi, checkpoint, x, num, den) of every sample to
    resample, each sample a contiguous block. Returns view, kpi, checkpoint, ci_low, ci_high.
    """
    out = stats.loc[stats["checkpoint"] != "baseline", ["view", "kpi", "checkpoint"]].copy()
    out["ci_low"] = np.nan
    out["ci_high"] = np.nan
    if stats.empty:
        return out.reset_index(drop=True)
    stats = stats.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    pools = {
        # items x resamples, so each item's draws are one contiguous row
        "u": {True: rng.random((normal_above, resamples), dtype=np.float32),
              False: rng.random((normal_above, resamples), dtype=np.float32)},
        "v": {True: rng.random(resamples), False: rng.random(resamples)},
        "z": {True: rng.standard_normal(resamples), False: rng.standard_normal(resamples)},
    }
    reps = np.full((len(stats), resamples), np.nan)
    is_base = (stats["checkpoint"] == "baseline").to_numpy()
    method = methods(stats, normal_above).to_numpy()
    _normal(stats, method == "normal", reps, pools["z"], is_base)
    _binomial(stats, np.flatnonzero(method == "binomial"), reps, pools["v"], is_base)
    _resample(stats, np.flatnonzero(method == "resample"), sample, reps, pools["u"], is_base)

    keys = list(zip(stats["view"], stats["kpi"], strict=True))
    base_row = {k: i for i, k in enumerate(keys) if is_base[i]}
    win_idx = np.flatnonzero(~is_base)
    b_idx = np.array([base_row.get(keys[i], -1) for i in win_idx], dtype=np.int64)
    ok = b_idx >= 0
    low = np.full(len(win_idx), np.nan)
    high = np.full(len(win_idx), np.nan)
    if ok.any():
        b = reps[b_idx[ok]]
        v = reps[win_idx[ok]]
        lower = stats["lower"].to_numpy()[win_idx[ok]][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            imp = np.where(lower, (b - v) / b, (v - b) / b) * 100.0
        imp[~np.isfinite(imp)] = np.nan
        has = ~np.all(np.isnan(imp), axis=1)
        if has.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                q = np.nanpercentile(imp[has], [5, 95], axis=1)
            sel = np.flatnonzero(ok)[has]
            low[sel], high[sel] = q[0], q[1]
    out["ci_low"] = low
    out["ci_high"] = high
    return out.reset_index(drop=True)


def methods(stats: pd.DataFrame, normal_above: int) -> pd.Series:
    """Which way each sample's replicates are drawn: resample, binomial, normal or none."""
    items = stats["items"].fillna(0).to_numpy()
    unit = stats["is_rate"].to_numpy() & (stats["den"].fillna(-1).to_numpy() == items)
    method = np.where(items < 2, "none",
                      np.where(unit, "binomial", np.where(items <= normal_above, "resample", "normal")))
    return pd.Series(method, index=stats.index)


def _normal(stats: pd.DataFrame, sel: np.ndarray, reps: np.ndarray, z: dict,
            is_base: np.ndarray) -> None:
    if not sel.any():
        return
    s = stats[sel]
    n = s["items"].to_numpy(dtype=float)
    rate = s["is_rate"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        se_mean = np.sqrt(s["var_x"].to_numpy(dtype=float) / n)
        num, den = s["num"].to_numpy(dtype=float), s["den"].to_numpy(dtype=float)
        r = num / den
        var_n = (s["nn"].to_numpy(dtype=float) - num**2 / n) / (n - 1)
        var_d = (s["dd"].to_numpy(dtype=float) - den**2 / n) / (n - 1)
        cov = (s["nd"].to_numpy(dtype=float) - num * den / n) / (n - 1)
        var_e = np.maximum(var_n - 2 * r * cov + r**2 * var_d, 0.0)
        se_rate = 100.0 * np.sqrt(var_e / n) / (den / n)
    centre = np.where(rate, 100.0 * r, s["mean"].to_numpy(dtype=float))
    se = np.where(rate, se_rate, se_mean)
    zz = np.where(is_base[sel][:, None], z[True][None, :], z[False][None, :])
    reps[sel] = centre[:, None] + se[:, None] * zz


def _binomial(stats: pd.DataFrame, sel: np.ndarray, reps: np.ndarray, v: dict,
              is_base: np.ndarray) -> None:
    """Inverse-CDF draws of Binomial(n, p), one CDF per sample (a loop over samples, not items).

    Why it is cheap at a million incidents (n in the hundreds of thousands): the logarithms of
    1..n come from one table shared by every sample (log C(n, k) sums log(n - j + 1) - log(j),
    the same table read backwards), and exp() and the CDF are taken only where the terms do not
    underflow to exactly 0 (far from the mode they always do): the same draws to the bit.
    """
    if len(sel) == 0:
        return
    logs = np.log(np.arange(1, int(stats["items"].to_numpy()[sel].max()) + 1, dtype=float))
    for i in sel:
        n = int(stats.at[i, "items"])
        k = float(stats.at[i, "num"])
        p = k / n
        u = v[bool(is_base[i])]
        if p <= 0.0 or p >= 1.0:
            reps[i] = 100.0 * p
            continue
        ks = np.arange(n + 1, dtype=float)
        log_j = logs[:n]
        log_c = np.concatenate(([0.0], np.cumsum(log_j[::-1] - log_j)))
        log_pmf = log_c + ks * np.log(p) + (n - ks) * np.log1p(-p)
        shifted = log_pmf - log_pmf.max()
        # exp() of anything below about -745 is exactly 0.0: outside [a, b] the CDF is 0
        # before and its total after, so draws there are counted, not searched.
        live = np.flatnonzero(shifted > -800.0)
        a, b = live[0], live[-1]
        cdf = np.cumsum(np.exp(shifted[a:b + 1]))
        cdf /= cdf[-1]
        draws = np.minimum(a + np.searchsorted(cdf, u, side="right"), n)
        reps[i] = 100.0 * draws / n


def _resample(stats: pd.DataFrame, sel: np.ndarray, sample: pd.DataFrame, reps: np.ndarray,
              u: dict, is_base: np.ndarray) -> None:
    """Classic bootstrap, one sample at a time (a loop over samples, each fully vectorised).

    The draws of a sample of n items only depend on n and its pool, so they are built once per
    (pool, n) and shared by every sample of that size.
    """
    if len(sel) == 0 or sample.empty:
        return
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(sample[["view", "kpi", "checkpoint"]]))
    bounds = np.r_[0, np.flatnonzero(np.diff(codes)) + 1, len(codes)]
    spans = {uniques[codes[a]]: (a, b) for a, b in pairwise(bounds)}
    x = sample["x"].to_numpy(dtype=float)
    num = sample["num"].to_numpy(dtype=float)
    den = sample["den"].to_numpy(dtype=float)
    draws_cache: dict[tuple[bool, int], np.ndarray] = {}
    view, kpi, ckpt = stats["view"].to_numpy(), stats["kpi"].to_numpy(), stats["checkpoint"].to_numpy()
    rate = stats["is_rate"].to_numpy()
    for i in sel:
        span = spans.get((view[i], kpi[i], ckpt[i]))
        if span is None:
            continue
        a, b = span
        n = b - a
        key = (bool(is_base[i]), n)
        draws = draws_cache.get(key)
        if draws is None:
            draws = (u[key[0]][:n] * np.float32(n)).astype(np.int32)  # n x resamples
            np.minimum(draws, n - 1, out=draws)  # float32 rounding may reach n
            if len(draws_cache) < 256:
                draws_cache[key] = draws
        if rate[i]:
            with np.errstate(divide="ignore", invalid="ignore"):
                reps[i] = 100.0 * num[a:b][draws].sum(axis=0) / den[a:b][draws].sum(axis=0)
        else:
            reps[i] = x[a:b][draws].sum(axis=0) / n
