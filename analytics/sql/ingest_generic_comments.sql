-- Generic comment columns ([comments] of a mapping: Jira's repeated `Comment`
-- columns) -> the mapped update layout. A cell is `date<sep>author<sep>text`
-- and is split at the first two separators (the text may hold more); a cell
-- without them has no time and is rejected with the issue's line.
CREATE OR REPLACE TEMP VIEW mapped_updates AS
WITH cells AS (
    SELECT s.tenant, s.incident_id, s.__line,
           unnest(list_filter(s.__comments, lambda v: v IS NOT NULL)) AS cell
    FROM mikpi_stage_generic_src s
), split AS (
    SELECT x.*, strpos(x.cell, g.comment_sep) AS p1,
           strpos(substr(x.cell, strpos(x.cell, g.comment_sep) + length(g.comment_sep)), g.comment_sep) AS p2,
           length(g.comment_sep) AS w
    FROM cells x CROSS JOIN mikpi_stage_generic_ctx g
)
SELECT coalesce(x.tenant, c.default_tenant, g.tenant, 'default')  AS tenant,
       x.incident_id,
       x.incident_id                                              AS incident_ref,
       NULL::VARCHAR                                              AS update_id,
       CASE WHEN x.p1 > 0 AND x.p2 > 0 THEN nullif(trim(left(x.cell, x.p1 - 1)), '') END AS posted_at,
       g.comment_audience                                         AS audience,
       g.comment_channel                                          AS channel,
       CASE WHEN x.p1 > 0 AND x.p2 > 0
            THEN nullif(trim(substr(x.cell, x.p1 + x.w, x.p2 - 1)), '') END AS author,
       CASE WHEN x.p1 > 0 AND x.p2 > 0 THEN substr(x.cell, x.p1 + x.w + x.p2 - 1 + x.w) ELSE x.cell END AS body,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       x.__line
FROM split x CROSS JOIN ingest_ctx c CROSS JOIN mikpi_stage_generic_ctx g;
