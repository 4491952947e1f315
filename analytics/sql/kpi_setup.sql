-- KPI engine, stage 0: the per-call inputs and helper macros (temporary, per connection).
--
-- kpi_cfg holds one row per selected tenant with its effective settings and its
-- as-of time; every later stage joins it on tenant, so a computation for tenant A
-- never reads a row of tenant B. kpi_run holds the call's parameters (one row).
-- Python fills both with bound parameters; no value is ever formatted into SQL.
-- Stages that read a canonical table or view also filter it with
-- `tenant IN (SELECT tenant FROM kpi_cfg)`: DuckDB pushes that filter into the scan and
-- through a view's aggregate, where the join alone filters only after them (a one-tenant
-- call at 1M incidents read every tenant's timeline).

CREATE OR REPLACE TEMP TABLE kpi_cfg (
    tenant            VARCHAR NOT NULL,
    tz                VARCHAR NOT NULL,
    start_day         INTEGER,            -- configured programme start, days since 1970-01-01 (local)
    scope             VARCHAR NOT NULL,   -- major | all
    major_priorities  INTEGER[] NOT NULL,
    lookback_us       BIGINT NOT NULL,    -- repeat detection
    window_us         BIGINT NOT NULL,    -- change-related detection
    pir_window_us     BIGINT NOT NULL,
    cadence           INTEGER[] NOT NULL, -- minutes for P1..P5 (missing keys already resolved to "other")
    cadence_other     INTEGER NOT NULL,   -- minutes when the priority is unknown
    exclude_on_hold   BOOLEAN NOT NULL,
    business_hours    BOOLEAN NOT NULL,
    bh_start          INTEGER NOT NULL,   -- minutes after local midnight
    bh_end            INTEGER NOT NULL,
    bh_days           INTEGER[] NOT NULL, -- ISO weekdays, 1 = Monday
    bh_prior          INTEGER[] NOT NULL, -- bh_prior[d] = working days before ISO weekday d
    as_of             TIMESTAMP           -- the tenant's "now" (kpi_asof.sql fills it unless pinned):
                                          -- later timestamps are not yet real, later due dates not yet due
);

CREATE OR REPLACE TEMP TABLE kpi_run (
    as_of          TIMESTAMP NOT NULL,   -- the latest tenant as_of: bounds call-wide ranges (kpi_tzday)
                                         -- only; per-item decisions use kpi_cfg.as_of
    lo_day         INTEGER NOT NULL,     -- 2000-01-01 as days since 1970-01-01: earlier is implausible
    hi_day         INTEGER NOT NULL,     -- day of as_of, plus one
    from_day       INTEGER,              -- date filter (local days, inclusive), NULL = open
    to_day         INTEGER,
    priorities     INTEGER[],            -- priority filter, NULL = any
    services       VARCHAR[],            -- service filter, NULL = any
    only_incident  VARCHAR,              -- drill-down: exactly this incident, whatever the scope
    with_tenants   BOOLEAN NOT NULL,     -- per-tenant rows wanted
    with_all       BOOLEAN NOT NULL,     -- the pooled "ALL" view wanted
    pf_tz          VARCHAR NOT NULL,     -- portfolio timezone
    pf_start_day   INTEGER               -- configured portfolio start (local days), NULL = default
);

-- Local calendar day (days since 1970-01-01) of a UTC instant, given its UTC day's
-- row of kpi_tzday: the offset before the day's DST change, the change and the offset after.
CREATE OR REPLACE TEMP MACRO kpi_lday(us, off0, sw, off1) AS
    CAST(fdiv(us + CASE WHEN sw IS NOT NULL AND us >= sw THEN off1 ELSE off0 END, 86400000000) AS INTEGER);

-- Programme week of a local day, for a programme starting on local day s (floor, so days
-- before the start land in week 0 or below).
CREATE OR REPLACE TEMP MACRO kpi_week(d, s) AS CAST(fdiv(d - s, 7) AS INTEGER) + 1;

-- Whether an incident of priority p and service s is selected by the call's filters (NULL =
-- any); an unknown priority or service matches no filter. One rule for incidents and actions.
CREATE OR REPLACE TEMP MACRO kpi_selects(priorities, services, p, s) AS
    coalesce((priorities IS NULL OR list_contains(priorities, p))
             AND (services IS NULL OR list_contains(services, s)), false);

-- Minutes between two instants, as a double; NULL when either is missing.
CREATE OR REPLACE TEMP MACRO kpi_minutes(a, b) AS (epoch_us(b) - epoch_us(a)) / 60000000.0;

-- A duration (minutes) as whole microseconds, the resolution of every stored timestamp.
CREATE OR REPLACE TEMP MACRO kpi_us(x) AS CAST(round(x * 60000000.0) AS BIGINT);

-- Pooled mean and sample variance of durations in minutes, from exact integer sums of
-- microseconds: the same items give the same bits whatever order DuckDB's threads add them
-- in (avg and var_samp over doubles differ in the last bits from run to run).
CREATE OR REPLACE TEMP MACRO kpi_mean(x) AS
    CAST(sum(kpi_us(x)) AS DOUBLE) / nullif(count(x), 0) / 60000000.0;
CREATE OR REPLACE TEMP MACRO kpi_var(x) AS
    (CAST(sum(CAST(kpi_us(x) AS HUGEINT) * kpi_us(x)) AS DOUBLE)
     - CAST(sum(kpi_us(x)) AS DOUBLE) * CAST(sum(kpi_us(x)) AS DOUBLE) / count(x))
    / nullif(count(x) - 1, 0) / 3600000000000000.0;

-- Microseconds of the hold interval [s, e) (e NULL = still on hold) inside [a, b].
CREATE OR REPLACE TEMP MACRO kpi_overlap_us(a, b, s, e) AS
    CASE WHEN a IS NULL OR b IS NULL THEN NULL
         ELSE greatest(0, epoch_us(least(b, coalesce(e, b))) - epoch_us(greatest(a, s))) END;

-- Working minutes from Monday 2000-01-03 00:00 local to local wall-clock time l, under a
-- calendar of working days (ISO weekdays) from minute bs to minute be of each day. The
-- difference of two values is the working time between them: no row per day is expanded.
CREATE OR REPLACE TEMP MACRO kpi_bh_minutes(l, bs, be, ndays, prior, days) AS
    CASE WHEN l IS NULL THEN NULL ELSE
        (CAST(fdiv(date_diff('day', DATE '2000-01-03', CAST(l AS DATE)), 7) AS BIGINT) * ndays
         + prior[isodow(l)]) * (be - bs)
        + CASE WHEN list_contains(days, isodow(l))
               THEN least(greatest((epoch_us(l) - epoch_us(date_trunc('day', l))) / 60000000.0 - bs, 0), be - bs)
               ELSE 0 END
    END;

-- Baseline and checkpoint windows per view (filled by the engine once the last week is known):
-- checkpoint 'baseline' covers weeks 1..baseline_weeks; the others lo..hi.
CREATE OR REPLACE TEMP TABLE kpi_ckpt (
    view        VARCHAR NOT NULL,
    checkpoint  VARCHAR NOT NULL,
    week        INTEGER NOT NULL,
    lo          INTEGER NOT NULL,
    hi          INTEGER NOT NULL
);

-- The (view, kpi, checkpoint) samples small enough to bootstrap by resampling.
CREATE OR REPLACE TEMP TABLE kpi_boot_groups (
    view        VARCHAR NOT NULL,
    kpi         VARCHAR NOT NULL,
    checkpoint  VARCHAR NOT NULL
);

-- Duration variants (kpi_variants.sql fills them only when a tenant turns a variant on).
CREATE OR REPLACE TEMP TABLE kpi_hold (
    iid BIGINT, hold_ack_us BIGINT, hold_res_us BIGINT, hold_mit_us BIGINT
);
CREATE OR REPLACE TEMP TABLE kpi_business (
    iid BIGINT, mtta_bh DOUBLE, mttr_bh DOUBLE, mttm_bh DOUBLE
);
