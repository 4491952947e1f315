-- KPI engine: what the breakdowns' four code columns stand for (kpi_breakdowns.sql).
--
-- The breakdowns are millions of rows at scale but only tens of thousands of names: the
-- query returns codes and the engine decodes them in Arrow (engine._breakdowns), since
-- exporting the text of every row from DuckDB cost a third of the frame. Per column, codes
-- are 0, 1, 2, ... in the rows' sort order. A key's code numbers the three dimensions' keys
-- in one sequence (dimension, then key), so sorting by the code sorts by both.

-- The keys and KPIs get tables of their own, which the query joins (a join on one table of
-- all four columns' names, filtered, made DuckDB join the keys after the items: 0.6 s more).
CREATE OR REPLACE TEMP TABLE kpi_bd_keys AS
WITH dims AS (
    SELECT DISTINCT 1 AS d, coalesce(assignment_group, '(none)') AS "key" FROM kpi_inc
    UNION ALL
    SELECT DISTINCT 2, coalesce(CAST(priority AS VARCHAR), '(none)') FROM kpi_inc
    UNION ALL
    SELECT DISTINCT 3, coalesce(service, '(none)') FROM kpi_inc
)
SELECT d, "key", CAST(row_number() OVER (ORDER BY d, "key") - 1 AS INTEGER) AS k FROM dims;

CREATE OR REPLACE TEMP TABLE kpi_bd_kpis AS  -- kpi_items.sql's codes, ranked by name
SELECT ki, kpi, CAST(row_number() OVER (ORDER BY kpi) - 1 AS INTEGER) AS ko FROM kpi_codes;

-- The dictionaries: (column, code, name), each column's names in code order.
SELECT 'tenant' AS col, CAST(vi - 1 AS INTEGER) AS code, view AS name FROM kpi_view_codes
UNION ALL
SELECT 'dimension', d - 1, ['assignment_group', 'priority', 'service'][d] FROM range(1, 4) t(d)
UNION ALL
SELECT 'key', k, "key" FROM kpi_bd_keys
UNION ALL
SELECT 'kpi', ko, kpi FROM kpi_bd_kpis
ORDER BY col, code;
