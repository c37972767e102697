"""Stage 7 of the data flow: findings as a reviewer reads them.

``lockdep`` prints text laid out as lockdep's splats (coloured on a
terminal); ``jsondoc`` the ``--json`` document; ``sarif`` a SARIF 2.1.0 log
with one rule per registered check.  None of them knows which check made a
finding: they print what :class:`aptool.checks.findings.Finding` carries.
"""
