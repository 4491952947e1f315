-- Statuspage incident_updates[] -> the mapped update layout: each one a public
-- status update (kpis.md), channel 'statuspage', posted at its created_at
-- (else display_at), line = the incident's position in the file.
CREATE OR REPLACE TEMP VIEW mapped_updates AS
WITH u AS (
    SELECT s.id AS ref, s.__line,
           unnest(CASE WHEN try(json_type(s.incident_updates)) = 'ARRAY'
                       THEN json_transform(s.incident_updates, '["JSON"]') END) AS u
    FROM src s
)
SELECT coalesce(c.default_tenant, 'default')             AS tenant,
       u.ref                                             AS incident_id,
       u.ref                                             AS incident_ref,
       u.u ->> 'id'                                      AS update_id,
       coalesce(u.u ->> 'created_at', u.u ->> 'display_at') AS posted_at,
       'public'                                          AS audience,
       'statuspage'                                      AS channel,
       NULL::VARCHAR                                     AS author,
       u.u ->> 'body'                                    AS body,
       NULL::VARCHAR AS __reject_field, NULL::VARCHAR AS __reject_reason,
       u.__line
FROM u CROSS JOIN ingest_ctx c;
