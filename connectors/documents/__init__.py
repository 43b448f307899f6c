"""Documents: spreadsheets cleaned into form records, receipts read into expenses, after a preview."""

from __future__ import annotations

from connectors.documents.connector import RECEIVE, DocumentsConfig, DocumentsConnector, EnterArgs, ReceiveArgs

__all__ = ["RECEIVE", "DocumentsConfig", "DocumentsConnector", "EnterArgs", "ReceiveArgs"]
