"""Stage 4 of the data flow: apply a series on its base, in a scratch worktree, into a verified branch.

``apply_plan`` takes a plain :class:`ApplyPlan` (repository, base commit,
patches in order, branch name) and does not care how the base was found;
``apply_thread`` glues ``aptool.base.find_base`` to it, as ``aptool
apply-series`` does.
"""

from aptool.apply.branch import NOTES_REF, read_record
from aptool.apply.engine import apply_plan
from aptool.apply.plan import (
    ApplyFailure,
    ApplyPlan,
    ApplyResult,
    FileCheck,
    PatchOutcome,
    default_branch,
    subject_slug,
)

__all__ = [
    "NOTES_REF",
    "ApplyFailure",
    "ApplyPlan",
    "ApplyResult",
    "FileCheck",
    "PatchOutcome",
    "apply_plan",
    "default_branch",
    "read_record",
    "subject_slug",
]
