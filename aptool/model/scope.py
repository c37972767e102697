"""Grow a scope of files: add the files that define what they call and what calls them.

A series touches a few files; the lock chain that matters (an ioctl in one
file, a callback in another, the hook in a third) crosses more.  Each round
asks ``git grep`` once where the functions the scope calls but does not
define are defined and where the scope's non-static functions are called,
and once which files use the function-pointer fields the scope stores into
or calls through (``->pqap_hook``: the R path of the fixture).

A field name alone says little: ``.release``, ``->init`` or ``->probe`` are
in hundreds of files.  The files a field's grep finds are modelled, and only
those the lock walk can really reach through the pointer are added, by
(struct, field) as :mod:`aptool.model.pointers` resolves calls: a file that
stores a function into ``S.f`` (or into an ``f`` of a struct that could not
be told) when the scope calls through ``S.f`` (any ``f`` when the call's
struct is unknown), or a file that calls through ``S.f`` (or an ``f`` of an
unknown struct) when the scope stores into ``S.f``.  A bounded number of
rounds, a bounded number of files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aptool.errors import RepositoryError
from aptool.gcpause import paused
from aptool.git.repo import open_repository
from aptool.git.run import commit_id, git, last_line, run
from aptool.model import cache
from aptool.model.data import CodeModel, Function
from aptool.model.load import build_from_sources, read_sources

MAX_FILES = 200
DEPTH = 2
UNKNOWN = "?"  # the struct of a store or a call that could not be told
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")

Field = tuple[str, str]  # (struct, field); the struct is UNKNOWN when it could not be told


def grow_scope(repo: Path, rev: str | None, files: list[str], depth: int = DEPTH) -> list[str]:
    """``files`` (paths in the repository) plus definers of their callees, callers of their
    functions and the files their function-pointer fields reach, ``depth`` rounds.  ``rev`` None:
    the work tree.  Raises :class:`RepositoryError` for a directory that is not a repository or a
    revision that names no commit."""
    open_repository(repo).close()  # "not a git repository: ..." otherwise
    if rev is not None:
        commit = commit_id(repo, rev)
        if commit is None:
            raise RepositoryError(f"unknown revision: {rev}")
        rev = commit
    cached = cache.lookup_scope(repo, rev, files, depth)
    if cached is not None:
        return cached
    with paused():
        return cache.store_scope(repo, rev, files, depth, _grow(repo, rev, list(dict.fromkeys(files)), depth))


def _grow(repo: Path, rev: str | None, scope: list[str], depth: int) -> list[str]:
    model = _model(repo, rev, scope)
    declaring = _c_files(_grep(repo, rev, _declaration_patterns(model)), scope)
    if declaring:  # the types of the files asked about tell the struct of their pointers
        scope += declaring[:MAX_FILES]
        model = _model(repo, rev, scope)
    for step in range(depth):
        if step:
            model = _model(repo, rev, scope)
        wanted = Wanted.of(model)
        candidates = _c_files(_grep(repo, rev, wanted.patterns()), scope)
        new = _c_files(wanted.reached(_model(repo, rev, candidates)), scope)
        if not new:
            break
        scope += new[: MAX_FILES - len(scope)]
    return scope


@dataclass
class Wanted:
    """What a file must have for the scope's lock walk to reach it or be reached from it: a definition
    of a function the scope calls but does not define (``undefined``), a call of one of its non-static
    functions (``public``), a store into a field the scope ``calls`` through, a call through a field
    the scope ``stores`` into."""

    undefined: set[str]
    public: set[str]
    calls: set[Field]
    stores: set[Field]

    @classmethod
    def of(cls, scope: Summary) -> Wanted:
        """What the scope wants of other files."""
        defined = {f.name for f in scope.functions}
        calls = {call for f in scope.functions for call in f.calls}
        undefined = {name for _, name, pointer in calls if not pointer and name not in defined}
        return cls(
            undefined=undefined,
            public={f.name for f in scope.functions if not f.static},
            calls={(struct or UNKNOWN, name) for struct, name, pointer in calls if pointer},
            stores=set(scope.stored),
        )

    def patterns(self) -> list[str]:
        """``git grep -E`` patterns that every file :meth:`reached` keeps matches (and many more)."""
        patterns = []
        undefined, public = _alternatives(self.undefined), _alternatives(self.public)
        fields = _alternatives({name for _, name in self.calls | self.stores})
        if undefined:
            patterns.append(rf"^[A-Za-z_].*\b({undefined})\(")  # a definition starts in column 0
        if public:
            patterns.append(rf"\b({public})\s*\(")
        if fields:  # ``.f`` and ``->f``: a use through a struct, not the declaration in its body
            patterns.append(rf"(\.|->)\s*({fields})\b")
        return patterns

    def reached(self, candidates: Summary) -> set[str]:
        """The files of ``candidates`` (modelled together) the scope's calls and pointers connect to."""
        found = {f.file for f in candidates.functions if f.name in self.undefined}
        for function in candidates.functions:
            for struct, name, pointer in function.calls:
                if pointer:
                    struct = struct or UNKNOWN
                    if any(_same(struct, owner) for owner, field in self.stores if field == name):
                        found.add(function.file)
                elif name in self.public:
                    found.add(function.file)
        for (owner, field), files in candidates.stored.items():
            if any(_same(struct, owner) for struct, name in self.calls if name == field):
                found.update(files)
        return found


@dataclass(frozen=True)
class FunctionSummary:
    """A function as scope growth sees it: where, its name, whether static, and its calls
    (struct or None, callee, through a pointer)."""

    file: str
    name: str
    static: bool
    calls: frozenset[tuple[str | None, str, bool]]


@dataclass
class Summary:
    """What scope growth needs of a model, small enough to keep in the model cache: its functions, the
    pointer fields it stores functions into (with the files of those functions), and the types its
    parameters, locals and globals have that are no struct it saw the body of."""

    functions: list[FunctionSummary]
    stored: dict[Field, set[str]]
    undeclared: set[str]

    @classmethod
    def of(cls, model: CodeModel) -> Summary:
        functions = [
            FunctionSummary(f.file, f.name, f.static, frozenset(_calls_of(f))) for f in model.functions.values()
        ]
        stored: dict[Field, set[str]] = {}
        for key, targets in model.pointer_targets.items():
            owner, dot, field = key.rpartition(".")
            if dot:  # the bare ``field`` keys repeat the ``STRUCT.field`` ones
                files = stored.setdefault((owner, field), set())
                files.update(model.functions[t].file for t in targets if t in model.functions)
        types = set(model.globals.values())
        for function in model.functions.values():
            types.update(function.params.values())
            types.update(function.locals.values())
        return cls(functions, stored, {t for t in types if t and t not in model.structs})


def _declaration_patterns(scope: Summary) -> list[str]:
    """Where the structs the scope uses but never saw the body of are declared (``struct S {``): a
    header its includes did not lead to."""
    names = _alternatives(scope.undeclared)
    return [rf"^\s*(typedef\s+)?struct\s+({names})\s*\{{"] if names else []


def _calls_of(function: Function) -> set[tuple[str | None, str, bool]]:
    """(struct or None, callee, through a pointer) of every call ``function`` makes."""
    return {
        (e.callee_struct if e.via_pointer else None, e.callee, e.via_pointer)
        for e in function.events()
        if e.kind == "call" and e.callee
    }


def _same(call: str, store: str) -> bool:
    """Whether a call through ``call``'s field can reach a store into ``store``'s (the same field name)."""
    return call == store or UNKNOWN in (call, store)


def _c_files(found: set[str], scope: list[str]) -> list[str]:
    return [f for f in sorted(found) if f.endswith((".c", ".h")) and f not in scope]


def _model(repo: Path, rev: str | None, files: list[str]) -> Summary:
    """The summary of the model of ``files`` at ``rev`` (None: the work tree), kept by the model's key."""
    if not files:
        return Summary([], {}, set())
    if rev is not None:
        sources, headers = read_sources(None, repo, rev, files)
    else:
        sources, headers = read_sources([repo / f for f in files], None, None, None)
    found = cache.lookup_summary(sources, headers)
    if found is None:
        found = cache.store_summary(sources, headers, Summary.of(build_from_sources(sources, headers, keep=False)))
    return found


def _alternatives(names: set[str]) -> str:
    return "|".join(n for n in sorted(names) if _IDENTIFIER.match(n))


def _grep(repo: Path, rev: str | None, patterns: list[str]) -> set[str]:
    """The files at ``rev`` (a commit id; None: the work tree) with a line that matches one of ``patterns``.

    With the model cache on, the answer is kept by tree; for a commit whose parent's tree was grepped
    for the same patterns (the hook's patch on its base, the next patch of a series on the last),
    only the files that differ between the two are grepped again.
    """
    if not patterns:
        return set()
    if rev is None or cache.active() is None:
        return _git_grep(repo, rev, patterns, None)
    trees = git(repo, "log", "-1", "--format=%T %P", rev).split()
    found = cache.lookup_grep(trees[0], patterns)
    if found is not None:
        return found
    before = cache.lookup_grep(_tree(repo, trees[1]), patterns) if len(trees) > 1 else None
    if before is None:
        found = _git_grep(repo, rev, patterns, None)
    else:
        out = git(repo, "diff-tree", "-r", "-z", "--name-only", "--no-renames", trees[1], rev)
        changed = [p for p in out.split("\0") if p.endswith((".c", ".h"))]
        found = (before - set(changed)) | (_git_grep(repo, rev, patterns, changed) if changed else set())
    return cache.store_grep(trees[0], patterns, found)


def _tree(repo: Path, commit: str) -> str:
    return git(repo, "log", "-1", "--format=%T", commit).strip()


def _git_grep(repo: Path, rev: str | None, patterns: list[str], paths: list[str] | None) -> set[str]:
    """``git grep -l`` of ``patterns`` at ``rev`` in ``paths`` (None: every C file).

    Perl-compatible patterns where git has them: glibc's ERE takes tens of seconds over a kernel tree
    on an alternation of hundreds of names after ``.*``, PCRE's JIT about one.
    """
    args = ["grep", "-l", "-I"]
    for pattern in patterns:
        args += ["-e", pattern]
    where = [*([rev] if rev is not None else []), "--", *(paths if paths is not None else ["*.c", "*.h"])]
    proc = run(repo, args[0], "-P", *args[1:], *where)
    if proc.returncode > 1:  # a git without PCRE
        proc = run(repo, args[0], "-E", *args[1:], *where)
    if proc.returncode > 1:
        raise RepositoryError(f"git grep failed: {last_line(proc)}")
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if rev is None:
        return set(lines)
    return {line.split(":", 1)[1] for line in lines if ":" in line}
