"""The local console: try every flow in a browser without Slack or Teams."""
