-- Governance value normalisation (docs/governance-layout.md): the values people
-- type into a decision log or an action tracker -> the canonical ones; NULL
-- when a value is none of them (the mapping then rejects the row, naming it).

-- A role lane: 'Technical lead', 'tech-lead', 'Comms', 'Incident commander'.
CREATE OR REPLACE TEMP MACRO mikpi_gov_lane(x) AS
    CASE trim(regexp_replace(lower(trim(x)), '[^a-z]+', '_', 'g'), '_')
        WHEN 'communications' THEN 'communications'
        WHEN 'comms' THEN 'communications'
        WHEN 'communications_lead' THEN 'communications'
        WHEN 'comms_lead' THEN 'communications'
        WHEN 'technical_lead' THEN 'technical_lead'
        WHEN 'tech_lead' THEN 'technical_lead'
        WHEN 'service_owner' THEN 'service_owner'
        WHEN 'executive_liaison' THEN 'executive_liaison'
        WHEN 'exec_liaison' THEN 'executive_liaison'
        WHEN 'commander' THEN 'commander'
        WHEN 'incident_commander' THEN 'commander'
    END;

-- A decision-log entry kind: decision | action | update.
CREATE OR REPLACE TEMP MACRO mikpi_gov_event_kind(x) AS
    CASE lower(trim(x)) WHEN 'decision' THEN 'decision' WHEN 'action' THEN 'action'
                        WHEN 'update' THEN 'update' END;

-- An action kind: mitigation | pir ('Mitigation action', 'PIR action' too).
CREATE OR REPLACE TEMP MACRO mikpi_gov_action_kind(x) AS CASE
    WHEN lower(trim(x)) IN ('mitigation', 'mitigation action') THEN 'mitigation'
    WHEN lower(trim(x)) IN ('pir', 'pir action', 'post-incident review', 'post incident review') THEN 'pir'
END;

-- Why a lane / kind value cannot be used (NULL when it can).
CREATE OR REPLACE TEMP MACRO mikpi_gov_lane_problem(x) AS CASE
    WHEN x IS NULL THEN 'no lane (communications, technical_lead, service_owner, executive_liaison or commander)'
    WHEN mikpi_gov_lane(x) IS NULL THEN 'unknown lane: ' || x
        || ' (use communications, technical_lead, service_owner, executive_liaison or commander)'
END;
