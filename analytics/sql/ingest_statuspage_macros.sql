-- Statuspage value helpers.

-- Incident impact -> priority: critical 1, major 2, minor 3, none 4
-- (maintenance 5). Statuspage has no major flag, so with the default
-- major_priorities = [1] only critical-impact incidents are major.
CREATE OR REPLACE TEMP MACRO mikpi_sp_priority(x) AS CASE lower(trim(x))
    WHEN 'critical' THEN 1 WHEN 'major' THEN 2 WHEN 'minor' THEN 3 WHEN 'none' THEN 4
    WHEN 'maintenance' THEN 5
END;

-- The names of the affected components [{"name": ...}, ...] (NULL when none).
CREATE OR REPLACE TEMP MACRO mikpi_sp_components(x) AS CASE
    WHEN try(json_type(x)) = 'ARRAY' THEN nullif(json_extract_string(x, '$[*].name'), [])
END;
