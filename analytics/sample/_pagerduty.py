"""PagerDuty REST exports of one client's platform on-call: incidents and log entries.

JSON text is assembled column-wise with numpy string operations (no dict
per row). PagerDuty has no company field: the files are ingested with
``--tenant "<client>"`` (``analytics.sample.pagerduty_tenant()``). Majors are
P1 (PagerDuty REST has no major flag, so kpis.md's ``major_priorities = [1]``
applies).
"""

from __future__ import annotations

import numpy as np

from analytics.sample import _vocab as V
from analytics.sample._arrays import STR, concat, iso_z, random_base36
from analytics.sample._catalog import Catalog
from analytics.sample._incidents import Chunk
from analytics.sample._posts import COMMENT, PEOPLE, TEXTS, Posts

_POLICIES = np.array(["Platform On-Call", "Logistics Apps Escalation", "Business Hours Support"],
                     dtype=STR)
_TEAMS = np.array(["Platform Engineering", "Logistics Apps", "Service Desk"], dtype=STR)
_MONITORS = np.array(["Datadog", "Prometheus Alertmanager", "Pingdom"], dtype=STR)


def json_string(values: np.ndarray) -> np.ndarray:
    """JSON string literals of a text array (``null`` where the text is empty)."""
    v = np.asarray(values, dtype=STR)
    esc = np.strings.replace(np.strings.replace(v, "\\", "\\\\"), '"', '\\"')
    esc = np.strings.replace(np.strings.replace(esc, "\n", "\\n"), "\r", "\\r")
    return np.where(np.strings.str_len(v) == 0, "null", concat('"', esc, '"'))


def _ref(summary: np.ndarray, kind: str) -> np.ndarray:
    return concat('{"type":"', kind, '","summary":', json_string(summary), "}")


def _small_ref(summary_json: np.ndarray) -> np.ndarray:
    """``{"summary": ...}`` of already-escaped text: log entries keep references lean."""
    return concat('{"summary":', summary_json, "}")


def incident_records(chunk: Chunk, cat: Catalog, export_at: int) -> np.ndarray:
    """One JSON object per PagerDuty incident of the chunk."""
    c = chunk
    inc = np.flatnonzero(c.pagerduty)
    n = len(inc)
    acked = c.ack[inc] <= export_at
    resolved = c.resolved[inc] <= export_at
    status = np.where(resolved, "resolved", np.where(acked, "acknowledged", "triggered"))
    last_change = np.where(resolved, c.resolved[inc], np.where(acked, c.ack[inc], c.opened[inc]))
    which = c.service[inc] % 3
    acker = np.array(V.ENGINEERS, dtype=STR)[c.person1[inc]]
    acks = np.where(acked, concat('[{"at":"', iso_z(c.ack[inc]), '","acknowledger":',
                                  _ref(acker, "user_reference"), "}]"), "[]")
    title = np.asarray(c.short_description[inc], dtype=STR)
    return concat(
        '{"id":"', c.key[inc].astype(STR), '","type":"incident","incident_number":',
        c.pd_number[inc].astype(STR),
        ',"title":', json_string(title),
        ',"summary":', json_string(concat("[#", c.pd_number[inc].astype(STR), "] ", title)),
        ',"created_at":"', iso_z(c.opened[inc]),
        '","status":"', status.astype(STR),
        '","urgency":"', np.where(c.priority[inc] <= 2, "high", "low").astype(STR),
        '","priority":', concat('{"type":"priority","summary":"P', c.priority[inc].astype(STR), '"}'),
        ',"service":', _ref(cat.service_names[c.service[inc]].astype(STR), "service_reference"),
        ',"escalation_policy":', _ref(_POLICIES[which], "escalation_policy_reference"),
        ',"teams":[', _ref(_TEAMS[which], "team_reference"), "]",
        ',"acknowledgements":', acks,
        ',"last_status_change_at":"', iso_z(last_change),
        '","resolved_at":', np.where(resolved, concat('"', iso_z(c.resolved[inc]), '"'), "null"),
        "}",
    ) if n else np.zeros(0, dtype=STR)


def log_entry_records(chunk: Chunk, posts: Posts, rng: np.random.Generator,
                      export_at: int) -> np.ndarray:
    """Trigger, acknowledge, status update and resolve entries, in time order."""
    c = chunk
    inc = np.flatnonzero(c.pagerduty)
    acked = inc[c.ack[inc] <= export_at]
    done = inc[c.resolved[inc] <= export_at]
    # Status updates of major incidents only: PagerDuty teams keep working notes
    # and routine replies elsewhere.
    keep = c.pagerduty[posts.incident] & (posts.channel == COMMENT) & c.is_major[posts.incident]
    p_inc, p_at = posts.incident[keep], posts.at[keep]
    status = posts.channel[keep] == COMMENT

    # Escape the small vocabularies once, then index: no per-row escaping.
    who = json_string(np.array(V.ENGINEERS, dtype=STR))
    monitor = json_string(_MONITORS)[c.service[inc] % 3]
    e_inc = np.concatenate([inc, acked, p_inc, done])
    at = np.concatenate([c.opened[inc], c.ack[acked], p_at, c.resolved[done]])
    kind = np.concatenate([np.full(len(inc), 0), np.full(len(acked), 1),
                           np.where(status, 2, 3), np.full(len(done), 4)])
    agent = np.concatenate([monitor, who[c.person1[acked]],
                            json_string(PEOPLE)[posts.author[keep]], who[c.person1[done]]])
    message = np.concatenate([np.full(len(inc) + len(acked), "", dtype=STR),
                              json_string(TEXTS)[posts.text[keep]],
                              np.full(len(done), "", dtype=STR)])
    order = np.lexsort((kind, at, e_inc))
    e_inc, at, kind, agent, message = (a[order] for a in (e_inc, at, kind, agent, message))
    types = np.array(["trigger_log_entry", "acknowledge_log_entry", "status_update_log_entry",
                      "annotate_log_entry", "resolve_log_entry"], dtype=STR)
    channels = np.array(["api", "mobile", "web_ui", "note", "web_ui"], dtype=STR)
    summaries = np.array(["Triggered through the API", "Acknowledged", "Status update posted",
                          "Note added", "Resolved"], dtype=STR)
    n = len(at)
    return concat(
        '{"id":"Q', random_base36(rng, n, 13), '","type":"', types[kind],
        '","summary":"', summaries[kind], '","created_at":"', iso_z(at),
        '","incident":{"id":"', c.key[e_inc].astype(STR), '"}',
        ',"agent":', _small_ref(agent),
        ',"channel":{"type":"', channels[kind], '"',
        np.where(kind == 3, concat(',"summary":', message), ""),
        "}",
        np.where(kind == 2, concat(',"message":', message), ""),
        "}",
    ) if n else np.zeros(0, dtype=STR)
