-- KPI engine, change-related incidents and the change failure rate (kpis.md).
--
-- A change "ended" at its actual end, else its planned end. An incident is
-- change-related when the source names a causing change, or when a change of the
-- same tenant on the same configuration item or service ended within
-- [opened_at - window, opened_at]. A change counts for the failure rate when it is
-- linked to at least one in-scope incident either way (named by it, or followed by
-- it within the window on the same CI or service). Canceled changes (state
-- beginning "cancel") never ended.
--
-- Set-based in one sort: changes' ends and incidents' openings on each key (CI or
-- service) form one time line per tenant and key; a window carries forward the
-- latest change end to each incident (if that one is outside the window, every
-- earlier one is too) and carries back the first opening after each change. At the
-- same instant a change sorts before an incident (an end at opened_at is inside the
-- window); among changes ending together the greatest id is kept, so the output is
-- deterministic. No range join, no self-join.
CREATE OR REPLACE TEMP TABLE kpi_chg AS
SELECT c.tenant, c.change_id,
       nullif(c.ci, '') AS ci_key, nullif(c.service, '') AS service_key,
       c.service,
       coalesce(c.actual_end, c.planned_end) AS end_at,
       g.window_us
FROM changes c
JOIN kpi_cfg g USING (tenant)
WHERE c.tenant IN (SELECT tenant FROM kpi_cfg)
  AND coalesce(lower(c.state), '') NOT LIKE 'cancel%';

CREATE OR REPLACE TEMP TABLE kpi_change_line AS
WITH events AS (
    SELECT tenant, 'c:' || ci_key AS k, end_at AS t, 0 AS ord, change_id, CAST(NULL AS BIGINT) AS iid
    FROM kpi_chg WHERE ci_key IS NOT NULL AND end_at IS NOT NULL
    UNION ALL
    SELECT tenant, 's:' || service_key, end_at, 0, change_id, NULL
    FROM kpi_chg WHERE service_key IS NOT NULL AND end_at IS NOT NULL
    UNION ALL
    SELECT tenant, 'c:' || ci_key, opened_at, 1, NULL, iid
    FROM kpi_pop WHERE NOT canceled AND ci_key IS NOT NULL
    UNION ALL
    SELECT tenant, 's:' || service_key, opened_at, 1, NULL, iid
    FROM kpi_pop WHERE NOT canceled AND service_key IS NOT NULL
)
SELECT tenant, iid, change_id, t,
       last_value(CASE WHEN ord = 0 THEN {'t': t, 'id': change_id} END IGNORE NULLS) OVER back AS last_change,
       first_value(CASE WHEN ord = 1 THEN t END IGNORE NULLS) OVER ahead AS next_opened
FROM events
WINDOW back AS (PARTITION BY tenant, k ORDER BY t, ord, change_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
       ahead AS (PARTITION BY tenant, k ORDER BY t, ord, change_id
                 ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING);

-- Per counted incident: the change that ended last within the window (CI or service).
CREATE OR REPLACE TEMP TABLE kpi_inc_change AS
SELECT l.iid, arg_max(l.last_change.id, l.last_change.t) AS window_change
FROM kpi_change_line l
JOIN kpi_cfg g USING (tenant)
WHERE l.iid IS NOT NULL
  AND epoch_us(l.t) - epoch_us(l.last_change.t) <= g.window_us
GROUP BY l.iid;

-- Per ended change: linked to an in-scope incident? (kpi_select.sql applies the service filter.)
CREATE OR REPLACE TEMP TABLE kpi_change_facts AS
WITH window_linked AS (
    SELECT l.tenant, l.change_id
    FROM kpi_change_line l
    JOIN kpi_cfg g USING (tenant)
    WHERE l.change_id IS NOT NULL
      AND epoch_us(l.next_opened) - epoch_us(l.t) <= g.window_us
    GROUP BY ALL
), named AS (
    SELECT DISTINCT tenant, caused_by_change AS change_id
    FROM kpi_pop WHERE NOT canceled AND caused_by_change IS NOT NULL
)
SELECT c.tenant, c.change_id, c.service, c.end_at,
       n.change_id IS NOT NULL OR w.change_id IS NOT NULL AS linked
FROM kpi_chg c
LEFT JOIN named n USING (tenant, change_id)
LEFT JOIN window_linked w USING (tenant, change_id)
WHERE c.end_at IS NOT NULL;

-- The time line is the largest intermediate of the engine: free it (temporary tables live in
-- the memory budget every later stage needs).
DROP TABLE kpi_change_line;
