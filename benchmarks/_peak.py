"""Run the aptool command line, then print the process's peak resident memory (kB) on stderr.

Used by the benchmarks to measure one aptool run without counting the benchmark itself.
"""

from __future__ import annotations

import resource
import sys

from aptool.cli import main

try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = 0
print(f"peak-rss-kb {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code)
