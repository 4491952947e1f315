-- KPI engine: may this call read the facts kept in the store (analytics/kpis/stored.py)?
--
-- Asked once they are known to be this engine's, from the store's current data
-- (stored._fresh): only if they were made for the same portfolio timezone and start, and for
-- every tenant of the call with exactly its settings and as_of (kpi_cfg, row for row, NULLs
-- equal). A call with the pooled "ALL" view needs them made for exactly its tenants: ALL's
-- start is theirs.
SELECT k.pf_tz = r.pf_tz AND k.pf_start_day IS NOT DISTINCT FROM r.pf_start_day
       AND NOT EXISTS (SELECT * FROM temp.kpi_cfg EXCEPT SELECT * FROM facts.kpi_cfg_kept)
       AND (NOT $with_all
            OR (SELECT count(*) FROM facts.kpi_cfg_kept) = (SELECT count(*) FROM temp.kpi_cfg))
FROM facts.kpi_key k, temp.kpi_run r;
