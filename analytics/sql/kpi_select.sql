-- KPI engine, stage 5: what the call reports, chosen from the facts.
--
-- The facts (kpi_facts.sql) hold every counted incident, ended change and assessable action
-- of the tenants they were computed for, whatever the call's filters. Here the call's
-- tenants (kpi_cfg) and its priority and service filters (kpi_run) choose among them; the
-- date filter places items in weeks (kpi_items.sql). The prepared facts (engine.prepare_kpis)
-- are only read. Incidents, changes and actions are views: kpi_items.sql scans the incidents
-- once per KPI, but copying them cost more than the filter each scan applies (at 1M, every
-- tenant: 0.4 s of the report; a one-tenant filter with a priority, 0.1 s more).

-- Incidents: a selected incident matches every filter given (an unknown priority or
-- service matches none).
CREATE OR REPLACE TEMP VIEW kpi_inc AS
SELECT f.*
FROM kpi_inc_all f, kpi_run r
WHERE f.tenant IN (SELECT tenant FROM kpi_cfg)
  AND kpi_selects(r.priorities, r.services, f.priority, f.service);

-- Changes (change failure rate): the service filter applies to the change's own service.
CREATE OR REPLACE TEMP VIEW kpi_chg_days AS
SELECT c.*
FROM kpi_chg_all c, kpi_run r
WHERE c.tenant IN (SELECT tenant FROM kpi_cfg)
  AND (r.services IS NULL OR list_contains(r.services, c.service));

-- Actions (action on-time): without a priority or service filter, every action of an
-- in-scope incident and every action naming none; with one, only actions of a selected
-- incident.
CREATE OR REPLACE TEMP VIEW kpi_act_days AS
SELECT a.*
FROM kpi_act_all a, kpi_run r
WHERE a.tenant IN (SELECT tenant FROM kpi_cfg)
  AND CASE WHEN r.priorities IS NULL AND r.services IS NULL THEN true
           ELSE a.in_scope AND kpi_selects(r.priorities, r.services, a.inc_priority, a.inc_service)
      END;
