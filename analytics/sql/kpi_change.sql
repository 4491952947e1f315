-- KPI engine, change-related incidents and the change failure rate (kpis.md).
--
-- A change "ended" at its actual end, else its planned end. An incident is
-- change-related when the source names a causing change, or when a change of
-- the same tenant on the same configuration item or service ended within
-- [opened_at - window, opened_at]. ASOF joins find, per incident, the latest
-- change on its CI (and on its service) that ended at or before it opened: if
-- that one is outside the window, every earlier one is too. The reverse ASOF
-- (per change, the first in-scope incident opened at or after its end) links
-- changes to incidents for the failure rate, so neither side is a range join.
-- Canceled changes (state beginning "cancel") never ended.
CREATE OR REPLACE TEMP TABLE kpi_chg AS
SELECT c.tenant, c.change_id,
       nullif(trim(c.ci), '') AS ci_key, nullif(trim(c.service), '') AS service_key,
       c.service,
       coalesce(c.actual_end, c.planned_end) AS end_at,
       g.window_us
FROM changes c
JOIN kpi_cfg g USING (tenant)
WHERE coalesce(lower(c.state), '') NOT LIKE 'cancel%';

CREATE OR REPLACE TEMP TABLE kpi_inc_change AS
WITH inc AS (
    SELECT iid, tenant, ci_key, service_key, opened_at, window_us FROM kpi_pop WHERE selected
), chg_ci AS (
    SELECT tenant, ci_key, change_id, end_at FROM kpi_chg WHERE ci_key IS NOT NULL AND end_at IS NOT NULL
), chg_svc AS (
    SELECT tenant, service_key, change_id, end_at FROM kpi_chg WHERE service_key IS NOT NULL AND end_at IS NOT NULL
), hits AS (
    SELECT i.iid, i.opened_at, i.window_us, c.change_id, c.end_at
    FROM inc i ASOF JOIN chg_ci c
      ON i.tenant = c.tenant AND i.ci_key = c.ci_key AND i.opened_at >= c.end_at
    UNION ALL
    SELECT i.iid, i.opened_at, i.window_us, c.change_id, c.end_at
    FROM inc i ASOF JOIN chg_svc c
      ON i.tenant = c.tenant AND i.service_key = c.service_key AND i.opened_at >= c.end_at
)
SELECT iid, arg_max(change_id, end_at) AS window_change
FROM hits
WHERE epoch_us(opened_at) - epoch_us(end_at) <= window_us
GROUP BY iid;

CREATE OR REPLACE TEMP TABLE kpi_change_facts AS
WITH inc AS (
    SELECT tenant, ci_key, service_key, opened_at, caused_by_change FROM kpi_pop WHERE NOT canceled
), named AS (
    SELECT DISTINCT tenant, caused_by_change AS change_id FROM inc WHERE caused_by_change IS NOT NULL
), chg AS (
    SELECT * FROM kpi_chg WHERE end_at IS NOT NULL
), by_ci AS (
    SELECT c.tenant, c.change_id, c.end_at, c.window_us, i.opened_at
    FROM chg c ASOF JOIN (SELECT tenant, ci_key, opened_at FROM inc WHERE ci_key IS NOT NULL) i
      ON c.tenant = i.tenant AND c.ci_key = i.ci_key AND c.end_at <= i.opened_at
), by_svc AS (
    SELECT c.tenant, c.change_id, c.end_at, c.window_us, i.opened_at
    FROM chg c ASOF JOIN (SELECT tenant, service_key, opened_at FROM inc WHERE service_key IS NOT NULL) i
      ON c.tenant = i.tenant AND c.service_key = i.service_key AND c.end_at <= i.opened_at
), window_linked AS (
    SELECT DISTINCT tenant, change_id FROM (SELECT * FROM by_ci UNION ALL SELECT * FROM by_svc)
    WHERE epoch_us(opened_at) - epoch_us(end_at) <= window_us
)
SELECT c.tenant, c.change_id, c.service, c.end_at,
       n.change_id IS NOT NULL OR w.change_id IS NOT NULL AS linked
FROM chg c
LEFT JOIN named n USING (tenant, change_id)
LEFT JOIN window_linked w USING (tenant, change_id)
CROSS JOIN kpi_run r
WHERE r.services IS NULL OR list_contains(r.services, c.service);
