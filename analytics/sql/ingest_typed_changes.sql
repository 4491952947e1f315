-- mapped_changes (timestamps still text) -> typed_changes. Rejects: no change
-- id, a timestamp that does not parse.
CREATE OR REPLACE TEMP TABLE typed_changes AS
WITH parsed AS (
    SELECT m.*,
           mikpi_ts(m.planned_start, c.dayfirst, c.source_tz) AS planned_start_ts,
           mikpi_ts(m.planned_end, c.dayfirst, c.source_tz)   AS planned_end_ts,
           mikpi_ts(m.actual_start, c.dayfirst, c.source_tz)  AS actual_start_ts,
           mikpi_ts(m.actual_end, c.dayfirst, c.source_tz)    AS actual_end_ts,
           mikpi_ts(m.opened_at, c.dayfirst, c.source_tz)     AS opened_ts,
           mikpi_ts(m.closed_at, c.dayfirst, c.source_tz)     AS closed_ts,
           mikpi_ts(m.updated_at, c.dayfirst, c.source_tz)    AS updated_ts
    FROM mapped_changes m CROSS JOIN ingest_ctx c
), checked AS (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN change_id IS NULL THEN 'change_id'
            WHEN planned_start_ts IS NULL AND planned_start IS NOT NULL THEN 'planned_start'
            WHEN planned_end_ts IS NULL AND planned_end IS NOT NULL THEN 'planned_end'
            WHEN actual_start_ts IS NULL AND actual_start IS NOT NULL THEN 'actual_start'
            WHEN actual_end_ts IS NULL AND actual_end IS NOT NULL THEN 'actual_end'
            WHEN opened_ts IS NULL AND opened_at IS NOT NULL THEN 'opened_at'
            WHEN closed_ts IS NULL AND closed_at IS NOT NULL THEN 'closed_at'
            WHEN updated_ts IS NULL AND updated_at IS NOT NULL THEN 'updated_at'
        END AS bad_field
    FROM parsed
)
SELECT tenant, change_id, title, ci, service, type, risk, state, close_code,
       planned_start_ts AS planned_start, planned_end_ts AS planned_end,
       actual_start_ts AS actual_start, actual_end_ts AS actual_end,
       opened_ts AS opened_at, closed_ts AS closed_at, updated_ts AS updated_at,
       attributes::JSON AS attributes,
       md5(concat(tenant, chr(31), change_id, chr(31), title, chr(31), ci, chr(31), service, chr(31),
                  type, chr(31), risk, chr(31), state, chr(31), close_code, chr(31),
                  planned_start_ts, chr(31), planned_end_ts, chr(31), actual_start_ts, chr(31),
                  actual_end_ts, chr(31), opened_ts, chr(31), closed_ts, chr(31), updated_ts, chr(31),
                  attributes)) AS row_hash,
       c.source, __line AS line, c.run_id,
       bad_field AS __reject_field,
       CASE
           WHEN __reject_reason IS NOT NULL THEN __reject_reason
           WHEN bad_field = 'change_id' THEN 'no change id'
           WHEN bad_field IS NOT NULL THEN 'unparseable timestamp: ' || CASE bad_field
               WHEN 'planned_start' THEN planned_start WHEN 'planned_end' THEN planned_end
               WHEN 'actual_start' THEN actual_start WHEN 'actual_end' THEN actual_end
               WHEN 'opened_at' THEN opened_at WHEN 'closed_at' THEN closed_at
               ELSE updated_at END
       END AS __reject_reason
FROM checked CROSS JOIN ingest_ctx c;
