"""Errors the CLI turns into one line and exit status 2."""

from __future__ import annotations


class MikpiError(Exception):
    """Bad usage or bad input: the message is one line naming the file, row or field."""


class ConfigError(MikpiError):
    """A configuration file that cannot be used."""


class IngestError(MikpiError):
    """A file that cannot be ingested; nothing of the ingest was committed."""
