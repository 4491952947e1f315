"""The improvement story: how each tenant's levels move week by week.

Week 1 is a poor baseline for everyone. After it, tenants follow one of four
profiles: ``fast`` (reaches the MTTR stretch target early), ``steady``
(meets every minimum by its due week), ``slow`` (good on repeats, late on
update compliance: off track at week 8, met by week 13) and ``flat`` (no
improvement, slightly worse: off track everywhere). A level at week ``w`` is
``baseline × (1 + gain × ramp(w))`` with ``ramp`` rising linearly from 0
after ``delay`` weeks to 1 over ``weeks`` weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROFILES = ("fast", "steady", "slow", "flat")

# metric -> (gain, delay_weeks, ramp_weeks)
CURVES: dict[str, dict[str, tuple[float, float, float]]] = {
    "fast": {
        "mttr": (-0.62, 0, 4), "mtta": (-0.55, 0, 4), "compliance": (0.40, 0, 5),
        "repeat": (-0.55, 0, 5), "change": (-0.50, 1, 6), "reopen": (-0.60, 0, 6),
        "closure": (1.00, 0, 4), "pir": (1.40, 0, 5), "action": (0.70, 0, 6),
        "decision_log": (0.90, 0, 4),
    },
    "steady": {
        "mttr": (-0.44, 0, 8), "mtta": (-0.42, 0, 8), "compliance": (0.24, 0, 9),
        "repeat": (-0.36, 0, 8), "change": (-0.35, 1, 8), "reopen": (-0.40, 0, 8),
        "closure": (0.70, 0, 8), "pir": (1.00, 0, 8), "action": (0.45, 0, 8),
        "decision_log": (0.60, 0, 8),
    },
    "slow": {
        "mttr": (-0.36, 0, 7), "mtta": (-0.34, 0, 7), "compliance": (0.19, 5, 7),
        "repeat": (-0.60, 0, 4), "change": (-0.30, 2, 8), "reopen": (-0.30, 0, 8),
        "closure": (0.50, 2, 8), "pir": (0.70, 2, 8), "action": (0.30, 2, 8),
        "decision_log": (0.40, 2, 8),
    },
    "flat": {
        "mttr": (0.10, 2, 8), "mtta": (0.06, 2, 8), "compliance": (-0.06, 2, 8),
        "repeat": (0.12, 2, 8), "change": (0.10, 2, 8), "reopen": (0.10, 2, 8),
        "closure": (0.0, 0, 1), "pir": (-0.10, 2, 8), "action": (-0.10, 2, 8),
        "decision_log": (0.0, 0, 1),
    },
}

# Week-1 levels: (low, high) of a uniform draw per tenant. Rates are shares.
BASELINES: dict[str, tuple[float, float]] = {
    "mttr": (260.0, 340.0),        # mean minutes, opened -> final resolution (majors)
    "mtta": (18.0, 28.0),          # mean minutes, opened -> first non-New update (majors)
    "compliance": (0.50, 0.60),    # share of due status updates posted on time
    "repeat": (0.375, 0.375),      # 3 of 8 weekly majors: an exact week-1 baseline
    "change": (0.25, 0.25),
    "reopen": (0.12, 0.12),
    "closure": (0.40, 0.50),
    "pir": (0.30, 0.40),
    "action": (0.45, 0.55),
    "decision_log": (0.45, 0.55),
}
HIGHER_IS_BETTER = frozenset({"compliance", "closure", "pir", "action", "decision_log"})


@dataclass(frozen=True)
class Plan:
    """Planned level of every story metric, ``levels[metric][tenant, week - 1]``."""

    profiles: tuple[str, ...]
    levels: dict[str, np.ndarray]

    def at(self, metric: str, tenant: np.ndarray, week: int) -> np.ndarray:
        """Level of ``metric`` for each element of ``tenant`` in programme ``week``."""
        return self.levels[metric][tenant, week - 1]


def profile_for(client: int) -> str:
    """Profile of the ``client``-th client (the PagerDuty incidents follow their client's)."""
    return PROFILES[client % len(PROFILES)]


def build_plan(profiles: list[str], weeks: int, rng: np.random.Generator) -> Plan:
    """Weekly levels per tenant; tenants beyond the first four get jittered gains."""
    n = len(profiles)
    week = np.arange(1, weeks + 1, dtype=float)
    levels: dict[str, np.ndarray] = {}
    for metric, (low, high) in BASELINES.items():
        base = rng.uniform(low, high, n)
        jitter = np.where(np.arange(n) < 4, 1.0, rng.uniform(0.85, 1.15, n))
        gain, delay, span = (np.array([CURVES[p][metric][i] for p in profiles]) for i in range(3))
        ramp = np.clip((week[None, :] - 1 - delay[:, None]) / span[:, None], 0.0, 1.0)
        level = base[:, None] * (1.0 + (gain * jitter)[:, None] * ramp)
        if metric in HIGHER_IS_BETTER or metric in ("repeat", "change", "reopen"):
            level = np.clip(level, 0.0, 0.97)
        levels[metric] = level
    return Plan(tuple(profiles), levels)
