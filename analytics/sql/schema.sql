-- mikpi canonical schema, version 2 (analytics/store.py SCHEMA_VERSION).
--
-- Version 2 added `attributes JSON` to timeline_events, pirs, actions and
-- closure_evidence; it is their last column, as ALTER TABLE ... ADD COLUMN
-- (migrate_v2.sql) puts it in a version-1 store, so new and migrated stores
-- have the same column order.
--
-- Every timestamp is a naive TIMESTAMP holding UTC (the store never keeps
-- local time; weeks are cut later in each tenant's reporting timezone).
-- Every data row carries its tenant and its provenance: source (servicenow,
-- pagerduty, statuspage, governance, generic), source_file (base name),
-- sha256 of the file, line (1-based line of the record in the file, header
-- = line 1; for JSON the 1-based position of the record) and run_id.
-- There are no PRIMARY KEY constraints on purpose: the ingest pipeline keeps
-- keys unique itself (delete-then-insert inside one transaction), and bulk
-- loads stay fast without ART indexes.

CREATE SEQUENCE IF NOT EXISTS ingest_run_seq START 1;

CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);

-- One row per file per `mikpi ingest` invocation.
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id        BIGINT NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    file_name     VARCHAR NOT NULL,
    file_path     VARCHAR,
    sha256        VARCHAR NOT NULL,
    size_bytes    BIGINT,
    source        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    options       JSON
);

-- Per run, per tenant counts: a tenant's view of provenance never shows
-- another tenant's counts.
CREATE TABLE IF NOT EXISTS ingest_run_counts (
    run_id        BIGINT NOT NULL,
    tenant        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    rows_read     BIGINT NOT NULL DEFAULT 0,
    rows_loaded   BIGINT NOT NULL DEFAULT 0,   -- new records
    rows_replaced BIGINT NOT NULL DEFAULT 0,   -- newer version of a stored record
    rows_unchanged BIGINT NOT NULL DEFAULT 0,  -- identical or older than what is stored
    rows_rejected BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS rejects (
    run_id      BIGINT NOT NULL,
    tenant      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    line        BIGINT,
    field       VARCHAR,
    reason      VARCHAR NOT NULL,
    raw         JSON                      -- the row's values as read, column -> text
);

CREATE TABLE IF NOT EXISTS incidents (
    tenant              VARCHAR NOT NULL,
    incident_id         VARCHAR NOT NULL,  -- ServiceNow number, PagerDuty id, Statuspage id, ...
    sys_id              VARCHAR,           -- ServiceNow sys_id (journal element_id joins here)
    title               VARCHAR,
    state               VARCHAR,           -- new | in_progress | on_hold | resolved | closed | canceled
    state_raw           VARCHAR,
    priority            INTEGER,           -- 1..5
    impact              VARCHAR,
    urgency             VARCHAR,
    severity            VARCHAR,
    is_major            BOOLEAN,           -- the source's explicit flag; NULL = the source has none
    major_incident_state VARCHAR,
    category            VARCHAR,
    subcategory         VARCHAR,
    service             VARCHAR,           -- business service (or PagerDuty service, Statuspage component)
    ci                  VARCHAR,           -- configuration item
    assignment_group    VARCHAR,
    assigned_to         VARCHAR,
    opened_at           TIMESTAMP NOT NULL,
    acknowledged_at     TIMESTAMP,         -- direct field only; see incident_view for the derived one
    declared_at         TIMESTAMP,         -- direct field only (promoted_on)
    mitigated_at        TIMESTAMP,         -- direct field only
    resolved_at         TIMESTAMP,
    closed_at           TIMESTAMP,
    updated_at          TIMESTAMP,         -- source's last-update time; newest export wins
    mod_count           BIGINT,
    caused_by_change    VARCHAR,           -- caused_by / rfc / related_change
    problem_id          VARCHAR,
    parent_incident     VARCHAR,
    reopen_count        INTEGER,
    reassignment_count  INTEGER,
    calendar_stc        BIGINT,
    business_stc        BIGINT,
    attributes          JSON,              -- u_* and unknown columns, verbatim
    row_hash            VARCHAR NOT NULL,  -- md5 of the canonical values: "same record, same content"
    source              VARCHAR NOT NULL,
    source_file         VARCHAR NOT NULL,
    sha256              VARCHAR NOT NULL,
    line                BIGINT,
    run_id              BIGINT NOT NULL
);

-- History rows, log entries and decision-log entries. event_key makes
-- re-ingest idempotent (md5 of tenant, incident, occurred_at, kind, state, lane, text).
CREATE TABLE IF NOT EXISTS timeline_events (
    tenant        VARCHAR NOT NULL,
    incident_id   VARCHAR NOT NULL,
    occurred_at   TIMESTAMP NOT NULL,
    kind          VARCHAR NOT NULL,   -- state_change | acknowledged | resolved | decision | action | update | ...
    state         VARCHAR,            -- normalised state after a state_change
    lane          VARCHAR,            -- communications | technical_lead | service_owner | executive_liaison | commander
    actor         VARCHAR,
    text          VARCHAR,
    evidence_link VARCHAR,
    event_key     VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    line          BIGINT,
    run_id        BIGINT NOT NULL,
    attributes    JSON                -- columns no canonical field holds, verbatim (NULL: none)
);

-- Status updates and journal entries. audience: stakeholder | customer | public | internal.
CREATE TABLE IF NOT EXISTS updates (
    tenant        VARCHAR NOT NULL,
    incident_id   VARCHAR NOT NULL,
    update_id     VARCHAR NOT NULL,   -- source id, else md5 of incident, time, element, text
    posted_at     TIMESTAMP NOT NULL,
    audience      VARCHAR NOT NULL,
    channel       VARCHAR,            -- comments | work_notes | status_update_log_entry | statuspage | ...
    author        VARCHAR,
    body          VARCHAR,
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    line          BIGINT,
    run_id        BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS changes (
    tenant        VARCHAR NOT NULL,
    change_id     VARCHAR NOT NULL,
    title         VARCHAR,
    ci            VARCHAR,
    service       VARCHAR,
    type          VARCHAR,
    risk          VARCHAR,
    state         VARCHAR,
    close_code    VARCHAR,
    planned_start TIMESTAMP,
    planned_end   TIMESTAMP,
    actual_start  TIMESTAMP,
    actual_end    TIMESTAMP,
    opened_at     TIMESTAMP,
    closed_at     TIMESTAMP,
    updated_at    TIMESTAMP,
    attributes    JSON,
    row_hash      VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    line          BIGINT,
    run_id        BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS pirs (
    tenant        VARCHAR NOT NULL,
    incident_id   VARCHAR NOT NULL,
    due_at        TIMESTAMP,
    completed_at  TIMESTAMP,
    owner         VARCHAR,
    row_hash      VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    line          BIGINT,
    run_id        BIGINT NOT NULL,
    attributes    JSON                -- columns no canonical field holds, verbatim (NULL: none)
);

CREATE TABLE IF NOT EXISTS actions (
    tenant        VARCHAR NOT NULL,
    action_id     VARCHAR NOT NULL,
    incident_id   VARCHAR,
    kind          VARCHAR,            -- mitigation | pir
    title         VARCHAR,
    owner         VARCHAR,
    priority      INTEGER,
    due_at        TIMESTAMP,
    completed_at  TIMESTAMP,
    depends_on    VARCHAR,
    row_hash      VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    line          BIGINT,
    run_id        BIGINT NOT NULL,
    attributes    JSON                -- columns no canonical field holds, verbatim (NULL: none)
);

CREATE TABLE IF NOT EXISTS closure_evidence (
    tenant                VARCHAR NOT NULL,
    incident_id           VARCHAR NOT NULL,
    service_validated_at  TIMESTAMP,
    customer_confirmed_at TIMESTAMP,
    residual_risk         VARCHAR,
    row_hash              VARCHAR NOT NULL,
    source                VARCHAR NOT NULL,
    source_file           VARCHAR NOT NULL,
    sha256                VARCHAR NOT NULL,
    line                  BIGINT,
    run_id                BIGINT NOT NULL,
    attributes            JSON               -- columns no canonical field holds, verbatim (NULL: none)
);
