"""``generate_sample``: realistic synthetic exports for several tenants, streamed to disk.

The programme is cut into chunks (one week, or a slice of a week when a week
holds more than ``chunk_incidents`` incidents). Each chunk is generated as
numpy column arrays for all tenants at once and appended to every output
file before the next one starts, so memory is bounded by the chunk size, not
by the number of incidents. Only a few counters and rounding carries pass
from one chunk to the next (``_incidents.RunState``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from analytics.errors import MikpiError
from analytics.sample import _vocab as V
from analytics.sample._arrays import DAY, HOUR, MINUTE
from analytics.sample._catalog import Catalog, build_catalog, pagerduty_client, tenant_names
from analytics.sample._changes import CHANGE_COLUMNS, make_changes
from analytics.sample._governance import (
    ACTION_COLUMNS,
    CLOSURE_COLUMNS,
    PIR_COLUMNS,
    TIMELINE_COLUMNS,
    governance_frames,
)
from analytics.sample._incidents import MAJOR_SHARE, Chunk, RunState, make_chunk, sample_opened
from analytics.sample._pagerduty import incident_records, log_entry_records
from analytics.sample._posts import make_posts
from analytics.sample._servicenow import (
    INCIDENT_COLUMNS,
    JOURNAL_COLUMNS,
    incident_frames,
    journal_frame,
)
from analytics.sample._story import build_plan, profile_for
from analytics.sample._writers import CsvSink, JsonArraySink

CSV_FILES: dict[str, tuple[str, ...]] = {
    "servicenow/incidents.csv": INCIDENT_COLUMNS,
    "servicenow/incident_history.csv": INCIDENT_COLUMNS,
    "servicenow/journal.csv": JOURNAL_COLUMNS,
    "servicenow/changes.csv": CHANGE_COLUMNS,
    "governance/pirs.csv": PIR_COLUMNS,
    "governance/actions.csv": ACTION_COLUMNS,
    "governance/closure.csv": CLOSURE_COLUMNS,
    "governance/timeline.csv": TIMELINE_COLUMNS,
}
REEXPORT = "servicenow/incidents_reexport.csv"
JSON_FILES = {"pagerduty/incidents.json": "incidents", "pagerduty/log_entries.json": "log_entries"}
CONFIG = "mikpi.toml"
# The exports are taken on the Sunday after the programme's last week, 09:00 UTC, so
# most follow-ups of the last week (closures, PIRs) are in them.
EXPORT_AFTER_END = 6 * DAY + 9 * HOUR
REEXPORT_COUNT = 5
HOURS_PER_WEEK = 168


def diurnal_weights() -> np.ndarray:
    """Relative incident rate for each hour of the week (Monday 00:00 UTC = hour 0)."""
    hour = np.arange(HOURS_PER_WEEK) % 24
    weekday = np.arange(HOURS_PER_WEEK) // 24 < 5
    business = (hour >= 8) & (hour < 18)
    shoulder = ((hour >= 6) & (hour < 8)) | ((hour >= 18) & (hour < 22))
    return np.where(weekday, np.select([business, shoulder], [3.0, 1.5], 0.6),
                    np.where((hour >= 8) & (hour < 20), 1.0, 0.5))


@dataclass
class Dirt:
    """One deliberate defect, applied to the first fitting incident from ``week`` on."""

    kind: str            # blank_opened | resolved_before_opened | still_open
    tenant: int
    week: int
    major: bool
    applied_to: str | None = None


def _dirt_plan(n_sn: int, weeks: int) -> list[Dirt]:
    return [
        Dirt("blank_opened", 0, min(3, weeks), major=False),
        Dirt("resolved_before_opened", 1 % n_sn, min(5, weeks), major=True),
        Dirt("still_open", 2 % n_sn, max(1, weeks - 1), major=True),
    ]


def _apply_dirt(chunk: Chunk, dirt: list[Dirt]) -> None:
    for d in dirt:  # loop over the three defects
        if d.applied_to is not None or chunk.week < d.week:
            continue
        fits = np.flatnonzero((chunk.tenant == d.tenant) & (chunk.is_major == d.major)
                              & ~chunk.pagerduty & ~chunk.opened_blank & ~chunk.still_open
                              & (chunk.resolved_field == chunk.resolved))
        if len(fits) == 0:
            continue
        i = fits[0]
        if d.kind == "blank_opened":
            chunk.opened_blank[i] = True
        elif d.kind == "resolved_before_opened":
            chunk.resolved_field[i] = chunk.opened[i] - 47 * MINUTE
        else:
            chunk.still_open[i] = True
        d.applied_to = str(chunk.key[i])


def dst_pins(cat: Catalog, start: int, weeks: int) -> list[tuple[int, int]]:
    """(tenant, time) of 00:30 local on each Monday right after a clock change.

    Such an incident belongs to the new week in the tenant's reporting
    timezone but to the previous week in UTC: a deliberate edge case.
    """
    pins = []
    for t, name in enumerate(cat.tenants):  # loop over tenants
        zone = cat.timezones.get(name)
        if zone is None:
            continue
        tz = ZoneInfo(zone)
        first = dt.datetime.fromtimestamp(start, dt.UTC).date()
        for w in range(1, weeks):  # loop over weeks
            monday, before = first + dt.timedelta(days=7 * w), first + dt.timedelta(days=7 * (w - 1))
            local = dt.datetime.combine(monday, dt.time(0, 30), tz)
            earlier = dt.datetime.combine(before, dt.time(0, 30), tz)
            if local.utcoffset() != earlier.utcoffset():
                pins.append((t, int(local.timestamp())))
    return pins


def _slices(per_week: int, chunk_incidents: int) -> int:
    for d in (1, 2, 3, 4, 6, 7, 8, 12, 14, 21, 24, 28, 42, 56, 84, 168):
        if per_week / d <= chunk_incidents:
            return d
    return HOURS_PER_WEEK


def _slice_counts(k: int, n_slices: int, weights: np.ndarray) -> np.ndarray:
    """Incidents per tenant in each slice: ``k`` per week spread by the diurnal weights."""
    cum = np.cumsum(weights.reshape(n_slices, -1).sum(axis=1)) / weights.sum()
    return np.diff(np.r_[0, np.round(k * cum)]).astype(np.int64)


def _parse_start(start: str) -> int:
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise MikpiError(f"start: {start!r} is not a date (YYYY-MM-DD)") from None
    if day.weekday() != 0:
        raise MikpiError(f"start: {start} is not a Monday (programme weeks start on Mondays)")
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def _config_text(cat: Catalog, start: str) -> str:
    lines = [
        "# mikpi configuration for the generated sample (docs/sample-data.md).",
        "[defaults]", 'timezone = "UTC"', f'programme_start = "{start}"', "",
    ]
    for name, zone in cat.timezones.items():  # loop over tenants with their own timezone
        lines += [f'[tenants."{name}"]', f'timezone = "{zone}"', ""]
    lines += ["[portfolio]", 'timezone = "UTC"', f'programme_start = "{start}"', ""]
    return "\n".join(lines)


def _reexport(last: pd.DataFrame, dirty: set[str], export_at: int) -> pd.DataFrame:
    """A later export of a few incidents: newer update time, handed over to someone else."""
    pool = last[~last["number"].isin(dirty)]
    rows = pool[pool["state"] == "Resolved"].head(REEXPORT_COUNT)
    if len(rows) < REEXPORT_COUNT:
        rows = pool.head(REEXPORT_COUNT)
    rows = rows.copy()
    engineers = pd.Series(V.ENGINEERS[1:] + V.ENGINEERS[:1], index=V.ENGINEERS)
    rows["assigned_to"] = rows["assigned_to"].map(engineers).fillna(V.ENGINEERS[0])
    rows["reassignment_count"] = rows["reassignment_count"] + 1
    rows["sys_mod_count"] = rows["sys_mod_count"] + 1
    rows["sys_updated_on"] = np.datetime64(export_at + DAY, "s")
    return rows


def pagerduty_tenant(tenants: int = 4) -> str:
    """The client whose PagerDuty exports the sample holds: pass it to ``mikpi ingest --tenant``.

    >>> pagerduty_tenant()
    'Dunmore Logistics'
    """
    return tenant_names(tenants)[pagerduty_client(tenants)][0]


def generate_sample(out_dir: str | Path, *, tenants: int = 4, weeks: int = 13,
                    incidents_per_week: int = 12, seed: int = 7, start: str = "2026-01-05",
                    chunk_incidents: int = 20_000,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Write the sample exports under ``out_dir``; returns ``{relative name: path}``.

    ``tenants`` clients in ServiceNow, one of which (``pagerduty_tenant``)
    also has its platform on-call incidents in PagerDuty; ``weeks`` programme
    weeks from ``start`` (a Monday); ``incidents_per_week`` incidents per
    client, source and week (two thirds of them major). Deterministic for a seed.
    ``progress(done, total)`` is called after each chunk.

    >>> files = generate_sample("/tmp/mikpi-sample", tenants=2, weeks=2)  # doctest: +SKIP
    >>> sorted(files)[0]  # doctest: +SKIP
    'governance/actions.csv'
    """
    for name, value in (("tenants", tenants), ("weeks", weeks),
                        ("incidents_per_week", incidents_per_week),
                        ("chunk_incidents", chunk_incidents)):
        if value < 1:
            raise MikpiError(f"{name}: must be at least 1 (got {value})")
    start_at = _parse_start(start)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    setup = np.random.default_rng([seed, 0])
    cat = build_catalog(tenants, incidents_per_week * MAJOR_SHARE, setup)
    plan = build_plan([profile_for(int(i)) for i in cat.name_code], weeks, setup)
    export_at = start_at + weeks * 7 * DAY + EXPORT_AFTER_END
    weights = diurnal_weights()
    n_slices = _slices(cat.n_tenants * incidents_per_week, chunk_incidents)
    per_slice = _slice_counts(incidents_per_week, n_slices, weights)
    pins = dst_pins(cat, start_at, weeks)
    dirt = _dirt_plan(tenants, weeks)
    state = RunState(cat.n_tenants)

    scratch = out / ".mikpi-sample-chunk.csv"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # our own progress goes to the CLI
    csv = {name: CsvSink(out / name, cols, con, scratch) for name, cols in CSV_FILES.items()}
    js = {name: JsonArraySink(out / name, key) for name, key in JSON_FILES.items()}
    last_list: pd.DataFrame | None = None
    try:
        total = weeks * n_slices
        for week in range(1, weeks + 1):  # loop over chunks
            for s in range(n_slices):
                lo = (week - 1) * 7 * DAY + start_at
                hours = np.arange(s * HOURS_PER_WEEK // n_slices, (s + 1) * HOURS_PER_WEEK // n_slices)
                rng = np.random.default_rng([seed, week, s])
                tenant = np.repeat(np.arange(cat.n_tenants), per_slice[s])
                opened = sample_opened(rng, lo, hours, weights, len(tenant))
                s_start, s_end = lo + hours[0] * HOUR, lo + (hours[-1] + 1) * HOUR
                chunk_pins = [(t, at) for t, at in pins if s_start <= at < s_end]
                chunk = make_chunk(cat, plan, state, rng, week=week, opened=opened,
                                   tenant=tenant, pins=chunk_pins)
                _apply_dirt(chunk, dirt)
                csv["servicenow/changes.csv"].write(
                    make_changes(chunk, cat, state, rng, s_start, s_end, export_at))
                posts = make_posts(chunk, plan, state, rng, export_at)
                listed, history = incident_frames(chunk, cat, export_at)
                csv["servicenow/incidents.csv"].write(listed)
                csv["servicenow/incident_history.csv"].write(history)
                csv["servicenow/journal.csv"].write(journal_frame(chunk, posts))
                for kind, frame in governance_frames(chunk, cat, plan, state, rng, export_at).items():
                    csv[f"governance/{kind}.csv"].write(frame)
                js["pagerduty/incidents.json"].write(incident_records(chunk, cat, export_at))
                js["pagerduty/log_entries.json"].write(log_entry_records(chunk, posts, rng, export_at))
                if len(listed):
                    last_list = listed
                del chunk, posts, listed, history
                if progress is not None:
                    progress((week - 1) * n_slices + s + 1, total)
        re_sink = CsvSink(out / REEXPORT, INCIDENT_COLUMNS, con, scratch)
        if last_list is not None:
            re_sink.write(_reexport(last_list, {d.applied_to for d in dirt if d.applied_to},
                                    export_at))
        re_sink.close()
    finally:
        for sink in (*csv.values(), *js.values()):
            sink.close()
        con.close()
        scratch.unlink(missing_ok=True)
    (out / CONFIG).write_text(_config_text(cat, start), encoding="utf-8")
    names = [*CSV_FILES, REEXPORT, *JSON_FILES, CONFIG]
    return {name: out / name for name in sorted(names)}
