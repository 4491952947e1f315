-- Macros every ingest shares, whatever the source. TEMP, so they live only in
-- the ingesting connection and never persist into the store file.

-- The null tokens exports use for "no value": '', '?', 'NULL', '(empty)'.
CREATE OR REPLACE TEMP MACRO mikpi_null(x) AS
    CASE WHEN x IN ('', '?', 'NULL', '(empty)') THEN NULL ELSE x END;

-- A count or a duration in seconds: '3', '3.0', '1,234' -> BIGINT; else NULL.
CREATE OR REPLACE TEMP MACRO mikpi_int(x) AS
    try_cast(try_cast(replace(x, ',', '') AS DOUBLE) AS BIGINT);

-- Priorities normalised to 1..5: '1', '1 - Critical', 'P2', 'p3 - moderate', 'High'.
-- The exact ServiceNow spellings are matched first: a comparison with a
-- constant costs a fraction of the regular expression on a million rows.
CREATE OR REPLACE TEMP MACRO mikpi_priority(x) AS CASE x
    WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '3' THEN 3 WHEN '4' THEN 4 WHEN '5' THEN 5
    WHEN '1 - Critical' THEN 1 WHEN '2 - High' THEN 2 WHEN '3 - Moderate' THEN 3
    WHEN '4 - Low' THEN 4 WHEN '5 - Planning' THEN 5
    WHEN 'P1' THEN 1 WHEN 'P2' THEN 2 WHEN 'P3' THEN 3 WHEN 'P4' THEN 4 WHEN 'P5' THEN 5
    ELSE coalesce(
        try_cast(nullif(regexp_extract(x, '^\s*[Pp]?\s*([1-5])(?:\D|$)', 1), '') AS INTEGER),
        CASE lower(trim(x))
            WHEN 'critical' THEN 1 WHEN 'high' THEN 2 WHEN 'moderate' THEN 3
            WHEN 'medium' THEN 3 WHEN 'low' THEN 4 WHEN 'planning' THEN 5
        END)
END;

-- ---------------------------------------------------------------- timestamps
-- Wall-clock time in the file's source zone -> naive UTC. 'UTC' skips the ICU
-- round trip, which is most of the cost on a large file.
CREATE OR REPLACE TEMP MACRO mikpi_local_to_utc(ts, tz) AS
    CASE WHEN tz = 'UTC' THEN ts ELSE timezone('UTC', timezone(tz, ts)) END;

-- Does an ISO text carry its own zone (Z, +02:00, -0530, ' UTC')? A '-' after a
-- ':' can only be an offset, the date's own '-' come before the time.
-- try_cast(... AS TIMESTAMP) would silently drop such an offset.
CREATE OR REPLACE TEMP MACRO mikpi_has_zone(x) AS
    contains(x, '+') OR x LIKE '%:%-%' OR ends_with(x, 'Z') OR ends_with(x, 'z')
    OR ends_with(x, ' UTC') OR ends_with(x, ' GMT');

-- 'D/M/YYYY H:MM', 'MM/DD/YYYY', '5/11/24 3:26:07 PM' split into their parts
-- (empty strings when the text is not such a date).
CREATE OR REPLACE TEMP MACRO mikpi_slash_parts(x) AS regexp_extract(x,
    '^\s*(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*([AaPp][Mm])?)?\s*$',
    ['a', 'b', 'y', 'h', 'mi', 's', 'ap']);

-- First and second numeric field of a slash date: the per-file date-order vote.
CREATE OR REPLACE TEMP MACRO mikpi_slash_first(x) AS
    CASE WHEN contains(x, '/') THEN try_cast(nullif(mikpi_slash_parts(x).a, '') AS INTEGER) END;
CREATE OR REPLACE TEMP MACRO mikpi_slash_second(x) AS
    CASE WHEN contains(x, '/') THEN try_cast(nullif(mikpi_slash_parts(x).b, '') AS INTEGER) END;

-- Slash and Jira dates -> naive TIMESTAMP. strptime is lenient about zero
-- padding, so '%d/%m/%Y %H:%M' also reads '3/4/2026 9:05'. Two-digit years
-- come first: '%y' cannot swallow '2026' (trailing digits fail the match).
-- With no order decided (NULL) only Jira dates parse: a numeric slash date is
-- then unparseable, never silently month-first.
CREATE OR REPLACE TEMP MACRO mikpi_slash_ts(x, dayfirst) AS CASE
    WHEN dayfirst IS NULL THEN try_strptime(trim(x), [
        '%d/%b/%y %I:%M %p', '%d/%b/%Y %I:%M %p', '%d/%b/%y %H:%M', '%d/%b/%Y %H:%M', '%d/%b/%y',
        '%d/%b/%Y'])
    WHEN dayfirst
    THEN try_strptime(trim(x), [
        '%d/%m/%y %H:%M', '%d/%m/%y %H:%M:%S', '%d/%m/%y %I:%M %p', '%d/%m/%y %I:%M:%S %p', '%d/%m/%y',
        '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M:%S.%f', '%d/%m/%Y %I:%M %p',
        '%d/%m/%Y %I:%M:%S %p', '%d/%m/%Y',
        '%d/%b/%y %I:%M %p', '%d/%b/%Y %I:%M %p', '%d/%b/%y %H:%M', '%d/%b/%Y %H:%M', '%d/%b/%y',
        '%d/%b/%Y'])
    ELSE try_strptime(trim(x), [
        '%m/%d/%y %H:%M', '%m/%d/%y %H:%M:%S', '%m/%d/%y %I:%M %p', '%m/%d/%y %I:%M:%S %p', '%m/%d/%y',
        '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M:%S.%f', '%m/%d/%Y %I:%M %p',
        '%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y',
        '%d/%b/%y %I:%M %p', '%d/%b/%Y %I:%M %p', '%d/%b/%y %H:%M', '%d/%b/%Y %H:%M', '%d/%b/%y',
        '%d/%b/%Y'])
END;

-- Any supported timestamp text -> naive UTC TIMESTAMP, NULL when it does not
-- parse (the typed step turns that NULL into a reject). Formats: ISO-8601 with
-- a zone; naive ISO / 'YYYY-MM-DD HH:MM:SS'; slash dates, day-first when
-- `dayfirst`; Jira's '11/May/24 03:26 PM'. Naive values are in `tz`.
CREATE OR REPLACE TEMP MACRO mikpi_ts(x, dayfirst, tz) AS CASE
    WHEN x IS NULL THEN NULL
    WHEN contains(x, '/') THEN mikpi_local_to_utc(mikpi_slash_ts(x, dayfirst), tz)
    WHEN mikpi_has_zone(x) THEN timezone('UTC', try_cast(x AS TIMESTAMPTZ))
    ELSE mikpi_local_to_utc(try_cast(x AS TIMESTAMP), tz)
END;

-- Identity of a timeline event (schema.sql): re-ingesting the same history
-- or log adds nothing.
CREATE OR REPLACE TEMP MACRO mikpi_event_key(tenant, incident_id, occurred_at, kind, state, lane, text) AS
    md5(concat(tenant, chr(31), incident_id, chr(31), occurred_at::VARCHAR, chr(31), kind, chr(31),
               state, chr(31), lane, chr(31), text));

-- ---------------------------------------------------------------- JSON values
-- A JSON value as text: strings unquoted, numbers and booleans as written,
-- objects and arrays as JSON text (a mapping can pick them apart).
CREATE OR REPLACE TEMP MACRO mikpi_json_raw(j) AS CASE json_type(j)
    WHEN 'NULL' THEN NULL
    WHEN 'OBJECT' THEN j::VARCHAR
    WHEN 'ARRAY' THEN j::VARCHAR
    ELSE j ->> '$'
END;

-- ServiceNow Table API values: a reference {"value", "link"} (with
-- "display_value" under sysparm_display_value=all) gives its display value;
-- any other object {"display_value", "value"} its raw value, so timestamps,
-- states and priorities parse from the raw form.
CREATE OR REPLACE TEMP MACRO mikpi_json_servicenow(j) AS CASE json_type(j)
    WHEN 'NULL' THEN NULL
    WHEN 'OBJECT' THEN CASE
        WHEN json_exists(j, '$.link') THEN coalesce(j ->> 'display_value', j ->> 'value')
        ELSE coalesce(j ->> 'value', j ->> 'display_value') END
    WHEN 'ARRAY' THEN j::VARCHAR
    ELSE j ->> '$'
END;
