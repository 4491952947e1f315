-- ServiceNow value normalisation: raw choice codes and display values alike.

-- Incident state (state / incident_state): 1 New, 2 In Progress (Active),
-- 3 On Hold (and the older 4/5 Awaiting ..., any 'Awaiting *' / 'Pending *'),
-- 6 Resolved, 7 Closed, 8 Canceled. Unknown values -> NULL (state_raw keeps them).
CREATE OR REPLACE TEMP MACRO mikpi_sn_incident_state(x) AS CASE x
    -- Exact raw codes and display values first (cheap); then any spelling.
    WHEN '1' THEN 'new' WHEN '2' THEN 'in_progress' WHEN '3' THEN 'on_hold'
    WHEN '6' THEN 'resolved' WHEN '7' THEN 'closed' WHEN '8' THEN 'canceled'
    WHEN 'New' THEN 'new' WHEN 'In Progress' THEN 'in_progress' WHEN 'On Hold' THEN 'on_hold'
    WHEN 'Resolved' THEN 'resolved' WHEN 'Closed' THEN 'closed' WHEN 'Canceled' THEN 'canceled'
    ELSE CASE
        WHEN lower(trim(x)) IN ('1', 'new') THEN 'new'
        WHEN lower(trim(x)) IN ('2', 'in progress', 'active', 'work in progress', 'assigned') THEN 'in_progress'
        WHEN lower(trim(x)) IN ('3', '4', '5', 'on hold') OR lower(trim(x)) LIKE 'awaiting%'
             OR lower(trim(x)) LIKE 'pending%' THEN 'on_hold'
        WHEN lower(trim(x)) IN ('6', 'resolved') THEN 'resolved'
        WHEN lower(trim(x)) IN ('7', 'closed') THEN 'closed'
        WHEN lower(trim(x)) IN ('8', 'canceled', 'cancelled') THEN 'canceled'
    END
END;

-- Change request state: -5 New, -4 Assess, -3 Authorize, -2 Scheduled,
-- -1 Implement, 0 Review, 3 Closed, 4 Canceled; display values lower-cased.
CREATE OR REPLACE TEMP MACRO mikpi_sn_change_state(x) AS CASE trim(x)
    WHEN '-5' THEN 'new' WHEN '-4' THEN 'assess' WHEN '-3' THEN 'authorize'
    WHEN '-2' THEN 'scheduled' WHEN '-1' THEN 'implement' WHEN '0' THEN 'review'
    WHEN '3' THEN 'closed' WHEN '4' THEN 'canceled'
    ELSE lower(trim(x))
END;

-- Change risk: 1 Very High, 2 High, 3 Moderate, 4 Low; display values lower-cased.
CREATE OR REPLACE TEMP MACRO mikpi_sn_change_risk(x) AS CASE trim(x)
    WHEN '1' THEN 'very high' WHEN '2' THEN 'high' WHEN '3' THEN 'moderate' WHEN '4' THEN 'low'
    ELSE lower(trim(x))
END;

-- Journal element: comments are customer-facing, work notes internal.
CREATE OR REPLACE TEMP MACRO mikpi_sn_channel(x) AS CASE
    WHEN lower(trim(x)) IN ('comments', 'additional comments', 'additional comments (customer visible)')
        THEN 'comments'
    WHEN lower(trim(x)) IN ('work_notes', 'work notes') THEN 'work_notes'
    ELSE lower(trim(x))
END;
CREATE OR REPLACE TEMP MACRO mikpi_sn_audience(x) AS
    CASE WHEN mikpi_sn_channel(x) = 'comments' THEN 'customer' ELSE 'internal' END;
