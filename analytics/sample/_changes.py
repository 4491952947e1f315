"""Change requests of a chunk: the ones that caused incidents, and routine background.

A change-related incident gets a change on its CI and service that ended
0.5-20 h before it opened (kpis.md's 24 h window); 60 % of them also name it
in ``caused_by``, the rest are found only by the window. Background changes
go to services the repeat rotation will not reach for weeks, so they do not
create accidental links.
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
    labels,
    numbered,
    to_datetime,
    uniform_int,
)
from analytics.sample._catalog import CIS_PER_SERVICE, Catalog
from analytics.sample._incidents import Chunk, RunState

CHANGE_COLUMNS = (
    "number", "short_description", "cmdb_ci", "business_service", "company", "type", "risk",
    "state", "close_code", "start_date", "end_date", "work_start", "work_end", "opened_at",
    "closed_at",
)
NAMED_SHARE = 0.6
BACKGROUND_PER_INCIDENT = 0.8

_TYPES = ("Normal", "Standard", "Emergency")
_RISKS = ("High", "Moderate", "Low")
_CLOSE = ("Successful", "Successful with issues", "Unsuccessful")
QUARTER_HOUR = 15 * MINUTE


def make_changes(chunk: Chunk, cat: Catalog, state: RunState, rng: np.random.Generator,
                 slice_start: int, slice_end: int, export_at: int) -> pd.DataFrame:
    """Changes of the chunk; fills ``chunk.caused_by`` for the named ones."""
    c = chunk
    linked = np.flatnonzero(c.change_related)
    n_l = len(linked)
    sn = np.flatnonzero(~c.pagerduty)
    n_b = round(len(sn) * BACKGROUND_PER_INCIDENT)
    bg_t = c.tenant[sn[rng.integers(0, len(sn), n_b)]] if len(sn) else np.zeros(0, dtype=np.int64)
    size = cat.n_services[bg_t]
    ahead = (state.new_services[bg_t] + size // 2
             + np.floor(rng.random(n_b) * np.maximum(size // 4, 1)).astype(np.int64))
    bg_service = cat.service_offset[bg_t] + cat.service_order[cat.service_offset[bg_t] + ahead % size]

    tenant = np.r_[c.tenant[linked], bg_t]
    service = np.r_[c.service[linked], bg_service]
    ci = np.r_[c.ci[linked], bg_service * CIS_PER_SERVICE + rng.integers(0, CIS_PER_SERVICE, n_b)]
    n = n_l + n_b
    work_end = np.r_[c.opened[linked] - uniform_int(rng, 0.5 * HOUR, 20 * HOUR, n_l),
                     uniform_int(rng, slice_start, slice_end, n_b)]
    work_start = work_end - uniform_int(rng, 30 * MINUTE, 4 * HOUR, n)
    start_date = (work_start // QUARTER_HOUR) * QUARTER_HOUR - rng.integers(0, 3, n) * QUARTER_HOUR
    end_date = start_date + ((work_end - start_date) // QUARTER_HOUR + 2) * QUARTER_HOUR
    opened_at = start_date - uniform_int(rng, 2 * DAY, 10 * DAY, n)
    closed_at = work_end + uniform_int(rng, 2 * HOUR, 48 * HOUR, n)
    closed = closed_at <= export_at
    is_linked = np.arange(n) < n_l

    number = numbered("CHG", state.next_change + np.arange(n)).astype(object)
    state.next_change += n
    named = rng.random(n_l) < NAMED_SHARE
    c.caused_by[linked[named]] = number[:n_l][named]

    type_ = np.where(is_linked, rng.choice(3, n, p=[0.60, 0.15, 0.25]),
                     rng.choice(3, n, p=[0.45, 0.50, 0.05]))
    risk = np.where(is_linked, rng.choice(3, n, p=[0.40, 0.45, 0.15]),
                    rng.choice(3, n, p=[0.10, 0.40, 0.50]))
    close = np.where(is_linked, rng.choice(3, n, p=[0.20, 0.40, 0.40]),
                     rng.choice(3, n, p=[0.92, 0.07, 0.01]))
    return pd.DataFrame({
        "number": number,
        "short_description": labels(V.CHANGE_TITLES, rng.integers(0, len(V.CHANGE_TITLES), n)),
        "cmdb_ci": cat.ci_names[ci],
        "business_service": cat.service_names[service],
        "company": cat.client_labels(tenant),
        "type": labels(_TYPES, type_),
        "risk": labels(_RISKS, risk),
        "state": labels(("Closed", "Review"), np.where(closed, 0, 1)),
        "close_code": labels(_CLOSE, np.where(closed, close, -1)),
        "start_date": to_datetime(start_date),
        "end_date": to_datetime(end_date),
        "work_start": to_datetime(work_start),
        "work_end": to_datetime(work_end),
        "opened_at": to_datetime(opened_at),
        "closed_at": to_datetime(np.where(closed, closed_at, NA)),
    })
