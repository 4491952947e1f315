-- KPI engine, prepared facts: the call's reporting views, taken from the views the facts were
-- computed with (every tenant's, and "ALL" when prepared for every tenant).
CREATE OR REPLACE TEMP TABLE kpi_views AS
SELECT *
FROM kpi_views_all
WHERE view IN (SELECT tenant FROM kpi_cfg)
   OR (view = 'ALL' AND (SELECT with_all FROM kpi_run));
