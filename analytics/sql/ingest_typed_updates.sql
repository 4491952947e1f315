-- mapped_updates (journal entries, status updates; posted_at still text) ->
-- typed_updates. update_id: the source's id, else md5 of the incident
-- reference as the file gives it, the UTC time, the channel and the text, so
-- the id does not change when the reference is resolved later.
-- Rejects: no incident reference, no or unparseable posted_at.
CREATE OR REPLACE TEMP TABLE typed_updates AS
WITH parsed AS (
    SELECT m.*, mikpi_ts(m.posted_at, c.dayfirst, c.source_tz) AS posted_ts
    FROM mapped_updates m CROSS JOIN ingest_ctx c
), checked AS (
    SELECT *,
        CASE
            WHEN __reject_reason IS NOT NULL THEN coalesce(__reject_field, 'row')
            WHEN incident_id IS NULL THEN 'incident_id'
            WHEN posted_ts IS NULL THEN 'posted_at'
        END AS bad_field,
        coalesce(update_id, md5(concat(coalesce(incident_ref, incident_id), chr(31),
                                       posted_ts, chr(31), channel, chr(31), body)))
            AS key
    FROM parsed
)
SELECT tenant, incident_id, key AS update_id, posted_ts AS posted_at,
       coalesce(audience, 'internal') AS audience, channel, author, body,
       c.source, __line AS line, c.run_id,
       bad_field AS __reject_field,
       CASE
           WHEN __reject_reason IS NOT NULL THEN __reject_reason
           WHEN bad_field = 'incident_id' THEN 'no incident reference'
           WHEN bad_field = 'posted_at' AND posted_at IS NULL THEN 'no time posted'
           WHEN bad_field = 'posted_at' THEN 'unparseable timestamp: ' || posted_at
       END AS __reject_reason
FROM checked CROSS JOIN ingest_ctx c;
