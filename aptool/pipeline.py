"""The data flow as library calls: thread -> base -> branch -> models (baseline and tip) -> findings.

Commands, the demo and the git hook call these; none of them composes the
stages itself.  Every function takes and returns plain data and raises
:class:`aptool.errors.AptoolError` (one line for the user) for bad input.

Mail side:

- :func:`open_series` -- a Message-ID (or URL) to its thread, from the archive asked for;
- :func:`series_base` -- the exact base and prerequisites of the thread's series;
- :func:`apply_series` -- the verified branch (or, ``detached``, only its commits).

Check side:

- :func:`check_revisions` -- **check a revision (or the work tree) for some paths against a
  baseline revision**.  This is the one the hook calls: ``tip=None`` is the work tree,
  :func:`index_commit` turns the index (staged changes) into a commit to pass as ``tip``,
  ``paths=None`` means the C files that differ between baseline and tip, grown by their
  call neighbourhood (``grow``).
- :func:`check_branch` -- a branch made by ``apply-series``: its baseline comes from its note.
- :func:`check_thread` -- a Message-ID: base + apply in a throw-away worktree + check, no branch left.
- :func:`check_paths` -- plain C files or directories, no git, no baseline.
- :func:`compare` -- findings at the tip against findings at the baseline: new, fixed, kept.

Each returns a :class:`CheckResult`; its ``exit_code`` is 0 when nothing is
new (without a baseline: when nothing is found), 1 otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aptool.errors import AptoolError, MailError, RepositoryError
from aptool.gcpause import paused
from aptool.git.run import commit_id, git, git_ok

# The check side (checks, models, tree-sitter, networkx) is imported where it is used,
# so that the mail side (``aptool base``, ``apply-series``) starts without it.
if TYPE_CHECKING:
    from aptool.apply.plan import ApplyResult
    from aptool.apply.progress import Reporter
    from aptool.archive import Archive
    from aptool.base import BaseResult
    from aptool.checks import Finding
    from aptool.model.data import CodeModel, ParseError, Site
    from aptool.series import Thread

C_SUFFIXES = (".c", ".h")


# -- mail side ---------------------------------------------------------------------------------


@dataclass
class SeriesSource:
    """A thread and the archive it came from (prerequisites are searched there too)."""

    msgid: str
    thread: Thread
    archive: Archive


def open_series(
    msgid: str,
    archive: Archive | str | Path | None = None,
    *,
    repo: Path | None = None,
    timeout: float = 30.0,
    use_cache: bool = True,
) -> SeriesSource:
    """The thread of ``msgid`` (``<id>``, ``id``, or an archive URL, which names its archive).

    ``archive``: an open archive, a URL or a local mbox/maildir path; None:
    the URL's own archive, else the configured one.  A message of the thread
    that cannot be read is a :class:`MailError` when it is the one asked for.
    """
    from aptool.archive import normalize_msgid, open_archive
    from aptool.archive.msgid import archive_from_url
    from aptool.series import fetch_thread

    wanted = normalize_msgid(msgid)
    if archive is None or isinstance(archive, (str, Path)):
        location = str(archive) if archive is not None else archive_from_url(msgid)
        source = open_archive(location, repo=repo, timeout=timeout, use_cache=use_cache)
    else:
        source = archive
    thread = fetch_thread(source, wanted, repo=repo if repo is not None and repo.is_dir() else None)
    if wanted in thread.problems:
        raise MailError(thread.problems[wanted])
    return SeriesSource(wanted, thread, source)


def series_base(
    repo: Path,
    series: SeriesSource,
    *,
    version: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BaseResult:
    """The exact base commit of the series (newest version unless ``version``) and its prerequisites."""
    from aptool.base import find_base

    return find_base(repo, series.thread, version=version, archive=series.archive, progress=progress)


def apply_series(
    repo: Path,
    series: SeriesSource,
    *,
    version: int | None = None,
    branch: str | None = None,
    worktree: Path | str | None = None,
    force: bool = False,
    closest: bool = False,
    reporter: Reporter | None = None,
    detached: bool = False,
    allow_incomplete: bool = False,
) -> ApplyResult:
    """Base, prerequisites and series applied and verified; a branch with its note unless ``detached``.

    Without ``closest``, a series with no exact base fails (exit 1) naming the
    file and blob that could not be found.  Without ``allow_incomplete``, a
    series that lacks a patch or a declared dependency fails (exit 1) naming
    what is missing; with it, the gaps are recorded in the branch's note and
    said in the result.  ``detached`` leaves no branch, no note and no
    worktree: the result's ``series_base`` and ``tip`` are commits that only
    objects hold (what ``aptool check <msgid>`` needs).
    """
    from aptool.apply.engine import apply_plan
    from aptool.apply.plan import ApplyFailure
    from aptool.apply.thread import incomplete, linkmask_for, no_exact_base, plan_from_base
    from aptool.series import newer_versions, series_gaps

    found = series_base(repo, series, version=version, progress=reporter.indexing if reporter is not None else None)
    gaps = series_gaps(found.series, found.unresolved)
    if gaps and not allow_incomplete:
        raise ApplyFailure(
            incomplete(found, gaps),
            detail="use --allow-incomplete to build it anyway (the gap is recorded in the branch's note)",
        )
    if not found.exact and not closest:
        line, unmet = no_exact_base(found, series.thread.root)
        raise ApplyFailure(line, detail=unmet)
    plan = plan_from_base(repo, found, branch=branch, linkmask=linkmask_for(repo, series.archive.location))
    plan.record["archive"] = series.archive.location
    plan.record["thread"] = series.thread.root
    if gaps:
        plan.record["incomplete"] = gaps
    result = apply_plan(plan, worktree=worktree, force=force, reporter=reporter, detached=detached)
    result.notes += [f"warning: {gap}; built anyway (--allow-incomplete)" for gap in gaps]
    taken = [p for p in found.series.patches if p.from_version is not None]
    if taken:
        result.notes.append(
            f"v{found.series.version} is a partial re-roll; taken from earlier versions: "
            + ", ".join(f"{p.counter}/{p.total} (v{p.from_version}, <{p.message_id}>)" for p in taken)
        )
    result.notes += [f"note: {text}" for text in newer_versions(series.thread, found.series)]
    return result


# -- check side --------------------------------------------------------------------------------


@dataclass
class CheckResult:
    """Findings with their status, and what was checked against what.

    ``findings``: ``new`` and ``kept`` ones as found at the tip, ``fixed``
    ones as found at the baseline.  ``baseline`` is None when there was
    none (then every finding is ``new``); ``baseline_reason`` says where it
    came from or why there is none.
    """

    findings: list[Finding]
    tip: str  # a commit id, or "work tree", or the paths checked
    baseline: str | None
    baseline_reason: str
    files: list[str] = field(default_factory=list)
    lines: int = 0
    functions: int = 0
    checks: list[str] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)
    lost_functions: list[Site] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def with_status(self, status: str) -> list[Finding]:
        return [f for f in self.findings if f.status == status]

    @property
    def exit_code(self) -> int:
        """0: nothing new (without a baseline: nothing found); 1: something new (a note, such as a
        cycle the simulator refuted, is reported but fails nothing)."""
        from aptool.checks.findings import NEW

        return 1 if any(f.level != "note" for f in self.with_status(NEW)) else 0

    def stats(self) -> dict[str, Any]:
        from aptool.checks.deadlock import stats as deadlock_stats
        from aptool.checks.findings import FIXED, KEPT, NEW

        return {
            "tip": self.tip,
            "baseline": self.baseline,
            "baseline_reason": self.baseline_reason,
            "checks": self.checks,
            "files": len(self.files),
            "lines": self.lines,
            "functions": self.functions,
            "new": len(self.with_status(NEW)),
            "fixed": len(self.with_status(FIXED)),
            "kept": len(self.with_status(KEPT)),
            "parse_errors": len(self.parse_errors),
            "files_with_parse_errors": len({e.file for e in self.parse_errors}),
            "lost_functions": len(self.lost_functions),
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
            **({"deadlock": deadlock_stats(self.findings)} if "deadlock" in self.checks else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document: ``{"findings": [...], "stats": {...}}``."""
        return {"findings": [f.to_dict() for f in self.findings], "stats": self.stats()}


def find(model: CodeModel, select: Iterable[str] | None = None, *, uncertain: bool = False) -> list[Finding]:
    """The selected checks' findings on one model (read back from the model cache where it is on);
    ``uncertain``: also those that rest on a pointer call resolved by field name alone."""
    from aptool.checks import CheckContext, run_checks
    from aptool.model import cache as model_cache

    chosen = list(select) if select is not None else None
    variant = [*(chosen or ["*"]), "uncertain"] if uncertain else chosen
    cached = model_cache.lookup_findings(model, variant)
    if cached is not None:
        return cached
    context = CheckContext(model, uncertain=uncertain)
    with paused():  # the checks allocate much and make few cycles; a collection would walk the whole model
        found = run_checks(context, chosen)
    if "lockset" in vars(context):  # the held-lock walk was made: free it by reference counting
        context.lockset.release()
    return model_cache.store_findings(model, variant, found)


def compare(tip: list[Finding], baseline: list[Finding] | None) -> list[Finding]:
    """Mark each finding new, kept or fixed by its key (check id + lock classes, never a line).

    With no baseline every finding is new.  A new cycle is told from the
    dependency the tip added: that one "closes" it, as in lockdep's report.
    """
    from aptool.checks.circular_locking import describe
    from aptool.checks.findings import FIXED, KEPT, NEW, CircularLocking

    if baseline is None:
        for finding in tip:
            finding.status = NEW
        return tip
    before = {f.key(): f for f in baseline}
    after = {f.key() for f in tip}
    old_edges = {(c.held, c.acquired) for f in baseline for c in f.chains}
    for finding in tip:
        finding.status = KEPT if finding.key() in before else NEW
        if finding.status == NEW and isinstance(finding, CircularLocking):
            added = [i for i, c in enumerate(finding.chains) if (c.held, c.acquired) not in old_edges]
            if added:
                describe(finding, added[0])
    fixed = [f for f in baseline if f.key() not in after]
    for finding in fixed:
        finding.status = FIXED
    order = {NEW: 0, FIXED: 1, KEPT: 2}
    return sorted(tip + fixed, key=lambda f: order[f.status])


def check_paths(paths: list[Path], *, select: Iterable[str] | None = None, uncertain: bool = False) -> CheckResult:
    """Plain C files or directories, without git: every finding is new; an empty directory checks nothing."""
    from aptool.checks import select_checks
    from aptool.model import build_model

    started = time.monotonic()
    checks = [c.id for c in select_checks(select)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise AptoolError(f"no such file or directory: {missing[0]}")
    label = " ".join(str(p) for p in paths)
    if not any(p.is_file() or _has_c_files(p) for p in paths):
        return CheckResult([], label, None, "none: plain files", checks=checks, notes=[f"no C files in {label}"])
    with paused():  # one pause for model and checks: none of the model's objects is walked in between
        model = build_model(paths)
        found = find(model, checks, uncertain=uncertain)
        result = _result(found, model, label, None, "none: plain files, no git", checks)
        del model  # freed here, by reference counting: the collector, back on, does not walk it
    result.seconds = time.monotonic() - started
    return result


def check_revisions(
    repo: Path,
    tip: str | None,
    baseline: str | None,
    paths: list[str] | None = None,
    *,
    grow: bool = True,
    select: Iterable[str] | None = None,
    baseline_reason: str = "",
    uncertain: bool = False,
) -> CheckResult:
    """Check ``tip`` (a revision; None: the work tree) for ``paths`` against ``baseline`` (a revision or None).

    ``paths`` are paths in the repository; None: the C files that differ
    between ``baseline`` and ``tip`` (every C file when there is no
    baseline).  With ``grow`` the files that define their callees, call them
    or use their function-pointer fields are added, at both revisions, so
    both models cover the same scope.  Raises :class:`RepositoryError` for a
    revision that does not exist.
    """
    from aptool.checks import select_checks
    from aptool.model import grow_scope

    started = time.monotonic()
    checks = [c.id for c in select_checks(select)]
    repo = _toplevel(repo)
    tip_id = _commit(repo, tip) if tip is not None else None
    base_id = _commit(repo, baseline) if baseline is not None else None
    label = tip_id or "work tree"
    if paths is None:
        paths = _changed_c_files(repo, base_id, tip_id) if base_id is not None else None
        if paths == []:
            reason = baseline_reason or f"--baseline {baseline}"
            note = f"no C file differs between {base_id[:12] if base_id else ''} and {label[:12]}"
            return CheckResult([], label, base_id, reason, checks=checks, notes=[note])
    scope = paths
    if paths is not None and grow:
        scope = list(paths)
        for rev in (tip_id, base_id) if base_id is not None else (tip_id,):
            present = _present(repo, rev, paths)
            if present:
                scope += [f for f in grow_scope(repo, rev, present) if f not in scope]
    tip_model = _model(repo, tip_id, scope)
    tip_findings = find(tip_model, checks, uncertain=uncertain)
    base_findings = find(_model(repo, base_id, scope), checks, uncertain=uncertain) if base_id is not None else None
    reason = baseline_reason or (f"--baseline {baseline}" if baseline is not None else "none")
    result = _result(compare(tip_findings, base_findings), tip_model, label, base_id, reason, checks)
    result.seconds = time.monotonic() - started
    return result


def check_branch(
    repo: Path,
    rev: str = "HEAD",
    *,
    baseline: str | None = None,
    paths: list[str] | None = None,
    grow: bool = True,
    select: Iterable[str] | None = None,
    uncertain: bool = False,
) -> CheckResult:
    """``rev`` against ``baseline``; without one, the series base in the note ``apply-series`` left.

    Failing that, the merge base with the branch's upstream; failing that,
    no baseline (every C file at ``rev`` is checked, every finding is new).
    The result's ``baseline_reason`` says which.
    """
    from aptool.apply.branch import read_record

    repo = _toplevel(repo)
    tip = _commit(repo, rev)
    reason = f"--baseline {baseline}" if baseline is not None else ""
    if baseline is None:
        record = read_record(repo, tip)
        if record is not None:
            annotated, data = record
            baseline = data.get("series_base") or data.get("base")
            reason = f"the series base recorded by aptool apply-series on {annotated[:12]} ({data.get('branch', '')})"
            if baseline and not git_ok(repo, "cat-file", "-e", f"{baseline}^{{commit}}"):
                raise RepositoryError(f"the recorded series base {baseline} is not in this repository")
    if baseline is None:
        upstream = _upstream(repo, rev)
        if upstream is not None:
            baseline = git(repo, "merge-base", tip, upstream).strip() or None
            reason = f"the merge base with {upstream} (no aptool apply-series record on {rev})"
    if baseline is None:
        reason = f"none: no aptool apply-series record on {rev} and no upstream; every C file is checked"
    return check_revisions(
        repo, tip, baseline, paths, grow=grow, select=select, baseline_reason=reason, uncertain=uncertain
    )


def check_thread(
    repo: Path,
    series: SeriesSource,
    *,
    version: int | None = None,
    closest: bool = False,
    grow: bool = True,
    select: Iterable[str] | None = None,
    reporter: Reporter | None = None,
    uncertain: bool = False,
) -> CheckResult:
    """Base + apply in a throw-away worktree + check the series against its own base; no branch is left."""
    applied = apply_series(repo, series, version=version, closest=closest, reporter=reporter, detached=True)
    prerequisites = len(applied.patches) - _own(applied)
    reason = f"the series base: {applied.base[:12]}" + (
        f" + {prerequisites} prerequisite patch(es)" if prerequisites else ""
    )
    result = check_revisions(
        repo,
        applied.tip,
        applied.series_base,
        None,
        grow=grow,
        select=select,
        baseline_reason=reason,
        uncertain=uncertain,
    )
    result.notes.insert(0, f"applied {len(applied.patches)} patch(es) of <{series.thread.root}> without a branch")
    return result


def index_commit(repo: Path) -> str:
    """A commit (parent HEAD) holding the index: pass it as ``tip`` to check staged changes.

    Only objects are written; no ref, the index and the work tree stay as they are.
    """
    tree = git(repo, "write-tree").strip()
    parents = ["-p", "HEAD"] if git_ok(repo, "rev-parse", "--verify", "--quiet", "HEAD") else []
    env_ok = git_ok(repo, "var", "GIT_COMMITTER_IDENT")
    identity = [] if env_ok else ["-c", "user.name=aptool", "-c", "user.email=aptool@localhost"]
    return git(repo, *identity, "commit-tree", tree, *parents, "-m", "aptool: the index").strip()


# -- helpers -----------------------------------------------------------------------------------


def _own(applied: ApplyResult) -> int:
    return sum(not p.prerequisite for p in applied.patches)


def _result(
    findings: list[Finding], model: CodeModel, tip: str, baseline: str | None, reason: str, checks: list[str]
) -> CheckResult:
    return CheckResult(
        findings=findings,
        tip=tip,
        baseline=baseline,
        baseline_reason=reason,
        files=model.files,
        lines=model.lines,
        functions=len(model.functions),
        checks=checks,
        parse_errors=list(model.parse_errors),
        lost_functions=list(model.lost_functions),
    )


def _has_c_files(path: Path) -> bool:
    return path.is_dir() and any(p.suffix in C_SUFFIXES and p.is_file() for p in path.rglob("*"))


def _toplevel(repo: Path) -> Path:
    repo = Path(repo)
    if not repo.is_dir() or not git_ok(repo, "rev-parse", "--git-dir"):
        raise RepositoryError(f"not a git repository: {repo}")
    top = git(repo, "rev-parse", "--show-toplevel", check=False).strip()
    return Path(top) if top else repo


def _commit(repo: Path, rev: str) -> str:
    full = commit_id(repo, rev)
    if full is None:
        raise RepositoryError(f"unknown revision: {rev}")
    return full


def _upstream(repo: Path, rev: str) -> str | None:
    name = rev if rev != "HEAD" else git(repo, "rev-parse", "--abbrev-ref", "HEAD", check=False).strip()
    if not name or name == "HEAD":
        return None
    if not git_ok(repo, "rev-parse", "--verify", "--quiet", f"{name}@{{upstream}}"):
        return None
    return git(repo, "rev-parse", "--abbrev-ref", f"{name}@{{upstream}}").strip() or None


def _changed_c_files(repo: Path, baseline: str, tip: str | None) -> list[str]:
    args = ["diff", "--name-only", "--no-renames", baseline] + ([tip] if tip is not None else [])
    return [p for p in git(repo, *args, "--").splitlines() if p.endswith(C_SUFFIXES)]


def _present(repo: Path, rev: str | None, paths: list[str]) -> list[str]:
    """The C files of ``paths`` that exist at ``rev`` (None: in the work tree)."""
    if rev is None:
        return [p for p in paths if (repo / p).is_file() and p.endswith(C_SUFFIXES)]
    listed = git(repo, "ls-tree", "-r", "--name-only", "--full-tree", rev, "--", *paths).splitlines()
    return [p for p in listed if p.endswith(C_SUFFIXES)]


def _model(repo: Path, rev: str | None, scope: list[str] | None) -> CodeModel:
    """The model of ``scope`` at ``rev`` (None: the work tree); an empty model when none of it exists there."""
    from aptool.model import build_model

    if rev is None:
        files = [repo / f for f in scope] if scope is not None else [repo]
        present = [f for f in files if f.exists()]
        if not present:
            return _empty()
        try:
            return build_model(present)
        except AptoolError:
            return _empty()
    listed = git(repo, "ls-tree", "-r", "--name-only", "--full-tree", rev, "--", *(scope or [])).splitlines()
    if not any(p.endswith(C_SUFFIXES) for p in listed):
        return _empty()
    return build_model(repo=repo, rev=rev, files=scope)


def _empty() -> CodeModel:
    from aptool.model.data import CodeModel

    return CodeModel(files=[], lines=0, functions={}, structs={}, globals={}, pointer_targets={})
