-- Value helpers for the sources that are not ServiceNow (generic mappings,
-- PagerDuty, Statuspage): booleans, durations, states written by people.

-- 'true'/'yes'/'1' -> true, 'false'/'no'/'0' -> false, anything else NULL.
CREATE OR REPLACE TEMP MACRO mikpi_bool(x) AS CASE lower(trim(x))
    WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN '1' THEN true
    WHEN 'false' THEN false WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN '0' THEN false
END;

-- A number written in a duration column: '90', '90.5', '1,234'; NULL when it is not one.
CREATE OR REPLACE TEMP MACRO mikpi_number(x) AS try_cast(replace(trim(x), ',', '') AS DOUBLE);

-- A timestamp given as a duration after another one (PagerDuty seconds_to_first_ack,
-- an Opsgenie ack time in milliseconds): `base` (timestamp text, parsed like every
-- timestamp) + `amount` x `unit_seconds`, written back as ISO-8601 UTC text so the
-- typed step parses it without applying the source zone a second time.
CREATE OR REPLACE TEMP MACRO mikpi_after(base, amount, unit_seconds, dayfirst, tz) AS
    strftime(mikpi_ts(base, dayfirst, tz)
                 + to_microseconds(CAST(round(mikpi_number(amount) * unit_seconds * 1e6) AS BIGINT)),
             '%Y-%m-%dT%H:%M:%S.%fZ');

-- Why a duration value cannot be used (NULL when it can, or when it is empty).
CREATE OR REPLACE TEMP MACRO mikpi_number_problem(x) AS
    CASE WHEN x IS NOT NULL AND mikpi_number(x) IS NULL THEN 'not a number: ' || x END;

-- An incident state as tools other than ServiceNow write it -> the canonical
-- state (new | in_progress | on_hold | resolved | closed | canceled); NULL when
-- unknown (state_raw keeps the value).
CREATE OR REPLACE TEMP MACRO mikpi_state(x) AS
    CASE trim(regexp_replace(lower(trim(x)), '[^a-z]+', '_', 'g'), '_')
        WHEN 'new' THEN 'new' WHEN 'open' THEN 'new' WHEN 'triggered' THEN 'new'
        WHEN 'to_do' THEN 'new' WHEN 'todo' THEN 'new' WHEN 'scheduled' THEN 'new'
        WHEN 'in_progress' THEN 'in_progress' WHEN 'active' THEN 'in_progress'
        WHEN 'acknowledged' THEN 'in_progress' WHEN 'investigating' THEN 'in_progress'
        WHEN 'identified' THEN 'in_progress' WHEN 'monitoring' THEN 'in_progress'
        WHEN 'work_in_progress' THEN 'in_progress' WHEN 'assigned' THEN 'in_progress'
        WHEN 'verifying' THEN 'in_progress'
        WHEN 'on_hold' THEN 'on_hold' WHEN 'pending' THEN 'on_hold' WHEN 'snoozed' THEN 'on_hold'
        WHEN 'waiting' THEN 'on_hold' WHEN 'awaiting' THEN 'on_hold'
        WHEN 'resolved' THEN 'resolved' WHEN 'done' THEN 'resolved' WHEN 'fixed' THEN 'resolved'
        WHEN 'postmortem' THEN 'resolved' WHEN 'completed' THEN 'resolved'
        WHEN 'closed' THEN 'closed'
        WHEN 'canceled' THEN 'canceled' WHEN 'cancelled' THEN 'canceled'
        ELSE CASE
            WHEN lower(trim(x)) LIKE 'waiting%' OR lower(trim(x)) LIKE 'awaiting%'
                 OR lower(trim(x)) LIKE 'pending%' THEN 'on_hold'
        END
    END;
