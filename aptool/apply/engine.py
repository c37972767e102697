"""The apply engine: a plan in, a verified branch out, the user's checkout untouched.

1. Make a sparse scratch worktree detached at the base (``worktree.py``).
2. Apply each mail with ``git am -3`` (``am.py``); after each, check every
   touched file against the mail's post-image blob (``verify.py``).
3. Write the branch and its note in one atomic ref update (``branch.py``).
4. Remove the scratch worktree; with ``worktree=`` add a worktree of the branch.

The user's HEAD, index, work tree, stash and other refs are never written:
all work happens in the scratch worktree, whose HEAD, index and ``git am``
state are its own.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from aptool import __version__
from aptool.apply import isolation, steps
from aptool.apply.am import am_mail, apply_mail
from aptool.apply.branch import (
    NOTES_REF,
    RECORD_KIND,
    check_branch_name,
    checked_out_in,
    make_notes_commit,
    read_note,
    ref_value,
    update_refs,
)
from aptool.apply.plan import ApplyFailure, ApplyPlan, ApplyResult, PatchOutcome
from aptool.apply.progress import Reporter
from aptool.apply.verify import check_postimages, summary
from aptool.apply.worktree import Repository, ScratchWorktree, clean_stale, open_repository
from aptool.errors import AptoolError, RepositoryError
from aptool.git.objects import ObjectReader
from aptool.series.data import Patch

NOTES_ATTEMPTS = 8


def apply_plan(
    plan: ApplyPlan,
    *,
    worktree: Path | str | None = None,
    force: bool = False,
    reporter: Reporter | None = None,
    detached: bool = False,
) -> ApplyResult:
    """Build ``plan.branch`` from ``plan``; raise :class:`ApplyFailure` (exit 1) when a patch fails.

    An existing branch built from the same plan (same base, same mails,
    same trailers) is reported up to date; one built from anything else is
    refused unless ``force``.  ``detached``: apply and verify only; no branch
    and no note are written (the commits exist as objects, for ``aptool check
    <msgid>``), and ``result.branch`` is empty.
    """
    started = time.monotonic()
    reporter = reporter or Reporter()
    if not plan.patches:
        raise AptoolError("nothing to apply: the plan has no patches")
    repo = open_repository(plan.repo)
    base = _commit(repo, plan.base)
    ref = "" if detached else check_branch_name(repo, plan.branch)
    keep_at = None if detached else _worktree_target(worktree)
    clean_stale(repo)  # whatever this run does, a killed run's leftovers go

    mails = [am_mail(patch, plan.linkmask, repo.cwd) for patch in plan.patches]
    fingerprint = _fingerprint(base, plan.exact, mails)
    old_tip = ref_value(repo, ref) if ref else None
    if old_tip is not None:
        recorded = read_note(repo, old_tip)
        if not force:
            if recorded is not None and recorded.get("fingerprint") == fingerprint:
                return _up_to_date(repo, plan, ref, old_tip, recorded, keep_at, started)
            why = (
                "was built from another base, other patches or other trailers"
                if recorded is not None
                else "was not built by aptool (its tip has no aptool record)"
            )
            raise AptoolError(
                f"branch {plan.branch} exists and {why}; use --force to rebuild it, or --branch to choose another name"
            )
        holder = checked_out_in(repo, ref)
        if holder is not None:
            raise AptoolError(f"branch {plan.branch} is checked out in {holder}; not moving it under a checkout")

    env = isolation.committer_env(repo.cwd)
    touched = [path for patch in plan.patches for change in patch.files for path in (change.path, change.old_path)]
    outcomes: list[PatchOutcome] = []
    reporter.stage(f"Making a scratch worktree at {base[:12]}")
    try:
        with ScratchWorktree(repo, base, touched, env) as wt, ObjectReader(repo.cwd) as reader:
            steps.checkpoint("worktree")
            total = len(plan.patches)
            reporter.begin(total)
            series_base = commit = base
            for index, (patch, mail) in enumerate(zip(plan.patches, mails, strict=True)):
                reporter.patch_started(index, total, patch)
                outcome = _apply_one(wt, reader, patch, mail, index, commit, plan)
                outcomes.append(outcome)
                commit = outcome.commit
                if index + 1 == plan.prerequisites:
                    series_base = commit
                reporter.patch_done(index, total, outcome)
                steps.checkpoint(f"am:{index + 1}")
            tip = outcomes[-1].commit
            steps.checkpoint("applied")

            record = _record(plan, base, series_base, tip, outcomes, fingerprint)
            if not detached:
                reporter.stage(f"Writing {plan.branch}")
                for attempt in range(NOTES_ATTEMPTS):  # another apply-series may move the notes ref meanwhile
                    notes = make_notes_commit(repo, tip, record, env, wt.state_path("aptool-notes-index"))
                    try:
                        update_refs(repo, ref, tip, old_tip, notes, f"aptool apply-series: {plan.branch}")
                        break
                    except RepositoryError:
                        if attempt + 1 == NOTES_ATTEMPTS or ref_value(repo, NOTES_REF) == notes[1]:
                            raise  # not a lost race on the notes ref: the branch itself moved, or too many tries
                steps.checkpoint("ref-updated")
            reporter.stage("Removing the scratch worktree")
    finally:
        reporter.close()

    result = ApplyResult(
        branch="" if detached else plan.branch,
        tip=tip,
        base=base,
        exact=plan.exact,
        status="detached" if detached else "rebuilt" if old_tip else "built",
        patches=outcomes,
        series_base=series_base,
        record=record,
    )
    if keep_at is not None:
        result.worktree = _keep_worktree(repo, keep_at, ref, result)
    result.seconds = time.monotonic() - started
    return result


def _apply_one(
    wt: ScratchWorktree, reader: ObjectReader, patch: Patch, mail: bytes, index: int, parent: str, plan: ApplyPlan
) -> PatchOutcome:
    """Apply one mail on the scratch HEAD and check its post-images; exact plans fail on a mismatch."""
    applied = apply_mail(wt, patch, mail, index + 1, fallbacks=not plan.exact)
    commit = wt.head()
    checks = check_postimages(reader, commit, parent, patch)
    state = summary(checks)
    if plan.exact and state == "differs":
        bad = [c for c in checks if c.status == "differs"]
        raise ApplyFailure(
            "the patch applied, but the result is not its post-image",
            patch=patch,
            files=[c.path for c in bad],
            detail="\n".join(
                f"{c.path}: the mail's post-image is {c.expected or '(deleted)'}, "
                f"the tree holds {c.actual[:12] if c.actual else '(no file)'}"
                for c in bad
            ),
        )
    return PatchOutcome(
        message_id=patch.message_id,
        subject=patch.subject,
        commit=commit,
        method=applied.method,
        postimage=state,
        prerequisite=index < plan.prerequisites,
        files=checks,
        offsets=applied.offsets,
    )


def _commit(repo: Repository, rev: str) -> str:
    proc = isolation.run(repo.cwd, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", scratch=False)
    if proc.returncode != 0:
        raise RepositoryError(f"base {rev} is not a commit in {repo.path}")
    return proc.stdout.decode().strip()


def _worktree_target(worktree: Path | str | None) -> Path | None:
    if worktree is None:
        return None
    target = Path(worktree).expanduser().absolute()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise AptoolError(f"--worktree {target}: exists and is not an empty directory")
    return target


def _fingerprint(base: str, exact: bool, mails: list[bytes]) -> str:
    digest = hashlib.sha256(f"{base}\n{'exact' if exact else 'closest'}\n".encode())
    for mail in mails:
        digest.update(hashlib.sha256(mail).digest())
    return digest.hexdigest()


def _record(
    plan: ApplyPlan, base: str, series_base: str, tip: str, outcomes: list[PatchOutcome], fingerprint: str
) -> dict:
    record = dict(plan.record)
    record.update(
        {
            "kind": RECORD_KIND,
            "format": 1,
            "aptool": __version__,
            "branch": plan.branch,
            "base": base,
            "exact": plan.exact,
            "series_base": series_base,
            "tip": tip,
            "patches": [
                {
                    "message_id": o.message_id,
                    "subject": o.subject,
                    "commit": o.commit,
                    "method": o.method,
                    "postimage": o.postimage,
                    "prerequisite": o.prerequisite,
                    "offsets": o.offsets,
                }
                for o in outcomes
            ],
            "fingerprint": fingerprint,
        }
    )
    return record


def _up_to_date(
    repo: Repository, plan: ApplyPlan, ref: str, tip: str, record: dict, keep_at: Path | None, started: float
) -> ApplyResult:
    outcomes = [
        PatchOutcome(
            message_id=p.get("message_id", ""),
            subject=p.get("subject", ""),
            commit=p.get("commit", ""),
            method=p.get("method", ""),
            postimage=p.get("postimage", ""),
            prerequisite=bool(p.get("prerequisite")),
        )
        for p in record.get("patches", [])
    ]
    result = ApplyResult(
        branch=plan.branch,
        tip=tip,
        base=record.get("base", ""),
        exact=bool(record.get("exact")),
        status="up-to-date",
        patches=outcomes,
        series_base=record.get("series_base", ""),
        record=record,
    )
    if keep_at is not None:
        result.worktree = _keep_worktree(repo, keep_at, ref, result)
    result.seconds = time.monotonic() - started
    return result


def _keep_worktree(repo: Repository, target: Path, ref: str, result: ApplyResult) -> str | None:
    """A worktree of the branch at ``target``; the branch stays as built when that fails."""
    holder = checked_out_in(repo, ref)
    if holder is not None:
        if Path(holder) != target:
            result.notes.append(f"{result.branch} is already checked out in {holder}; no worktree made at {target}")
        return holder
    branch = ref[len("refs/heads/") :] if ref.startswith("refs/heads/") else ref
    proc = isolation.run(
        repo.cwd, "-c", "core.hooksPath=/dev/null", "worktree", "add", "--quiet", str(target), branch, scratch=False
    )
    if proc.returncode != 0:
        raise RepositoryError(
            f"{result.branch} is built, but the worktree at {target} could not be made: {isolation.last_line(proc)}"
        )
    return str(target)
