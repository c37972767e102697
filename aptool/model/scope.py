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
from aptool.git.run import commit_id, last_line, run
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
    def of(cls, model: CodeModel) -> Wanted:
        """What ``model`` (the scope) wants of other files."""
        defined = {f.name for f in model.functions.values()}
        calls = _calls(model)
        undefined = {name for _, name, pointer in calls if not pointer and name not in defined}
        stores = set()
        for key in model.pointer_targets:
            owner, dot, field = key.rpartition(".")
            if dot:  # the bare ``field`` keys repeat the ``STRUCT.field`` ones
                stores.add((owner, field))
        return cls(
            undefined=undefined,
            public={f.name for f in model.functions.values() if not f.static},
            calls={(struct or UNKNOWN, name) for struct, name, pointer in calls if pointer},
            stores=stores,
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

    def reached(self, candidates: CodeModel) -> set[str]:
        """The files of ``candidates`` (modelled together) the scope's calls and pointers connect to."""
        found = {f.file for f in candidates.functions.values() if f.name in self.undefined}
        for function in candidates.functions.values():
            for struct, name, pointer in _calls_of(function):
                if pointer:
                    struct = struct or UNKNOWN
                    if any(_same(struct, owner) for owner, field in self.stores if field == name):
                        found.add(function.file)
                elif name in self.public:
                    found.add(function.file)
        functions = candidates.functions
        for key, targets in candidates.pointer_targets.items():
            owner, dot, field = key.rpartition(".")
            if dot and any(_same(struct, owner) for struct, name in self.calls if name == field):
                found.update(functions[t].file for t in targets if t in functions)
        return found


def _declaration_patterns(model: CodeModel) -> list[str]:
    """Where the structs the scope uses but never saw the body of are declared (``struct S {``): a
    header its includes did not lead to.  The types of its parameters, locals and globals count."""
    types = set(model.globals.values())
    for function in model.functions.values():
        types.update(function.params.values())
        types.update(function.locals.values())
    names = _alternatives({t for t in types if t and t not in model.structs})
    return [rf"^\s*(typedef\s+)?struct\s+({names})\s*\{{"] if names else []


def _calls(model: CodeModel) -> set[tuple[str | None, str, bool]]:
    return {call for f in model.functions.values() for call in _calls_of(f)}


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


def _model(repo: Path, rev: str | None, scope: list[str]) -> CodeModel:
    if not scope:
        return CodeModel(files=[], lines=0, functions={}, structs={}, globals={}, pointer_targets={})
    if rev is not None:
        return build_from_sources(*read_sources(None, repo, rev, scope))
    return build_from_sources(*read_sources([repo / f for f in scope], None, None, None))


def _alternatives(names: set[str]) -> str:
    return "|".join(n for n in sorted(names) if _IDENTIFIER.match(n))


def _grep(repo: Path, rev: str | None, patterns: list[str]) -> set[str]:
    """The files at ``rev`` (None: the work tree) with a line that matches one of ``patterns``.

    Perl-compatible patterns where git has them: glibc's ERE takes tens of seconds over a kernel tree
    on an alternation of hundreds of names after ``.*``, PCRE's JIT about one.
    """
    if not patterns:
        return set()
    args = ["grep", "-l", "-I"]
    for pattern in patterns:
        args += ["-e", pattern]
    where = [*([rev] if rev is not None else []), "--", "*.c", "*.h"]
    proc = run(repo, args[0], "-P", *args[1:], *where)
    if proc.returncode > 1:  # a git without PCRE
        proc = run(repo, args[0], "-E", *args[1:], *where)
    if proc.returncode > 1:
        raise RepositoryError(f"git grep failed: {last_line(proc)}")
    lines = proc.stdout.decode("utf-8", "replace").splitlines()
    if rev is None:
        return set(lines)
    return {line.split(":", 1)[1] for line in lines if ":" in line}
