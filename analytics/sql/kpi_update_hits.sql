-- KPI engine, status-update compliance: which due updates were met.
--
-- Due update j is met when a stakeholder-facing update (audience stakeholder,
-- customer or public, as the canonical schema spells them) was posted in (d + (j-1)c, d + jc]. Rather than expanding
-- one row per due slot, each update is assigned its slot j = ceil((posted - d)/c)
-- and the distinct slots per incident are counted: the cost follows the number
-- of updates, not the length of incidents. The drill-down (update_slots) reads
-- this same table.
CREATE OR REPLACE TEMP TABLE kpi_update_hits AS
SELECT d.iid,
       (epoch_us(u.posted_at) - epoch_us(d.declared_at) + d.cadence_us - 1) // d.cadence_us AS j,
       min(u.posted_at) AS first_update_at,
       count(*) AS updates
FROM kpi_due d
JOIN updates u ON u.tenant = d.tenant AND u.incident_id = d.incident_id
WHERE d.m > 0
  AND u.tenant IN (SELECT tenant FROM kpi_cfg)
  AND u.audience IN ('stakeholder', 'customer', 'public')
  AND u.posted_at > d.declared_at
  AND epoch_us(u.posted_at) <= epoch_us(d.declared_at) + d.m * d.cadence_us
GROUP BY ALL;
