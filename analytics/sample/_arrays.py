"""Vectorised building blocks of the sample generator (numpy only, no loop over rows).

Times are int64 epoch seconds throughout; ``NA`` marks a missing time and
converts to ``NaT`` (numpy uses the same bit pattern).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NA = np.iinfo(np.int64).min
STR = np.dtypes.StringDType()
MINUTE = 60
HOUR = 3600
DAY = 86400

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_B36 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


def lognormal(rng: np.random.Generator, mean: np.ndarray | float, sigma: float, n: int) -> np.ndarray:
    """Lognormal draws whose expected value is ``mean`` (array or scalar)."""
    mu = np.log(mean) - sigma * sigma / 2.0
    return np.exp(rng.normal(mu, sigma, n))


def uniform_int(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """Integer seconds drawn uniformly from ``[low, high)``."""
    return np.floor(rng.uniform(low, high, n)).astype(np.int64)


def group_rank(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0-based) of each element within its group, ordered by ``keys``."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((keys, groups))
    g = groups[order]
    pos = np.arange(n)
    first = np.r_[True, g[1:] != g[:-1]]
    start = np.maximum.accumulate(np.where(first, pos, 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = pos - start
    return rank


def exclusive_cumsum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per-group running sum before each element; ``groups`` must be sorted (grouped)."""
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    total = np.cumsum(values) - values
    first = np.r_[True, groups[1:] != groups[:-1]]
    base = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return total - total[base]


def diffuse(rate: np.ndarray, count: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """Integer quotas ``≈ rate × count`` per group, carrying the rounding error forward.

    Error diffusion keeps every run of consecutive weeks within half an item of
    the planned rate, so a small weekly sample still shows the planned story.
    ``carry`` (one float per group) is updated in place.
    """
    target = rate * count + carry
    quota = np.clip(np.floor(target + 0.5), 0, count).astype(np.int64)
    carry[:] = np.where(count > 0, target - quota, carry)
    return quota


def pick_quota(groups: np.ndarray, quota: np.ndarray, rng: np.random.Generator,
               eligible: np.ndarray | None = None) -> np.ndarray:
    """Mask choosing, at random, exactly ``quota[g]`` eligible elements of each group ``g``."""
    keys = rng.random(len(groups))
    if eligible is not None:
        keys = np.where(eligible, keys, 2.0)
    chosen = group_rank(groups, keys) < quota[groups]
    return chosen if eligible is None else chosen & eligible


def match_means(values: np.ndarray, groups: np.ndarray, targets: np.ndarray,
                min_n: int = 4) -> np.ndarray:
    """Rescale ``values`` so each group of at least ``min_n`` has mean ``targets[g]``.

    Keeps the shape of the distribution but removes the sampling noise of the
    group mean, so a 12-incident week shows the planned level, not luck.
    """
    n_groups = len(targets)
    counts = np.bincount(groups, minlength=n_groups)
    sums = np.bincount(groups, weights=values, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(counts >= min_n, targets * counts / sums, 1.0)
    return values * factor[groups]


def hex_ids(rng: np.random.Generator, n: int, nbytes: int = 16) -> np.ndarray:
    """``n`` random lowercase hex strings of ``2 × nbytes`` characters (ServiceNow sys_id)."""
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    chars = np.empty((n, 2 * nbytes), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    return _ascii_rows(chars)


def base36_ids(values: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width uppercase base-36 text of non-negative integers."""
    v = np.asarray(values, dtype=np.int64).copy()
    chars = np.empty((len(v), width), dtype=np.uint8)
    for col in range(width - 1, -1, -1):  # loop over character positions, not rows
        chars[:, col] = _B36[v % 36]
        v //= 36
    return _ascii_rows(chars)


def random_base36(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """``n`` random base-36 strings of ``width`` characters."""
    return _ascii_rows(_B36[rng.integers(0, 36, size=(n, width))])


def _ascii_rows(chars: np.ndarray) -> np.ndarray:
    n, width = chars.shape
    return np.ascontiguousarray(chars).view(f"S{width}").reshape(n).astype(STR)


def numbered(prefix: str, values: np.ndarray, width: int = 7) -> np.ndarray:
    """``prefix`` + zero-padded integer, e.g. ``INC0010001``."""
    digits = np.strings.zfill(np.asarray(values, dtype=np.int64).astype(STR), width)
    return np.strings.add(prefix, digits)


def concat(*parts: np.ndarray | str) -> np.ndarray:
    """Element-wise concatenation of string arrays and constants."""
    out = np.asarray(parts[0], dtype=STR)
    for part in parts[1:]:
        out = np.strings.add(out, np.asarray(part, dtype=STR) if not isinstance(part, str) else part)
    return out


def to_datetime(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds (``NA`` for missing) as ``datetime64[us]`` (``NaT`` for missing).

    Microsecond precision because DuckDB renders it as text faster than
    second precision; whole seconds print without a fraction either way.
    """
    return np.asarray(seconds, dtype=np.int64).view("datetime64[s]").astype("datetime64[us]")


def iso_z(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as ISO-8601 UTC text with ``Z`` (``""`` for missing)."""
    text = np.datetime_as_string(to_datetime(seconds), unit="s").astype(STR)
    return np.where(seconds == NA, "", np.strings.add(text, "Z"))


def labels(vocab: np.ndarray | tuple[str, ...], codes: np.ndarray) -> pd.Categorical:
    """``vocab[codes]`` as a categorical column (missing where a code is negative).

    Repeated text columns stay integer codes all the way to the CSV writer,
    which renders them several times faster than one Python string per row.
    Only for small vocabularies: DuckDB walks the categories on every write,
    so service and CI names (thousands at scale) stay object arrays.
    """
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64),
                                     categories=pd.Index(np.asarray(vocab, dtype=object)))


def take(vocab: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Object array of ``vocab[codes]`` with ``None`` where a code is negative."""
    table = np.append(np.asarray(vocab, dtype=object), None)
    return table[np.where(codes < 0, len(table) - 1, codes)]
