-- KPI engine: the data-quality counts no filter changes (canceled incidents, changes without
-- an end, actions without or before their due date, governance never loaded), per tenant.
-- Computed with the facts; kpi_quality.sql adds the counts over the selected incidents.
CREATE OR REPLACE TEMP TABLE kpi_quality_base AS
SELECT c.tenant,
       (SELECT count(*) FROM kpi_pop p WHERE p.tenant = c.tenant AND p.canceled) AS canceled_excluded,
       (SELECT count(*) FROM kpi_chg x WHERE x.tenant = c.tenant AND x.end_at IS NULL) AS changes_without_end,
       (SELECT count(*) FROM actions x WHERE x.tenant = c.tenant AND x.due_at IS NULL) AS actions_without_due_date,
       (SELECT count(*) FROM actions x WHERE x.tenant = c.tenant AND x.due_at > c.as_of) AS actions_not_yet_due,
       CAST(NOT g.has_closure AS BIGINT) AS no_closure_records,
       CAST(NOT g.has_pirs AS BIGINT) AS no_pir_records,
       CAST(NOT g.has_actions AS BIGINT) AS no_action_records,
       CAST(NOT g.has_changes AS BIGINT) AS no_change_records
FROM kpi_cfg c
JOIN kpi_gov g USING (tenant);

-- The last stage that reads the population and the changes: free them (every later stage
-- reads the facts).
DROP VIEW kpi_pop;
DROP TABLE kpi_pop_rows;
DROP TABLE kpi_chg;
