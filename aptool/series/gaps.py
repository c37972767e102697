"""What a series lacks, in one wording for every command that says it.

``aptool base`` prints it, ``apply-series`` refuses with it (or, with
``--allow-incomplete``, warns with it and records it in the branch's note).
"""

from __future__ import annotations

from collections.abc import Iterable

from aptool.series.data import SeriesVersion


def series_gaps(series: SeriesVersion, unresolved: Iterable[str] = ()) -> list[str]:
    """One line per gap: ``the series is incomplete (patch 2/3 missing)``,
    ``declared dependency X could not be resolved``.

    ``unresolved``: the declared dependencies the archive had nothing for
    (:attr:`aptool.base.BaseResult.unresolved`).  An empty list: the series is whole.
    """
    gaps = [f"the series is incomplete ({series.missing_text()})"] if series.missing else []
    gaps += [f"declared dependency {value} could not be resolved" for value in unresolved]
    return gaps
