-- KPI engine, status-update compliance (kpis.md): for an incident declared at d and resolved at
-- r, updates are due at d + j*cadence for j = 1..m, m = floor((r - d) / cadence). Negative
-- windows (resolved before declared) owe nothing and are counted in the data-quality figures.
CREATE OR REPLACE TEMP TABLE kpi_due AS
SELECT p.iid, p.tenant, p.incident_id, p.declared_at, p.resolved_at, p.cadence_min,
       CAST(p.cadence_min AS BIGINT) * 60000000 AS cadence_us,
       CASE WHEN p.resolved_at >= p.declared_at
            THEN (epoch_us(p.resolved_at) - epoch_us(p.declared_at)) // (CAST(p.cadence_min AS BIGINT) * 60000000)
            ELSE 0 END AS m
FROM kpi_pop p
WHERE p.counted AND p.resolved_at IS NOT NULL;
