-- PagerDuty value helpers. JSON values arrive as text (objects and arrays as
-- JSON text, see mikpi_json_raw), so references are picked apart here.

-- A reference object {"id", "type", "summary", ...} -> one of its keys; a value
-- that is not a JSON object (a flattened export) is itself.
CREATE OR REPLACE TEMP MACRO mikpi_pd_ref(x, key) AS
    CASE WHEN try(json_type(x)) = 'OBJECT' THEN x ->> key ELSE x END;

-- A list of references (teams, assignments' assignees) -> their summaries joined
-- with ', '; a plain value as is.
CREATE OR REPLACE TEMP MACRO mikpi_pd_summaries(x, path) AS CASE
    WHEN try(json_type(x)) = 'ARRAY'
        THEN nullif(array_to_string(json_extract_string(x, path), ', '), '')
    ELSE x
END;

-- Incident status: triggered | acknowledged | resolved.
CREATE OR REPLACE TEMP MACRO mikpi_pd_state(x) AS CASE lower(trim(x))
    WHEN 'triggered' THEN 'new' WHEN 'acknowledged' THEN 'in_progress' WHEN 'resolved' THEN 'resolved'
END;

-- The earliest `at` of acknowledgements [{"at": ...}, ...], as written: the typed
-- step parses (or rejects) it like any timestamp.
CREATE OR REPLACE TEMP MACRO mikpi_pd_first_at(x, dayfirst, tz) AS CASE
    WHEN try(json_type(x)) = 'ARRAY' THEN list_reduce(
        json_extract_string(x, '$[*].at'),
        lambda a, b: CASE WHEN a IS NULL OR mikpi_ts(b, dayfirst, tz) < mikpi_ts(a, dayfirst, tz)
                          THEN b ELSE a END,
        NULL::VARCHAR)
END;

-- Log entry type without its suffix: 'acknowledge_log_entry(_reference)' -> 'acknowledge'.
CREATE OR REPLACE TEMP MACRO mikpi_pd_log_base(x) AS
    regexp_replace(lower(trim(x)), '_log_entry(_reference)?$', '');

-- Log entry type -> timeline kind: incident_view reads 'acknowledged' as the
-- acknowledgement; the others keep their type ('trigger', 'assign', 'escalate').
CREATE OR REPLACE TEMP MACRO mikpi_pd_log_kind(x) AS CASE mikpi_pd_log_base(x)
    WHEN 'acknowledge' THEN 'acknowledged' WHEN 'resolve' THEN 'resolved' ELSE mikpi_pd_log_base(x)
END;

-- A field as JSON: objects and arrays (which arrive as JSON text) as themselves,
-- anything else as a JSON string.
CREATE OR REPLACE TEMP MACRO mikpi_pd_json(x) AS
    CASE WHEN try(json_type(x)) IN ('OBJECT', 'ARRAY') THEN x::JSON ELSE to_json(x) END;

-- The tenant of a stored PagerDuty incident by id (ids are global): log entries and status
-- updates name only the incident, so they take its tenant when exactly one tenant has it.
CREATE OR REPLACE TEMP VIEW mikpi_pd_known_tenant AS
SELECT incident_id, min(tenant) AS tenant
FROM incidents
WHERE source = 'pagerduty'
GROUP BY incident_id
HAVING count(DISTINCT tenant) = 1;
