"""Approvals: a persisted state machine with an audit trail, chains, sets, reminders and expiry."""

from __future__ import annotations

from connectors.approvals.connector import ApprovalsConfig, ApprovalsConnector

__all__ = ["ApprovalsConfig", "ApprovalsConnector"]
