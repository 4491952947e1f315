"""Governance records of a chunk's major incidents, in docs/governance-layout.md.

PIRs for resolved majors (due five days after resolution), mitigation and
PIR actions with owners, due dates and dependencies, closure evidence for
closed majors, and the command decision log by lane. The on-time shares
follow the tenant's plan with exact weekly quotas, like every story metric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.sample import _vocab as V
from analytics.sample._arrays import (
    DAY,
    HOUR,
    MINUTE,
    NA,
    STR,
    concat,
    diffuse,
    labels,
    numbered,
    pick_quota,
    take,
    to_datetime,
    uniform_int,
)
from analytics.sample._catalog import Catalog
from analytics.sample._incidents import Chunk, RunState
from analytics.sample._posts import CLIENT_BASE, COMMANDER_BASE, COMMS_BASE, PEOPLE
from analytics.sample._story import Plan

PIR_COLUMNS = ("tenant", "incident", "due_at", "completed_at", "owner")
ACTION_COLUMNS = ("tenant", "action_id", "incident", "kind", "title", "owner", "priority",
                  "due_at", "completed_at", "depends_on")
CLOSURE_COLUMNS = ("tenant", "incident", "service_validated_at", "customer_confirmed_at",
                   "residual_risk")
TIMELINE_COLUMNS = ("tenant", "incident", "at", "lane", "kind", "actor", "text", "evidence_link")
PIR_WINDOW = 5 * DAY

_ACTION_TITLES = V.MITIGATION_TITLES + V.PIR_ACTION_TITLES
_LANES = tuple(dict.fromkeys(lane for lane, _, _ in V.DECISION_LOG))
_KINDS = ("decision", "action", "update")
_ENTRY_TEXTS = tuple(text for _, _, text in V.DECISION_LOG)
_EXEC_STEP = [lane for lane, _, _ in V.DECISION_LOG].index("executive_liaison")


def _quota_mask(plan: Plan, state: RunState, rng: np.random.Generator, metric: str, week: int,
                tenant: np.ndarray) -> np.ndarray:
    n_t = len(plan.profiles)
    quota = diffuse(plan.levels[metric][:, week - 1], np.bincount(tenant, minlength=n_t),
                    state.carry_for(metric))
    return pick_quota(tenant, quota, rng)


def governance_frames(chunk: Chunk, cat: Catalog, plan: Plan, state: RunState,
                      rng: np.random.Generator, export_at: int) -> dict[str, pd.DataFrame]:
    """``{"pirs", "actions", "closure", "timeline"}`` frames of the chunk's majors."""
    c = chunk
    resolved = np.flatnonzero(c.is_major & ~c.still_open & (c.resolved <= export_at))
    return {
        "pirs": _pirs(c, cat, plan, state, rng, export_at, resolved),
        "actions": _actions(c, cat, plan, state, rng, export_at, resolved),
        "closure": _closure(c, cat, plan, state, rng, export_at, resolved),
        "timeline": _timeline(c, cat, plan, state, rng, export_at),
    }


def _pir_times(c: Chunk, plan: Plan, state: RunState, rng: np.random.Generator,
               inc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    due = c.resolved[inc] + PIR_WINDOW
    on_time = _quota_mask(plan, state, rng, "pir", c.week, c.tenant[inc])
    done = np.where(on_time, c.resolved[inc] + uniform_int(rng, DAY, PIR_WINDOW - HOUR, len(inc)),
                    due + uniform_int(rng, 6 * HOUR, 8 * DAY, len(inc)))
    return due, done


def _pirs(c: Chunk, cat: Catalog, plan: Plan, state: RunState, rng: np.random.Generator,
          export_at: int, inc: np.ndarray) -> pd.DataFrame:
    due, done = _pir_times(c, plan, state, rng, inc)
    owner = cat.owners[c.tenant[inc], rng.integers(0, cat.owners.shape[1], len(inc))]
    return pd.DataFrame({
        "tenant": cat.client_labels(c.tenant[inc]),
        "incident": c.key[inc],
        "due_at": to_datetime(due),
        "completed_at": to_datetime(np.where(done <= export_at, done, NA)),
        "owner": labels(PEOPLE, CLIENT_BASE + owner),
    })


def _actions(c: Chunk, cat: Catalog, plan: Plan, state: RunState, rng: np.random.Generator,
             export_at: int, inc: np.ndarray) -> pd.DataFrame:
    """One mitigation action per resolved major, then one or two PIR actions."""
    n = len(inc)
    n_pir = 1 + (rng.random(n) < 0.5)
    per = 1 + n_pir
    a_inc = np.repeat(inc, per)
    slot = np.arange(len(a_inc)) - np.repeat(np.cumsum(per) - per, per)   # 0 = mitigation
    ids = state.next_action + np.arange(len(a_inc))
    state.next_action += len(a_inc)
    action_id = numbered("ACT-", ids, 6).astype(object)

    mitigation = slot == 0
    base = np.where(mitigation, c.declared[a_inc], c.resolved[a_inc] + PIR_WINDOW)
    due = base + np.where(mitigation, uniform_int(rng, 45 * MINUTE, 150 * MINUTE, len(a_inc)),
                          uniform_int(rng, 7 * DAY, 21 * DAY, len(a_inc)))
    due = np.where(c.declared[a_inc] == NA, c.resolved[a_inc] + 2 * HOUR, due)
    on_time = _quota_mask(plan, state, rng, "action", c.week, c.tenant[a_inc])
    early = np.where(mitigation, uniform_int(rng, 5 * MINUTE, 40 * MINUTE, len(a_inc)),
                     uniform_int(rng, DAY, 5 * DAY, len(a_inc)))
    late = np.where(mitigation, uniform_int(rng, 30 * MINUTE, 6 * HOUR, len(a_inc)),
                    uniform_int(rng, DAY, 10 * DAY, len(a_inc)))
    done = np.where(on_time, due - early, due + late)
    # The second PIR action waits for the first; some first ones wait for the mitigation.
    depends = np.where((slot == 2) | ((slot == 1) & (rng.random(len(a_inc)) < 0.3)),
                       np.roll(np.arange(len(a_inc)), 1), -1)
    titles = np.where(mitigation, rng.integers(0, len(V.MITIGATION_TITLES), len(a_inc)),
                      len(V.MITIGATION_TITLES) + rng.integers(0, len(V.PIR_ACTION_TITLES), len(a_inc)))
    return pd.DataFrame({
        "tenant": cat.client_labels(c.tenant[a_inc]),
        "action_id": action_id,
        "incident": c.key[a_inc],
        "kind": labels(("mitigation", "pir"), np.where(mitigation, 0, 1)),
        "title": labels(_ACTION_TITLES, titles),
        "owner": labels(V.ENGINEERS, np.where(mitigation, c.person1[a_inc],
                                              rng.integers(0, len(V.ENGINEERS), len(a_inc)))),
        "priority": np.where(mitigation, 1, rng.integers(2, 4, len(a_inc))),
        "due_at": to_datetime(due),
        "completed_at": to_datetime(np.where(done <= export_at, done, NA)),
        "depends_on": take(action_id, depends),
    })


def _closure(c: Chunk, cat: Catalog, plan: Plan, state: RunState, rng: np.random.Generator,
             export_at: int, resolved: np.ndarray) -> pd.DataFrame:
    """Evidence of closed majors; the gaps (which item is missing) vary."""
    inc = resolved[c.closed[resolved] <= export_at]
    n = len(inc)
    complete = _quota_mask(plan, state, rng, "closure", c.week, c.tenant[inc])
    gap = np.where(complete, -1, rng.choice(3, n, p=[0.55, 0.35, 0.10]))  # confirm, risk, validation
    validated = c.resolved[inc] + uniform_int(rng, 10 * MINUTE, 2 * HOUR, n)
    confirmed = np.minimum(c.resolved[inc] + uniform_int(rng, 2 * HOUR, 20 * HOUR, n),
                           c.closed[inc] - MINUTE)
    risk = rng.integers(0, len(V.RESIDUAL_RISKS), n)
    return pd.DataFrame({
        "tenant": cat.client_labels(c.tenant[inc]),
        "incident": c.key[inc],
        "service_validated_at": to_datetime(np.where(gap == 2, NA, validated)),
        "customer_confirmed_at": to_datetime(np.where(gap == 0, NA, np.maximum(confirmed, validated))),
        "residual_risk": labels(V.RESIDUAL_RISKS, np.where(gap == 1, -1, risk)),
    })


def _timeline(c: Chunk, cat: Catalog, plan: Plan, state: RunState, rng: np.random.Generator,
              export_at: int) -> pd.DataFrame:
    """Decision-log entries by lane; fuller logs as the programme matures."""
    inc = np.flatnonzero(c.is_major & (c.declared != NA))
    n, e = len(inc), len(V.DECISION_LOG)
    full = _quota_mask(plan, state, rng, "decision_log", c.week, c.tenant[inc])
    step = np.tile(np.arange(e), n)
    e_inc = np.repeat(inc, e)
    kept = np.repeat(full, e) | np.isin(step, (0, 1, e - 1))
    kept &= (step != _EXEC_STEP) | (c.priority[e_inc] == 1)   # executives join P1s only
    d, r = c.declared[e_inc], c.resolved[e_inc]
    frac = (step - 1) / (e - 2)
    at = np.select(
        [step == 0, step == 1, step == e - 1],
        [d + uniform_int(rng, MINUTE, 5 * MINUTE, len(step)),
         d + uniform_int(rng, 5 * MINUTE, 15 * MINUTE, len(step)),
         r + uniform_int(rng, MINUTE, 10 * MINUTE, len(step))],
        d + np.floor((r - d) * np.clip(frac + rng.uniform(-0.05, 0.05, len(step)), 0.05, 0.95)
                     ).astype(np.int64),
    )
    kept &= (at <= export_at) & ((step != e - 1) | ~c.still_open[e_inc])
    step, e_inc, at = step[kept], e_inc[kept], at[kept]
    lane = np.array([_LANES.index(entry[0]) for entry in V.DECISION_LOG])[step]
    kind = np.array([_KINDS.index(entry[1]) for entry in V.DECISION_LOG])[step]
    t = c.tenant[e_inc]
    actor = np.select(
        [lane == _LANES.index("commander"), lane == _LANES.index("communications"),
         lane == _LANES.index("technical_lead"), lane == _LANES.index("service_owner")],
        [COMMANDER_BASE + np.maximum(c.commander[e_inc], 0),
         COMMS_BASE + rng.integers(0, len(V.COMMS_LEADS), len(step)),
         c.person1[e_inc],
         CLIENT_BASE + cat.owners[t, 0]],
        CLIENT_BASE + cat.owners[t, 1],
    )
    # The stakeholder notification links to the client's status page entry.
    linked = np.flatnonzero(step == 1)
    link = np.full(len(step), None, dtype=object)
    link[linked] = concat("https://status.", np.array(cat.slugs, dtype=STR)[t[linked]],
                          ".example/incidents/", c.key[e_inc[linked]].astype(STR)).astype(object)
    return pd.DataFrame({
        "tenant": cat.client_labels(t),
        "incident": c.key[e_inc],
        "at": to_datetime(at),
        "lane": labels(_LANES, lane),
        "kind": labels(_KINDS, kind),
        "actor": labels(PEOPLE, actor),
        "text": labels(_ENTRY_TEXTS, step),
        "evidence_link": link,
    })
