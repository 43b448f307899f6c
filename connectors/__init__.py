"""Connectors: where flowdesk does real work. They know nothing of Slack or Teams."""
