-- KPI engine, stage 0b: each tenant's as-of time, when the caller did not pin one.
--
-- Exports are snapshots: what a tenant's export shows open at the time it was taken
-- says nothing about later. A tenant's as_of is the latest timestamp recorded in its
-- own rows that is not after the wall clock ($now): incidents (opened, acknowledged,
-- declared, mitigated, resolved, closed, last updated), status updates, timeline
-- events, completed PIRs and actions, closure evidence, and changes' recorded times
-- (actual start/end, opened, closed, updated). Due dates and planned ends are plans,
-- not records, and never move it. A tenant with no such timestamp gets $now.
--
-- Per tenant, from that tenant's rows only: one correlated maximum per table and call
-- tenant (DuckDB decorrelates them into joins on the call's tenants; measured faster than
-- grouping every table by tenant), so a tenant's as_of, and every number judged against
-- it, is the same in a one-tenant and an all-tenant call. One statement, bound $now.
UPDATE kpi_cfg SET as_of = coalesce(l.latest, $now)
FROM (
    SELECT c.tenant, greatest(
        (SELECT greatest(max(opened_at) FILTER (WHERE opened_at <= $now),
                         max(acknowledged_at) FILTER (WHERE acknowledged_at <= $now),
                         max(declared_at) FILTER (WHERE declared_at <= $now),
                         max(mitigated_at) FILTER (WHERE mitigated_at <= $now),
                         max(resolved_at) FILTER (WHERE resolved_at <= $now),
                         max(closed_at) FILTER (WHERE closed_at <= $now),
                         max(updated_at) FILTER (WHERE updated_at <= $now))
         FROM incidents x WHERE x.tenant = c.tenant),
        (SELECT max(posted_at) FROM updates x WHERE x.tenant = c.tenant AND posted_at <= $now),
        (SELECT max(occurred_at) FROM timeline_events x WHERE x.tenant = c.tenant AND occurred_at <= $now),
        (SELECT max(completed_at) FROM actions x WHERE x.tenant = c.tenant AND completed_at <= $now),
        (SELECT max(completed_at) FROM pirs x WHERE x.tenant = c.tenant AND completed_at <= $now),
        (SELECT greatest(max(service_validated_at) FILTER (WHERE service_validated_at <= $now),
                         max(customer_confirmed_at) FILTER (WHERE customer_confirmed_at <= $now))
         FROM closure_evidence x WHERE x.tenant = c.tenant),
        (SELECT greatest(max(actual_start) FILTER (WHERE actual_start <= $now),
                         max(actual_end) FILTER (WHERE actual_end <= $now),
                         max(opened_at) FILTER (WHERE opened_at <= $now),
                         max(closed_at) FILTER (WHERE closed_at <= $now),
                         max(updated_at) FILTER (WHERE updated_at <= $now))
         FROM changes x WHERE x.tenant = c.tenant)) AS latest
    FROM kpi_cfg c
    WHERE c.as_of IS NULL  -- tenants whose as_of is not known yet (pinned, or kept: stored.py)
) l
WHERE kpi_cfg.tenant = l.tenant AND kpi_cfg.as_of IS NULL;
