-- KPI engine, repeat major incidents (kpis.md).
--
-- Incident i repeats when an in-scope incident of the same tenant with the same
-- service key (business service, else configuration item) was opened in
-- [opened_i - lookback, opened_i), or when an in-scope incident sharing its
-- non-empty problem_id was opened strictly before it. "Earlier" is strict: an
-- incident opened at the same instant is not earlier.
--
-- Set-based, never a self-join: the distinct opening instants per key, each with the
-- previous distinct instant (a window lag), are joined back to the incidents. The
-- previous instant is the latest strictly earlier one (if it is outside the lookback,
-- every earlier one is too), so ties never count as earlier. repeat_of is the greatest
-- incident id among those opened at that instant, so the output is deterministic. The
-- first incident of each problem is one GROUP BY.
CREATE OR REPLACE TEMP TABLE kpi_repeat AS
WITH keyed AS (
    SELECT tenant, repeat_key, opened_at, max(incident_id) AS incident_id
    FROM kpi_pop
    WHERE NOT canceled AND repeat_key IS NOT NULL
    GROUP BY ALL
), previous AS (
    SELECT tenant, repeat_key, opened_at,
           lag(opened_at) OVER w AS prev_at, lag(incident_id) OVER w AS prev_id
    FROM keyed
    WINDOW w AS (PARTITION BY tenant, repeat_key ORDER BY opened_at)
), by_key AS (
    SELECT p.iid, v.prev_at, v.prev_id
    FROM kpi_pop p
    JOIN previous v USING (tenant, repeat_key, opened_at)
    WHERE p.counted
), problems AS (
    SELECT tenant, problem_id, min({'t': opened_at, 'id': incident_id}) AS first
    FROM kpi_pop
    WHERE NOT canceled AND problem_id IS NOT NULL
    GROUP BY ALL
), flags AS (
    SELECT p.iid,
           coalesce(epoch_us(p.opened_at) - epoch_us(k.prev_at) <= p.lookback_us, false) AS by_service,
           coalesce(f.first.t < p.opened_at, false) AS by_problem,
           k.prev_id, f.first.id AS first_id
    FROM kpi_pop p
    LEFT JOIN by_key k USING (iid)
    LEFT JOIN problems f ON f.tenant = p.tenant AND f.problem_id = p.problem_id
    WHERE p.counted
)
SELECT iid, by_service OR by_problem AS is_repeat,
       CASE WHEN by_service THEN prev_id WHEN by_problem THEN first_id END AS repeat_of
FROM flags;
