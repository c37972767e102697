"""One module per command: argument parsing and printing only.

Each module exposes one typer command function; ``aptool.cli`` registers it.
The work itself happens in the stage packages (archive, series, base, ...).
"""
