"""Stage 2 of the data flow: series versions, patches, trailers and mentions."""

from aptool.series.build import fetch_thread, newer_versions, newest_series, parse_thread, require_version
from aptool.series.data import Cover, Dependency, FileChange, Mention, Patch, SeriesVersion, Thread, Trailer
from aptool.series.gaps import series_gaps

__all__ = [
    "Cover",
    "Dependency",
    "FileChange",
    "Mention",
    "Patch",
    "SeriesVersion",
    "Thread",
    "Trailer",
    "fetch_thread",
    "newer_versions",
    "newest_series",
    "parse_thread",
    "require_version",
    "series_gaps",
]
