"""Data entry: forms from a config file, generated validation models, records, queries, CSV."""

from __future__ import annotations

from connectors.data_entry.connector import CreateArgs, DataEntryConfig, DataEntryConnector, QueryArgs

__all__ = ["CreateArgs", "DataEntryConfig", "DataEntryConnector", "QueryArgs"]
