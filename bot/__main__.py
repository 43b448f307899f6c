"""``python -m bot`` runs the flowdesk command line."""

from bot.cli import main

main()
