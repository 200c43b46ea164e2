"""``python -m wildtrace`` runs the command line."""

from wildtrace.cli import main

main()
