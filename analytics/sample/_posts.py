"""Status updates and internal notes of a chunk's incidents, as one long table.

ServiceNow writes them as ``sys_journal_field`` rows (``comments`` /
``work_notes``), PagerDuty as log entries (status updates / annotations).
Customer-facing updates of major incidents follow kpis.md's cadence: each
due slot ``(d + (j-1)c, d + jc]`` gets one update or none, and the share of
slots that get one is the tenant's planned compliance for the week (an exact
quota, see ``_arrays.diffuse``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analytics.sample import _vocab as V
from analytics.sample._arrays import MINUTE, NA, diffuse, pick_quota, uniform_int
from analytics.sample._incidents import Chunk, RunState
from analytics.sample._story import Plan

COMMENT, WORK_NOTE = 0, 1
CADENCES = (30, 60, 120)

# Everyone who writes anything: MSP engineers, comms leads, commanders, client staff.
PEOPLE = np.array(V.ENGINEERS + V.COMMS_LEADS + V.COMMANDERS + V.CLIENT_PEOPLE, dtype=object)
COMMS_BASE = len(V.ENGINEERS)
COMMANDER_BASE = COMMS_BASE + len(V.COMMS_LEADS)
CLIENT_BASE = COMMANDER_BASE + len(V.COMMANDERS)
USER_IDS = np.array([p.lower().replace("'", "").replace(" ", ".") for p in PEOPLE], dtype=object)

# Texts: comment templates by cadence, then routine comments, resolution, work notes.
_FIRST = [V.COMMENT_FIRST.format(cadence=c) for c in CADENCES]
_PROGRESS = [t.format(cadence=c) for c in CADENCES for t in V.COMMENT_PROGRESS]
TEXTS = np.array(_FIRST + _PROGRESS + list(V.COMMENT_ROUTINE) + [V.COMMENT_RESOLVED]
                 + list(V.WORK_NOTES), dtype=object)
_PROGRESS_BASE = len(_FIRST)
_ROUTINE_BASE = _PROGRESS_BASE + len(_PROGRESS)
_RESOLVED = _ROUTINE_BASE + len(V.COMMENT_ROUTINE)
_NOTES_BASE = _RESOLVED + 1


@dataclass(frozen=True)
class Posts:
    """One row per journal entry / log entry, sorted by incident then time."""

    incident: np.ndarray   # index into the chunk
    channel: np.ndarray    # COMMENT or WORK_NOTE
    at: np.ndarray
    author: np.ndarray     # index into PEOPLE
    text: np.ndarray       # index into TEXTS


def make_posts(chunk: Chunk, plan: Plan, state: RunState, rng: np.random.Generator,
               export_at: int) -> Posts:
    """Comments on the cadence for majors, a few for the rest, work notes for all."""
    c = chunk
    n = len(c)
    idx = np.arange(n)
    end = np.minimum(c.resolved, export_at)
    has_slots = c.is_major & (c.declared != NA)
    m = np.where(has_slots, np.maximum(0, (end - c.declared) // np.maximum(c.cadence, 1)), 0)

    # Due slots of major incidents, met by exact weekly quota.
    s_inc = np.repeat(idx, m)
    j = np.arange(len(s_inc)) - np.repeat(np.cumsum(m) - m, m) + 1
    n_t = len(plan.profiles)
    quota = diffuse(plan.levels["compliance"][:, c.week - 1],
                    np.bincount(c.tenant[s_inc], minlength=n_t), state.carry_for("compliance"))
    met = pick_quota(c.tenant[s_inc], quota, rng)
    s_inc, j = s_inc[met], j[met]
    cad = c.cadence[s_inc]
    slot_at = (c.declared[s_inc] + (j - 1) * cad
               + np.floor(cad * rng.uniform(0.35, 0.98, len(s_inc))).astype(np.int64))
    cad_i = np.searchsorted(CADENCES, cad // MINUTE)
    slot_text = np.where(j == 1, cad_i, _PROGRESS_BASE + cad_i * len(V.COMMENT_PROGRESS)
                         + rng.integers(0, len(V.COMMENT_PROGRESS), len(s_inc)))

    # Resolution notice for resolved majors.
    r_inc = idx[c.is_major & ~c.still_open]
    r_at = c.resolved[r_inc] + uniform_int(rng, MINUTE, 10 * MINUTE, len(r_inc))

    # A routine comment or two on other incidents.
    o_count = np.where(c.is_major, 0, 1 + (rng.random(n) < 0.5))
    o_inc = np.repeat(idx, o_count)
    o_at = _between(rng, c.ack[o_inc], end[o_inc])

    # Internal work notes on everything.
    w_count = 2 + rng.poisson(np.where(c.is_major, 0.5 * m + 2.0, 4.0))
    w_inc = np.repeat(idx, w_count)
    w_at = _between(rng, c.ack[w_inc], end[w_inc])

    e = len(V.ENGINEERS)
    comms = COMMS_BASE + rng.integers(0, len(V.COMMS_LEADS), n)
    incident = np.concatenate([s_inc, r_inc, o_inc, w_inc])
    at = np.concatenate([slot_at, r_at, o_at, w_at])
    channel = np.repeat([COMMENT, COMMENT, COMMENT, WORK_NOTE],
                        [len(s_inc), len(r_inc), len(o_inc), len(w_inc)])
    author = np.concatenate([
        comms[s_inc], comms[r_inc], c.person1[o_inc],
        np.where(rng.random(len(w_inc)) < 0.6, c.person1[w_inc], rng.integers(0, e, len(w_inc))),
    ])
    text = np.concatenate([
        slot_text, np.full(len(r_inc), _RESOLVED),
        _ROUTINE_BASE + rng.integers(0, len(V.COMMENT_ROUTINE), len(o_inc)),
        _NOTES_BASE + rng.integers(0, len(V.WORK_NOTES), len(w_inc)),
    ])
    keep = at <= export_at
    order = np.lexsort((at[keep], incident[keep]))
    return Posts(*(a[keep][order] for a in (incident, channel, at, author, text)))


def _between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform time in ``[lo, hi]`` (``lo`` when the interval is empty)."""
    width = np.maximum(hi - lo, 0)
    return lo + np.floor(rng.random(len(lo)) * width).astype(np.int64)
