"""ServiceNow exports of a chunk: incident list, incident history (audit), journal.

The history export has one row per update with the incident's full state
after that update; the list export is the state at export time. Building
the list as "the last history row of each number" makes the two agree by
construction, as they do in a real instance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.sample import _vocab as V
from analytics.sample._arrays import NA, labels, to_datetime
from analytics.sample._catalog import Catalog
from analytics.sample._incidents import SUBCATEGORIES, Chunk
from analytics.sample._posts import COMMENT, TEXTS, USER_IDS, Posts

INCIDENT_COLUMNS = (
    "number", "sys_id", "opened_at", "resolved_at", "closed_at", "state", "priority", "impact",
    "urgency", "category", "subcategory", "assignment_group", "assigned_to", "cmdb_ci",
    "business_service", "company", "short_description", "caused_by", "problem_id",
    "reopen_count", "reassignment_count", "major_incident_state", "promoted_on",
    "sys_updated_on", "sys_mod_count", "u_incident_commander",
)
JOURNAL_COLUMNS = ("element_id", "element", "value", "sys_created_on", "sys_created_by")

STATES = ("New", "In Progress", "On Hold", "Resolved", "Closed")
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
LEVELS = ("1 - High", "2 - Medium", "3 - Low")
MAJOR_STATES = ("accepted", "rejected")
CATEGORY_NAMES = tuple(name for name, _ in V.CATEGORIES)

# History events in the order they happen (times are monotone in this order):
# 0 opened, 1 acknowledged, 2 promoted/rejected as major, 3 reassigned,
# 4 on hold, 5 back in progress, 6 first resolution, 7 reopened,
# 8 resolved, 9 closed. State after each event:
_STATE_AFTER = np.array([0, 1, 1, 1, 2, 1, 3, 1, 3, 4])
N_EVENTS = len(_STATE_AFTER)


def problem_numbers(problem: np.ndarray) -> np.ndarray:
    """``PRB0040001``-style problem numbers, ``None`` for -1."""
    out = np.full(len(problem), None, dtype=object)
    has = problem >= 0
    out[has] = np.strings.add("PRB", np.strings.zfill(problem[has].astype(np.dtypes.StringDType()), 7)
                              ).astype(object)
    return out


def event_times(chunk: Chunk, idx: np.ndarray, export_at: int) -> np.ndarray:
    """(len(idx), N_EVENTS) event times, ``NA`` for events that did not happen by export."""
    c = chunk
    ev = np.full((len(idx), N_EVENTS), NA, dtype=np.int64)
    ev[:, 0] = c.opened[idx]
    ev[:, 1] = c.ack[idx]
    ev[:, 2] = c.promote_at[idx]
    ev[:, 3] = np.where(c.reassignments[idx] > 0, c.reassign_at[idx], NA)
    ev[:, 4] = c.hold_start[idx]
    ev[:, 5] = c.hold_end[idx]
    ev[:, 6] = c.first_resolve[idx]
    ev[:, 7] = c.reopen_at[idx]
    ev[:, 8] = np.where(c.still_open[idx], NA, c.resolved[idx])
    ev[:, 9] = np.where(c.still_open[idx], NA, c.closed[idx])
    return np.where(ev <= export_at, ev, NA)


def incident_frames(chunk: Chunk, cat: Catalog, export_at: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(list export, history export) of the chunk's ServiceNow incidents."""
    c = chunk
    idx = np.flatnonzero(~c.pagerduty)
    ev = event_times(c, idx, export_at)
    row, k = np.nonzero(ev != NA)          # grouped by incident, events in time order
    inc = idx[row]
    first = np.r_[True, row[1:] != row[:-1]] if len(row) else np.zeros(0, dtype=bool)
    mod_count = np.arange(len(row)) - np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))
    last = np.r_[row[1:] != row[:-1], True] if len(row) else np.zeros(0, dtype=bool)

    after_reassign = (k >= 3) & (c.reassignments[inc] > 0)
    resolved_at = np.select([k == 6, k >= 8], [c.first_resolve[inc], c.resolved_field[inc]], NA)
    frame = pd.DataFrame({
        "number": c.key[inc],
        "sys_id": c.sys_id[inc],
        "opened_at": to_datetime(np.where(c.opened_blank[inc], NA, c.opened[inc])),
        "resolved_at": to_datetime(resolved_at),
        "closed_at": to_datetime(np.where(k == 9, c.closed[inc], NA)),
        "state": labels(STATES, _STATE_AFTER[k]),
        "priority": labels(PRIORITIES, c.priority[inc] - 1),
        "impact": labels(LEVELS, c.impact[inc] - 1),
        "urgency": labels(LEVELS, c.urgency[inc] - 1),
        "category": labels(CATEGORY_NAMES, c.category[inc]),
        "subcategory": labels(SUBCATEGORIES, c.subcategory[inc]),
        "assignment_group": labels(V.ASSIGNMENT_GROUPS,
                                   np.where(after_reassign, c.group2[inc], c.group1[inc])),
        "assigned_to": labels(V.ENGINEERS, np.where(k == 0, -1, np.where(
            after_reassign, c.person2[inc], c.person1[inc]))),
        "cmdb_ci": cat.ci_names[c.ci[inc]],
        "business_service": cat.service_names[c.service[inc]],
        "company": cat.client_labels(c.tenant[inc]),
        "short_description": c.short_description[inc],
        "caused_by": c.caused_by[inc],
        "problem_id": problem_numbers(c.problem)[inc],
        "reopen_count": np.where(k >= 7, c.reopened[inc].astype(np.int64), 0),
        "reassignment_count": np.where(k >= 3, c.reassignments[inc], 0),
        "major_incident_state": labels(MAJOR_STATES, np.where(k >= 2, c.mis[inc], 0) - 1),
        "promoted_on": to_datetime(np.where((k >= 2) & (c.mis[inc] == 1), c.promote_at[inc], NA)),
        "sys_updated_on": to_datetime(ev[row, k]),
        "sys_mod_count": mod_count,
        "u_incident_commander": labels(V.COMMANDERS, c.commander[inc]),
    })
    return frame[last].reset_index(drop=True), frame


def journal_frame(chunk: Chunk, posts: Posts) -> pd.DataFrame:
    """``sys_journal_field`` rows of the chunk's ServiceNow incidents."""
    keep = ~chunk.pagerduty[posts.incident]
    inc = posts.incident[keep]
    return pd.DataFrame({
        "element_id": chunk.sys_id[inc],
        "element": labels(("comments", "work_notes"), np.where(posts.channel[keep] == COMMENT, 0, 1)),
        "value": labels(TEXTS, posts.text[keep]),
        "sys_created_on": to_datetime(posts.at[keep]),
        "sys_created_by": labels(USER_IDS, posts.author[keep]),
    })
