-- KPI engine: the items of the baseline and checkpoint windows small enough to bootstrap
-- (kpi_boot_groups, filled by the engine), ordered so each group is one contiguous block.
-- Within a block the order is by the items' values only: iid numbers incidents across every
-- tenant of the call, so ordering by it would make a tenant's resamples (and its interval)
-- depend on which other tenants were computed with it. Equal values are interchangeable.
SELECT c.view, g.kpi, c.checkpoint, i.x, i.num, i.den
FROM kpi_iv i
JOIN kpi_ckpt_weeks c ON c.vi = i.vi AND c.week = i.week
JOIN kpi_codes k ON k.ki = i.ki
JOIN kpi_boot_groups g ON g.view = c.view AND g.kpi = k.kpi AND g.checkpoint = c.checkpoint
ORDER BY c.view, g.kpi, c.checkpoint, i.x, i.num, i.den;
