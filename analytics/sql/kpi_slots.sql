-- Drill-down: every due update of the incident(s) in kpi_due, met or not, with the first
-- stakeholder-facing update inside its slot. Same kpi_due / kpi_update_hits as the KPI.
SELECT s.j,
       d.declared_at + to_microseconds(s.j * d.cadence_us) AS due_at,
       d.declared_at + to_microseconds((s.j - 1) * d.cadence_us) AS slot_start,
       h.j IS NOT NULL AS met,
       h.first_update_at
FROM kpi_due d
CROSS JOIN LATERAL (SELECT unnest(range(1, d.m + 1)) AS j) s
LEFT JOIN kpi_update_hits h ON h.iid = d.iid AND h.j = s.j
ORDER BY s.j;
