-- typed_updates -> updates. An update is identified by (source, update_id):
-- journal sys_ids and status-update ids are global, and a re-ingest that now
-- resolves the incident (or its tenant) must replace the unresolved row, not
-- add a second one. Updates carry no update time, so any difference replaces.
-- Within the file the last row (by line, NULL lines first) of an update
-- counts, the others are unchanged. Only ids that occur twice need a choice: their
-- hashes are found first, then a hash aggregate over those ids alone finds the last
-- row (a window over every row would sort them all, strings and all). arg_max skips
-- NULL keys, hence the flag in the struct.
CREATE OR REPLACE TEMP TABLE merge_outcome AS
WITH candidates AS (
    -- Hashes that occur twice: one integer per row, sorted, each compared with the
    -- next: at 1M the journal's outcomes took 2.1-2.3 s so, against 3.1-3.4 s
    -- grouping them (a group per row); grouping every id string would cost more
    -- again. Only ids with such a hash are then grouped exactly.
    SELECT h FROM (
        SELECT h, lead(h) OVER (ORDER BY h) AS next
        FROM (SELECT hash(source, update_id) AS h FROM typed_updates WHERE __reject_reason IS NULL)
    ) WHERE h = next
), repeated AS (
    SELECT source, update_id, arg_max(rowid, struct_pack(n := line IS NOT NULL, l := coalesce(line, 0))) AS keep
    FROM typed_updates
    WHERE __reject_reason IS NULL AND hash(source, update_id) IN (SELECT h FROM candidates)
    GROUP BY source, update_id
    HAVING count(*) > 1
), picked AS (
    -- The rows whose outcome may not be 'loaded': rejected, a repeat's other rows, an update
    -- already stored (none on a first load). Found on keys alone, so the values (the text
    -- above all) are read for these rows only, not for every row of the file.
    SELECT rowid AS rid FROM typed_updates WHERE __reject_reason IS NOT NULL
    UNION ALL
    SELECT t.rowid FROM typed_updates t
    JOIN repeated r ON r.source = t.source AND r.update_id = t.update_id
    WHERE t.__reject_reason IS NULL AND t.rowid <> r.keep
    UNION ALL
    SELECT t.rowid FROM typed_updates t
    SEMI JOIN updates s ON s.source = t.source AND s.update_id = t.update_id
    WHERE t.__reject_reason IS NULL
), ranked AS (
    SELECT t.rowid AS rid, t.*,
           CASE WHEN r.keep IS NULL OR r.keep = t.rowid THEN 1 ELSE 2 END AS rank
    FROM typed_updates t
    LEFT JOIN repeated r
           ON t.__reject_reason IS NULL AND r.source = t.source AND r.update_id = t.update_id
    WHERE t.rowid IN (SELECT rid FROM picked)
)
-- Only the rows not simply loaded (see ingest_counts.sql), with the key only where
-- a stored row is replaced (the DELETE's one use): the outcome is held until COMMIT.
SELECT * REPLACE (CASE WHEN outcome = 'replaced' THEN record_key END AS record_key)
FROM (
    SELECT t.rid, t.tenant, t.line, t.update_id AS record_key,
           t.__reject_field AS reject_field, t.__reject_reason AS reject_reason,
           CASE
               WHEN t.__reject_reason IS NOT NULL THEN 'rejected'
               WHEN t.rank > 1 THEN 'unchanged'
               WHEN s.update_id IS NULL THEN 'loaded'
               WHEN s.tenant = t.tenant AND s.incident_id = t.incident_id
                    AND s.posted_at = t.posted_at AND s.audience = t.audience
                    AND s.channel IS NOT DISTINCT FROM t.channel
                    AND s.author IS NOT DISTINCT FROM t.author
                    AND s.body IS NOT DISTINCT FROM t.body THEN 'unchanged'
               ELSE 'replaced'
           END AS outcome
    FROM ranked t
    LEFT JOIN updates s
           ON t.rank = 1 AND t.__reject_reason IS NULL
          AND s.source = t.source AND s.update_id = t.update_id
)
WHERE outcome <> 'loaded';

DELETE FROM updates USING merge_outcome o, ingest_ctx c
WHERE o.outcome = 'replaced' AND updates.source = c.source AND updates.update_id = o.record_key;

INSERT INTO updates BY NAME
-- Provenance joins here: typed rows, held until COMMIT, do not carry it. The rows to
-- insert are those neither rejected nor unchanged: the join is built on the few
-- unchanged rows rather than the many loaded ones (9.2M journal rows at 1M: 1.8 s less).
SELECT t.* EXCLUDE (__reject_field, __reject_reason), c.source_file, c.sha256
FROM typed_updates t CROSS JOIN ingest_ctx c
ANTI JOIN (SELECT rid FROM merge_outcome WHERE outcome = 'unchanged') u ON u.rid = t.rowid
WHERE t.__reject_reason IS NULL;
