"""One chunk of incidents: every attribute and every lifecycle time, as column arrays.

A chunk is one time slice of one programme week for all tenants. Story
metrics are hit per tenant and chunk without sampling noise: durations are
rescaled to the planned mean and shares are exact quotas with the rounding
error carried to the next chunk (``_arrays.diffuse``), so even a 12-incident
week shows the planned movement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analytics.sample import _vocab as V
from analytics.sample._arrays import (
    DAY,
    HOUR,
    MINUTE,
    NA,
    base36_ids,
    diffuse,
    exclusive_cumsum,
    hex_ids,
    lognormal,
    match_means,
    numbered,
    pick_quota,
    uniform_int,
)
from analytics.sample._catalog import CIS_PER_SERVICE, REPEAT_LAG, Catalog
from analytics.sample._story import Plan

MAJOR_SHARE = 2.0 / 3.0
PROBLEM_SHARE = 0.35        # new-service majors that get a problem record (shared by their repeats)
CADENCE_MINUTES = {1: 30, 2: 60}   # else 120, as kpis.md's default
PD_ID_MULTIPLIER = 2654435761      # coprime with 36**6: a bijection counter -> id

# Non-major levels by priority (2, 3, 4): mean minutes to acknowledge and to resolve.
_ACK_MINUTES = np.array([0, 0, 40.0, 180.0, 480.0])
_RESOLVE_MINUTES = np.array([0, 0, 480.0, 1800.0, 3600.0])
# (impact, urgency) pairs per priority of ServiceNow's default matrix.
_MATRIX = {1: [(1, 1)], 2: [(1, 2), (2, 1)], 3: [(1, 3), (2, 2), (3, 1)], 4: [(2, 3), (3, 2)]}


@dataclass
class RunState:
    """What one chunk hands to the next: counters and rounding carries."""

    n_tenants: int
    next_incident: int = 10001
    next_change: int = 30001
    next_action: int = 1
    next_pd: int = 1
    new_services: np.ndarray = field(default=None)  # per tenant: majors that opened a new service
    seen_major: np.ndarray = field(default=None)
    carry: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.new_services = np.zeros(self.n_tenants, dtype=np.int64)
        self.seen_major = np.zeros(self.n_tenants, dtype=bool)

    def carry_for(self, name: str) -> np.ndarray:
        """The rounding carry of one quota, one float per tenant."""
        return self.carry.setdefault(name, np.zeros(self.n_tenants))


@dataclass
class Chunk:
    """Column arrays of one chunk's incidents, sorted by ``opened``."""

    week: int
    tenant: np.ndarray
    pagerduty: np.ndarray
    is_major: np.ndarray
    priority: np.ndarray
    impact: np.ndarray
    urgency: np.ndarray
    mis: np.ndarray               # major_incident_state: 0 none, 1 accepted, 2 rejected
    service: np.ndarray           # index into Catalog.service_names
    ci: np.ndarray                # index into Catalog.ci_names
    category: np.ndarray
    subcategory: np.ndarray       # index into SUBCATEGORIES
    short_description: np.ndarray  # object
    repeat: np.ndarray
    problem: np.ndarray           # problem number, -1 for none
    change_related: np.ndarray
    caused_by: np.ndarray         # object, filled by _changes
    group1: np.ndarray
    group2: np.ndarray
    person1: np.ndarray
    person2: np.ndarray
    reassignments: np.ndarray
    commander: np.ndarray         # -1 for none
    reopened: np.ndarray
    held: np.ndarray
    opened: np.ndarray
    ack: np.ndarray
    promote_at: np.ndarray        # NA unless mis > 0
    declared: np.ndarray          # promoted_on (ServiceNow majors) or opened (PagerDuty)
    reassign_at: np.ndarray
    hold_start: np.ndarray
    hold_end: np.ndarray
    first_resolve: np.ndarray
    reopen_at: np.ndarray
    resolved: np.ndarray          # true final resolution time
    closed: np.ndarray
    cadence: np.ndarray           # seconds between due status updates
    key: np.ndarray               # object: INC number or PagerDuty id
    sys_id: np.ndarray            # object, None for PagerDuty
    pd_number: np.ndarray         # PagerDuty incident_number, 0 for ServiceNow
    resolved_field: np.ndarray = None   # what the export says; dirt may make it wrong
    opened_blank: np.ndarray = None     # dirt: opened_at missing in the export
    still_open: np.ndarray = None       # dirt: never resolved

    def __post_init__(self) -> None:
        n = len(self.tenant)
        self.resolved_field = self.resolved.copy()
        self.opened_blank = np.zeros(n, dtype=bool)
        self.still_open = np.zeros(n, dtype=bool)

    def __len__(self) -> int:
        return len(self.tenant)


def sample_opened(rng: np.random.Generator, week_start: int, hours: np.ndarray,
                  weights: np.ndarray, n: int) -> np.ndarray:
    """Opening times inside the slice's hours, busier in business hours."""
    cdf = np.cumsum(weights[hours])
    cdf /= cdf[-1]
    h = hours[np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(hours) - 1)]
    return week_start + h * HOUR + uniform_int(rng, 0, HOUR, n)


def _pick(rng: np.random.Generator, table: np.ndarray, sizes: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One random entry of ``table[row]`` among its first ``sizes[row]`` entries."""
    j = np.floor(rng.random(len(row)) * sizes[row]).astype(np.int64)
    return table[row, j]


def _padded(rows: list[tuple], vocab: tuple[str, ...] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Rows of unequal length as a rectangular table (of codes into ``vocab`` if given)."""
    width = max(len(r) for r in rows)
    cells = [list(r) + [r[0]] * (width - len(r)) for r in rows]
    table = (np.array([[vocab.index(x) for x in row] for row in cells]) if vocab
             else np.array(cells, dtype=object))
    return table, np.array([len(r) for r in rows])


SUBCATEGORIES = tuple(dict.fromkeys(s for _, subs in V.CATEGORIES for s in subs))
_SUBCATS, _SUBCAT_N = _padded([sub for _, sub in V.CATEGORIES], SUBCATEGORIES)
_SYMPTOMS, _SYMPTOM_N = _padded(list(V.SYMPTOMS))


def make_chunk(cat: Catalog, plan: Plan, state: RunState, rng: np.random.Generator, *,
               week: int, opened: np.ndarray, tenant: np.ndarray,
               pins: list[tuple[int, int]]) -> Chunk:
    """All incidents of one slice; ``pins`` = (tenant, time) majors placed at exact times."""
    n_t = cat.n_tenants
    counts = np.bincount(tenant, minlength=n_t)
    is_major = pick_quota(tenant, diffuse(np.full(n_t, MAJOR_SHARE), counts,
                                          state.carry_for("major")), rng)
    for t, at in pins:  # loop over the few pinned edge cases
        hit = np.flatnonzero(is_major & (tenant == t))
        if len(hit):
            opened[hit[0]] = at
    order = np.lexsort((tenant, opened))
    tenant, opened, is_major = tenant[order], opened[order], is_major[order]
    n = len(tenant)
    pdt = cat.pagerduty[tenant]

    priority = np.where(is_major, np.where(pdt | (rng.random(n) < 0.7), 1, 2),
                        rng.choice([2, 3, 4], n, p=[0.25, 0.45, 0.30]))
    impact, urgency = _impact_urgency(rng, priority)
    mis = np.where(pdt, 0, np.where(is_major, 1,
                                    np.where((priority == 2) & (rng.random(n) < 0.15), 2, 0)))

    service, repeat, problem = _assign_services(cat, plan, state, rng, week, tenant, is_major)
    ci = service * CIS_PER_SERVICE + rng.integers(0, CIS_PER_SERVICE, n)
    category = cat.service_category[service]
    subcategory = _pick(rng, _SUBCATS, _SUBCAT_N, category)

    change_quota = diffuse(plan.levels["change"][:, week - 1] * ~cat.pagerduty,
                           np.bincount(tenant[is_major], minlength=n_t), state.carry_for("change"))
    change_related = (pick_quota(tenant, change_quota, rng, is_major)
                      | (~is_major & ~pdt & (rng.random(n) < 0.08)))
    symptom = np.where(change_related, V.CHANGE_SYMPTOM, _pick(rng, _SYMPTOMS, _SYMPTOM_N, category))
    short = symptom.astype(object)

    times = _lifecycle(plan, state, rng, week, tenant, opened, is_major, priority, mis,
                       cat.pagerduty)

    # Majors start with Major Incident Management (group 1); others with any other
    # group; a reassignment goes to another resolver group, never to MIM.
    resolvers = np.array([i for i in range(len(V.ASSIGNMENT_GROUPS)) if i != 1])
    group1 = np.where(is_major, 1, resolvers[rng.integers(0, len(resolvers), n)])
    group2 = resolvers[rng.integers(0, len(resolvers), n)]
    group2 = np.where(group2 == group1, resolvers[(np.searchsorted(resolvers, group2) + 1)
                                                  % len(resolvers)], group2)
    e = len(V.ENGINEERS)
    person1 = rng.integers(0, e, n)
    person2 = (person1 + rng.integers(1, e, n)) % e
    reassignments = np.where(rng.random(n) < np.where(is_major, 0.35, 0.25),
                             1 + (rng.random(n) < 0.3), 0)

    sn = ~pdt
    n_sn = int(sn.sum())
    key = np.empty(n, dtype=object)
    sys_id = np.full(n, None, dtype=object)
    pd_number = np.zeros(n, dtype=np.int64)
    key[sn] = numbered("INC", state.next_incident + np.arange(n_sn)).astype(object)
    sys_id[sn] = hex_ids(rng, n_sn).astype(object)
    state.next_incident += n_sn
    pd_seq = state.next_pd + np.arange(n - n_sn)
    pd_number[pdt] = pd_seq
    key[pdt] = np.strings.add("P", base36_ids((pd_seq * PD_ID_MULTIPLIER + 7_777_777) % 36**6, 6)
                              ).astype(object)
    state.next_pd += n - n_sn

    return Chunk(
        week=week, tenant=tenant, pagerduty=pdt, is_major=is_major, priority=priority,
        impact=impact, urgency=urgency, mis=mis, service=service, ci=ci, category=category,
        subcategory=subcategory, short_description=short, repeat=repeat, problem=problem,
        change_related=change_related, caused_by=np.full(n, None, dtype=object),
        group1=group1, group2=group2, person1=person1, person2=person2,
        reassignments=reassignments, commander=np.where(is_major, rng.integers(0, len(V.COMMANDERS), n), -1),
        key=key, sys_id=sys_id, pd_number=pd_number, **times,
    )


def _impact_urgency(rng: np.random.Generator, priority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(v) for v in _MATRIX.values())
    table = np.zeros((5, width, 2), dtype=np.int64)
    sizes = np.ones(5, dtype=np.int64)
    for p, pairs in _MATRIX.items():  # loop over the 4 priorities
        table[p, : len(pairs)] = pairs
        sizes[p] = len(pairs)
    j = np.floor(rng.random(len(priority)) * sizes[priority]).astype(np.int64)
    chosen = table[priority, j]
    return chosen[:, 0], chosen[:, 1]


def _assign_services(cat: Catalog, plan: Plan, state: RunState, rng: np.random.Generator,
                     week: int, tenant: np.ndarray, is_major: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Service, repeat flag and problem number of each incident.

    A major that is not a repeat takes the next service in its tenant's
    rotation (``Catalog.service_order``); the rotation is long enough that no
    other major hit that service in the last 30 days. A repeat takes the
    service of one of the last ``REPEAT_LAG`` rotation majors (days ago), and
    its problem record when that one has one. Everything is a pure function of
    the per-tenant rotation counter, so chunks need no memory of old rows.
    """
    n = len(tenant)
    n_t = cat.n_tenants
    service = cat.service_offset[tenant] + np.floor(
        rng.random(n) * cat.n_services[tenant]).astype(np.int64)
    repeat = np.zeros(n, dtype=bool)
    problem = np.full(n, -1, dtype=np.int64)

    maj = np.flatnonzero(is_major)
    if len(maj) == 0:
        return service, repeat, problem
    mt = tenant[maj]
    o = np.argsort(mt, kind="stable")          # by tenant, then opening time
    g = mt[o]
    firsts = np.empty(len(maj), dtype=bool)
    firsts[o] = np.r_[True, g[1:] != g[:-1]]
    eligible = ~(firsts & ~state.seen_major[mt])
    quota = diffuse(plan.levels["repeat"][:, week - 1], np.bincount(mt, minlength=n_t),
                    state.carry_for("repeat"))
    rep = pick_quota(mt, quota, rng, eligible)

    rep_o = rep[o]
    k = exclusive_cumsum((~rep_o).astype(np.int64), g) + state.new_services[g]
    lag = np.minimum(rng.integers(1, REPEAT_LAG + 1, len(o)), k)
    src = np.where(rep_o, k - lag, k)
    size = cat.n_services[g]
    service[maj[o]] = cat.service_offset[g] + cat.service_order[cat.service_offset[g] + src % size]
    repeat[maj[o]] = rep_o
    seeded = _unit_hash(src * n_t + g) < PROBLEM_SHARE
    problem[maj[o]] = np.where(seeded & ~cat.pagerduty[g], 40001 + src * n_t + g, -1)
    state.new_services += np.bincount(g, weights=~rep_o, minlength=n_t).astype(np.int64)
    state.seen_major[mt] = True
    return service, repeat, problem


def _unit_hash(values: np.ndarray) -> np.ndarray:
    """A deterministic pseudo-random number in [0, 1) per integer."""
    x = (values.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)
    return x.astype(np.float64) / float(2**53)


def _lifecycle(plan: Plan, state: RunState, rng: np.random.Generator, week: int,
               tenant: np.ndarray, opened: np.ndarray, is_major: np.ndarray,
               priority: np.ndarray, mis: np.ndarray, pd_tenant: np.ndarray
               ) -> dict[str, np.ndarray]:
    """Every lifecycle time, monotone in the order the history export lists them."""
    n = len(tenant)
    n_t = len(plan.profiles)
    pdt = pd_tenant[tenant]
    major_groups = np.where(is_major, tenant, n_t)           # non-majors in a spare group

    ack_target = np.r_[plan.levels["mtta"][:, week - 1], 0.0] * MINUTE
    ack_mean = np.where(is_major, ack_target[major_groups], _ACK_MINUTES[priority] * MINUTE)
    ack_delay = lognormal(rng, ack_mean, np.where(is_major, 0.6, 0.9), n)
    ack_delay = np.where(is_major, match_means(ack_delay, major_groups, ack_target), ack_delay)
    ack_delay = np.maximum(np.round(ack_delay), 30).astype(np.int64)
    ack = opened + ack_delay

    promote_delay = np.where(mis > 0, np.round(lognormal(rng, 10.0 * MINUTE, 0.5, n)), 0).astype(np.int64)
    work_from = ack + promote_delay
    floor = ack_delay + promote_delay + 20 * MINUTE

    fix_target = np.r_[plan.levels["mttr"][:, week - 1], 0.0] * MINUTE
    fix_mean = np.where(is_major, fix_target[major_groups] * np.where(priority == 2, 1.15, 1.0),
                        _RESOLVE_MINUTES[priority] * MINUTE)
    duration = lognormal(rng, fix_mean, np.where(is_major, 0.55, 0.8), n)
    duration = np.maximum(duration, floor)
    duration = np.where(is_major, match_means(duration, major_groups, fix_target), duration)
    duration = np.maximum(np.round(duration), floor).astype(np.int64)
    resolved = opened + duration
    span = resolved - work_from

    reopen_quota = diffuse(plan.levels["reopen"][:, week - 1] * ~pd_tenant,
                           np.bincount(tenant[is_major], minlength=n_t), state.carry_for("reopen"))
    reopened = (pick_quota(tenant, reopen_quota, rng, is_major)
                | (~is_major & ~pdt & (rng.random(n) < 0.04)))
    held = ~pdt & (rng.random(n) < np.where(is_major, 0.2, 0.3))

    def at(lo: float, hi: float, mask: np.ndarray) -> np.ndarray:
        return np.where(mask, work_from + np.floor(span * rng.uniform(lo, hi, n)).astype(np.int64), NA)

    close_delay = np.where(is_major, uniform_int(rng, 20 * HOUR, 72 * HOUR, n),
                           3 * DAY + uniform_int(rng, 0, 12 * HOUR, n))
    return {
        "opened": opened, "ack": ack,
        "promote_at": np.where(mis > 0, work_from, NA),
        "declared": np.where(pdt, opened, np.where(mis == 1, work_from, NA)),
        "reassign_at": at(0.10, 0.25, np.ones(n, dtype=bool)),
        "hold_start": at(0.30, 0.42, held), "hold_end": at(0.50, 0.62, held),
        "first_resolve": at(0.70, 0.78, reopened), "reopen_at": at(0.82, 0.90, reopened),
        "resolved": resolved, "closed": resolved + close_delay,
        "reopened": reopened, "held": held,
        "cadence": np.array([0, 30, 60, 120, 120])[priority] * MINUTE,
    }
