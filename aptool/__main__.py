"""``python -m aptool`` runs the command line."""

from aptool.cli import main

main()
