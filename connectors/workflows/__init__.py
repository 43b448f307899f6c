"""Workflows: declarative multi-step processes in YAML, persisted and resumed after a restart.

Validate a file with ``validate_workflow(path, actions=None) -> list[WorkflowError]``.
"""

from __future__ import annotations

from connectors.workflows.connector import WorkflowsConfig, WorkflowsConnector
from connectors.workflows.validate import WorkflowError, load_workflow, validate_workflow

__all__ = ["WorkflowError", "WorkflowsConfig", "WorkflowsConnector", "load_workflow", "validate_workflow"]
