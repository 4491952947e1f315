"""mikpi core: canonical schema, ingest, store, KPI engine and configuration."""
