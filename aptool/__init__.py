"""aptool: find the base of a mailed patch series, apply it, check its locking.

The package follows the data flow: archive -> series -> base -> apply ->
model -> simulate -> report.  ``aptool.cli`` only wires commands to these
stages; every stage is usable from Python.
"""

__version__ = "0.1.0"
