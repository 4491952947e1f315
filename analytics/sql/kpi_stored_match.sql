-- KPI engine: may this call read the facts kept in the store (analytics/kpis/stored.py)?
--
-- Asked of each schema of kept facts (stored.usable) once they are known to be this engine's,
-- from the store's current data (stored._fresh), with the search path on that schema: the kept
-- inputs are read by their bare names. Only if they were made for the same portfolio timezone
-- and start, and for every tenant of the call with exactly its settings and as_of (kpi_cfg, row
-- for row, NULLs equal; the scope is one of the settings). A call with the pooled "ALL" view
-- needs them made for exactly its tenants: ALL's start is theirs.
SELECT k.pf_tz = r.pf_tz AND k.pf_start_day IS NOT DISTINCT FROM r.pf_start_day
       AND NOT EXISTS (SELECT * FROM temp.kpi_cfg EXCEPT SELECT * FROM kpi_cfg_kept)
       AND (NOT $with_all
            OR (SELECT count(*) FROM kpi_cfg_kept) = (SELECT count(*) FROM temp.kpi_cfg))
FROM kpi_key k, temp.kpi_run r;
