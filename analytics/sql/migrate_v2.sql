-- Schema version 1 -> 2 (analytics/store.py runs it once, in a transaction,
-- on a store whose schema_version is 1): governance records and timeline
-- events keep the columns no canonical field holds, as incidents and changes
-- always did. Rows already stored keep NULL until their file is ingested again.
ALTER TABLE timeline_events ADD COLUMN IF NOT EXISTS attributes JSON;
ALTER TABLE pirs ADD COLUMN IF NOT EXISTS attributes JSON;
ALTER TABLE actions ADD COLUMN IF NOT EXISTS attributes JSON;
ALTER TABLE closure_evidence ADD COLUMN IF NOT EXISTS attributes JSON;
UPDATE schema_version SET version = 2;
