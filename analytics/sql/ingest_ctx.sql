-- The lines (file records) already counted as read in this file's counts
-- (ingest_counts.sql): a record feeding two tables is read once. (First: bound
-- parameters only reach the last statement of a file.)
CREATE OR REPLACE TEMP TABLE ingest_counted_lines (line BIGINT);
-- The records a later merge read, per tenant (ingest_counts_read.sql).
CREATE OR REPLACE TEMP TABLE merge_read (tenant VARCHAR, records BIGINT);

-- The one-row context of the file being ingested. Mapping and typing views
-- cross join it, so they stay plain SQL files without parameters.
-- default_tenant: --tenant (NULL when not given); file_kind: the detected kind.
-- present: the source fields the file actually has (after alias resolution),
-- so a mapping can tell "column absent" from "value empty".
-- repeated: some value of the kind's id field occurs twice in the file; when
-- not, the merges skip ranking versions within the file (a sort of every row).
CREATE OR REPLACE TEMP TABLE ingest_ctx AS
SELECT $run_id::BIGINT        AS run_id,
       $source::VARCHAR       AS source,
       $kind::VARCHAR         AS file_kind,
       $source_file::VARCHAR  AS source_file,
       $sha256::VARCHAR       AS sha256,
       $tenant::VARCHAR       AS default_tenant,
       $source_tz::VARCHAR    AS source_tz,
       $dayfirst::BOOLEAN     AS dayfirst,
       $present::VARCHAR[]    AS present,
       $repeated::BOOLEAN     AS repeated;
