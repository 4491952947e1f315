-- KPI engine, repeat major incidents (kpis.md).
--
-- Incident i repeats when an in-scope incident of the same tenant with the same
-- service key (business service, else configuration item) was opened in
-- [opened_i - lookback, opened_i), or when an in-scope incident sharing its
-- non-empty problem_id was opened strictly before it. "Earlier" is strict: an
-- incident opened at the same instant is not earlier. Set-based with window
-- functions (the latest strictly earlier incident per key; the first incident
-- per problem), never a self-join.
CREATE OR REPLACE TEMP TABLE kpi_repeat AS
WITH by_key AS (
    SELECT iid,
           max({'t': opened_at, 'id': incident_id}) OVER (
               PARTITION BY tenant, repeat_key ORDER BY opened_at
               RANGE BETWEEN UNBOUNDED PRECEDING AND INTERVAL 1 MICROSECOND PRECEDING) AS prev
    FROM kpi_pop
    WHERE NOT canceled AND repeat_key IS NOT NULL
), by_problem AS (
    SELECT iid, min({'t': opened_at, 'id': incident_id}) OVER (PARTITION BY tenant, problem_id) AS first
    FROM kpi_pop
    WHERE NOT canceled AND problem_id IS NOT NULL
), flags AS (
    SELECT p.iid,
           coalesce(epoch_us(p.opened_at) - epoch_us(k.prev.t) <= p.lookback_us, false) AS by_service,
           coalesce(b.first.t < p.opened_at, false) AS by_problem,
           k.prev.id AS prev_id, b.first.id AS first_id
    FROM kpi_pop p
    LEFT JOIN by_key k USING (iid)
    LEFT JOIN by_problem b USING (iid)
    WHERE p.selected
)
SELECT iid, by_service OR by_problem AS is_repeat,
       CASE WHEN by_service THEN prev_id WHEN by_problem THEN first_id END AS repeat_of
FROM flags;
