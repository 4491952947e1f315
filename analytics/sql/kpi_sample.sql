-- KPI engine: the items of the baseline and checkpoint windows small enough to bootstrap
-- (kpi_boot_groups, filled by the engine), ordered so each group is one contiguous block.
SELECT c.view, i.kpi, c.checkpoint, i.x, i.num, i.den
FROM kpi_iv i
JOIN kpi_ckpt_weeks c ON c.view = i.view AND c.week = i.week
JOIN kpi_boot_groups g ON g.view = c.view AND g.kpi = i.kpi AND g.checkpoint = c.checkpoint
ORDER BY c.view, i.kpi, c.checkpoint, i.iid NULLS LAST, i.x, i.num, i.den;
