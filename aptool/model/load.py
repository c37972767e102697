"""Build a :class:`CodeModel` from files on disk or from blobs at a git revision.

The order matters and is the reason this module exists: parse every file;
collect declarations from all of them and the headers they include; list
the fields wait conditions read; build every function against all that;
then the cross-file steps (pointer targets, call targets, flags, entries).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from tree_sitter import Node as TSNode

from aptool.errors import AptoolError, RepositoryError
from aptool.git.repo import Repository, open_repository
from aptool.git.run import commit_id, git
from aptool.model import cache
from aptool.model.data import CodeModel, Function, ParseError, Site
from aptool.model.declarations import Declarations, FileFacts, collect, merge
from aptool.model.entries import mark_entries
from aptool.model.flags import mark_flags, wait_fields
from aptool.model.functions import Candidate, FunctionBuilder
from aptool.model.headers import include_roots, included_headers, tree_top
from aptool.model.parse import MAX_TREE_DEPTH, Parsed, error_lines, function_bodies, parse_file, salvage
from aptool.model.pointers import NameIndex, pointer_targets, resolve_calls
from aptool.model.recording import Reads, Recorder, Writes, flags_still_valid, replay, still_valid
from aptool.model.resolve import Resolver

C_SUFFIXES = (".c", ".h")
_NAME_BEFORE = re.compile(rb"(\w+)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)?[^()]*$")


def read_sources(
    paths: list[Path] | None, repo: Path | None, rev: str | None, files: list[str] | None
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(sources, headers): path -> bytes, from the work tree or from ``rev`` without a checkout.

    Headers are the ones the sources include, read for their declarations only.
    """
    if rev is not None:
        return _read_revision(repo or Path("."), rev, files)
    sources: dict[str, bytes] = {}
    for path in paths or [Path(".")]:
        if not path.exists():
            raise AptoolError(f"no such file or directory: {path}")
        found = (
            sorted(p for p in path.rglob("*") if p.suffix in C_SUFFIXES and p.is_file()) if path.is_dir() else [path]
        )
        for file in found:
            try:
                sources[str(file)] = file.read_bytes()
            except OSError as err:
                raise AptoolError(f"cannot read {file}: {err.strerror}") from None
    if not sources:  # directories without C files: an empty model
        return sources, {}
    top = tree_top(Path(next(iter(sources))).resolve().parent)
    roots: list[str] = []
    if top is not None:
        candidates = [
            top / "include",
            top / "include/uapi",
            *top.glob("arch/*/include"),
            *top.glob("arch/*/include/uapi"),
        ]
        roots = include_roots(str(top), [str(p.relative_to(top)) for p in candidates if p.is_dir()])
    resolved = {str(Path(p).resolve()): d for p, d in sources.items()}
    headers = included_headers(resolved, _is_file, _read_or_empty, roots)
    return sources, {p: d for p, d in headers.items() if p not in resolved}


def _is_file(path: str) -> bool:
    """Whether ``path`` names a readable file; a name too long or with a NUL byte names none."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def _read_or_empty(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def _read_revision(repo: Path, rev: str, files: list[str] | None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    commit = _commit(repo, rev)
    if commit is None:
        open_repository(repo).close()  # "not a git repository: ..." when that is why
        raise RepositoryError(f"unknown revision: {rev}")
    blobs, roots = _tree_listing(repo, commit)
    if files:
        wanted = [p for p in _under(repo, commit, blobs, files) if p.endswith(C_SUFFIXES)]
        if not wanted:
            raise AptoolError(f"no C files at {rev} under: {' '.join(files)}")
    else:
        wanted = [p for p in blobs if p.endswith(C_SUFFIXES)]

    shared = cache.active()
    opened = None if shared is not None else open_repository(repo)  # one cat-file for this call

    def read(path: str) -> bytes:
        oid = blobs.get(path)
        return _read_blob(repo, oid if oid is not None else f"{commit}:{path}", opened)

    try:
        sources = {path: read(path) for path in wanted}
        headers = included_headers(sources, blobs.__contains__, read, list(roots))
    finally:
        if opened is not None:
            opened.close()
    return sources, headers


_FULL_ID = re.compile(r"^[0-9a-f]{40}$")


@functools.lru_cache(maxsize=256)
def _commit_by_id(repo: Path, rev: str) -> str | None:
    return commit_id(repo, rev)


def _commit(repo: Path, rev: str) -> str | None:
    """``rev``'s commit id; a full id is asked of git once per process (what it names never changes)."""
    return _commit_by_id(repo, rev) if _FULL_ID.match(rev) else commit_id(repo, rev)


def _under(repo: Path, commit: str, blobs: dict[str, str], files: list[str]) -> list[str]:
    """The paths at ``commit`` that ``files`` name (a path, or a directory and everything below it);
    git's own pathspec answers for anything else (a glob, a magic signature)."""
    if any(f.startswith(":") or any(c in f for c in "*?[\\") for f in files):
        return git(repo, "ls-tree", "-r", "--name-only", "--full-tree", commit, "--", *files).splitlines()
    named = {f.strip("/") for f in files}
    found = []
    for path in blobs:
        parts = path.split("/")
        if any("/".join(parts[:i]) in named for i in range(1, len(parts) + 1)):
            found.append(path)
    return found


def _read_object(repo: Path, spec: str, opened: Repository | None) -> bytes:
    """An object by id (or ``<commit>:<path>``), through ``opened`` or, while the model cache is on,
    the one ``cat-file`` it keeps per repository for as long as it is on.  What a kept ``cat-file``
    answers is the object, since ids name content; one that has no answer (the repository was
    replaced) is asked again afresh."""
    if opened is not None:
        return opened.read(spec) or b""
    kept = cache.active()
    assert kept is not None
    key = str(repo)
    reader = kept.repositories.get(key)
    data = reader.read(spec) if reader is not None else None
    if data is None:
        if reader is not None:
            reader.close()
        kept.repositories[key] = reader = open_repository(repo)
        data = reader.read(spec)
    return data or b""


_BLOBS: dict[str, bytes] = {}  # blob id -> content, read once per process (both sides of a check share most)
_BLOB_BYTES = 256 << 20  # a bound on what is kept
_kept_bytes = [0]


def _read_blob(repo: Path, oid: str, opened: Repository | None) -> bytes:
    data = _BLOBS.get(oid)
    if data is None:
        data = _read_object(repo, oid, opened)
        if _kept_bytes[0] + len(data) > _BLOB_BYTES:
            _BLOBS.clear()
            _kept_bytes[0] = 0
        _BLOBS[oid] = data
        _kept_bytes[0] += len(data)
    return data


class LazyModel:
    """A model of files modelled before (:func:`aptool.model.cache.model_known`), built again from the
    files' kept parts when an attribute is first read; the checks' findings on it are usually kept by
    its key, and then nothing reads it."""

    def __init__(self, build: Callable[[], CodeModel]) -> None:
        self._build: Callable[[], CodeModel] | None = build
        self._model: CodeModel | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_build", "_model"):
            raise AttributeError(name)
        if self._model is None:
            assert self._build is not None
            self._model, self._build = self._build(), None
        return getattr(self._model, name)


@dataclass
class FileBuild:
    """One source file's functions and what goes with them, before the cross-file steps (call targets,
    flags, entries) change them."""

    functions: list[Function]
    candidates: list[Candidate]  # their lock classes already resolved
    passed: set[tuple[str, str]]
    stores: list[tuple[str, str]]  # the functions' own stores, after the file's initialisers
    errors: list[ParseError]
    lost: list[Site]


@dataclass
class FileEntry:
    """One source file's part of a model, kept in the model cache by its path and blob id: the
    declarations its walk read (``reads``) and added (``writes``), its initialisers' stores, the fields
    its wait conditions read; and the key of its functions (a :class:`FileBuild`, kept apart, read only
    when chosen) with the declarations and wait-read fields they were built against."""

    reads: Reads
    writes: Writes
    stores: list[tuple[str, str]]
    wait_fields: frozenset[str]
    build_reads: Reads = field(default_factory=dict)
    flag_reads: dict[str, bool] = field(default_factory=dict)
    build_key: str | None = None

    def fits(self, decls: Declarations, flag_fields: frozenset[str]) -> bool:
        """Whether its functions were built against what ``decls`` and ``flag_fields`` say now."""
        return (
            self.build_key is not None
            and still_valid(self.build_reads, decls)
            and flags_still_valid(self.flag_reads, flag_fields)
        )


@functools.lru_cache(maxsize=16)
def _tree_listing(repo: Path, commit: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Every path at ``commit`` with its blob id, and the include roots among its directories; once per
    commit in a process: scope growth and both sides of a check read the same trees again and again."""
    blobs = {}
    for line in git(repo, "ls-tree", "-r", "-z", "--full-tree", commit).split("\0"):
        info, _, path = line.partition("\t")
        parts = info.split()
        if path and len(parts) == 3:
            blobs[path] = parts[2]
    directories = sorted({p.rpartition("/")[0] or "." for p in blobs})
    return blobs, tuple(include_roots("", directories))


def build_from_sources(
    sources: dict[str, bytes], headers: dict[str, bytes] | None = None, *, keep: bool = True
) -> CodeModel:
    """Parse every file, then build functions against declarations from all of them and their headers.

    Where the model cache is on, a file seen before (same path, same blob) is not parsed again: its
    declarations are replayed and its functions reused, as long as every declaration it looked up
    is still the same (:mod:`aptool.model.recording`); only the others are modelled again.  ``keep``
    False: the model as a whole is neither looked up nor kept (scope growth keeps its own summary).
    """
    if keep and cache.model_known(sources, headers):
        lazy = LazyModel(lambda: build_from_sources(sources, headers, keep=False))
        return cast(CodeModel, cache.remember_model(sources, headers, lazy))
    caching = cache.active() is not None
    decls = Declarations()
    for data in (headers or {}).values():
        merge(decls, header_declarations(data))
    known: dict[str, list[FileEntry]] = {}  # per file: the kept parts whose declaration walk still fits
    parsed: dict[str, tuple[Parsed, list[TSNode]]] = {}
    kept: dict[str, list[FileEntry]] = {}  # per file: every part kept
    for path, data in sources.items():
        kept[path] = cache.lookup_file(path, data)
        fitting = [e for e in kept[path] if still_valid(e.reads, decls)]
        if fitting:
            replay(fitting[0].writes, decls)
        else:
            unit, facts, recorder = parse_file(data), FileFacts(), Recorder()
            collect(unit.tree.root_node, recorder.view(decls) if caching else decls, facts)
            fresh = FileEntry(recorder.reads, recorder.writes, list(facts.stores), frozenset(wait_fields(unit.cleaned)))
            fitting = [fresh]
            parsed[path] = (unit, facts.definitions)
        known[path] = fitting
    frozen_fields = frozenset().union(*(e[0].wait_fields for e in known.values()))
    functions: dict[str, Function] = {}
    candidates: list[Candidate] = []
    passed: set[tuple[str, str]] = set()
    stores: dict[str, list[tuple[str, str]]] = {}
    errors: list[ParseError] = []
    lost: list[Site] = []
    for path, fitting in known.items():
        entry = fitting[0]
        done = None
        for kept_entry in fitting:
            if kept_entry.fits(decls, frozen_fields):
                done = cache.lookup_build(cast(str, kept_entry.build_key))
                if done is not None:
                    break
        if done is None:
            if path not in parsed:  # its declarations were reused, its functions cannot be
                unit = parse_file(sources[path])
                facts = FileFacts()
                collect(unit.tree.root_node, Declarations(), facts)  # the definitions; the stores are kept
                parsed[path] = (unit, facts.definitions)
            recorder = Recorder()
            done = _build_file(path, *parsed[path], decls, frozen_fields, recorder if caching else None)
            if caching:  # now: the steps below change the functions
                made = FileEntry(entry.reads, entry.writes, entry.stores, entry.wait_fields)
                made.build_reads, made.flag_reads = recorder.reads, recorder.flag_reads
                made.build_key = cache.store_build(done)
                cache.store_file(path, sources[path], [made, *(e for e in kept[path] if e.build_key)])
        for function in done.functions:
            functions[function.id] = function
        candidates += done.candidates
        passed |= done.passed
        stores[path] = entry.stores + done.stores
        errors += done.errors
        lost += done.lost
    for function in functions.values():  # built: only mark_flags changes a body now, and lists it again
        function.freeze_events()
    targets = pointer_targets(stores, NameIndex(functions))
    resolve_calls(functions, targets)
    flags = mark_flags(functions, candidates)
    mark_entries(functions, targets, passed)
    model = CodeModel(
        files=sorted(sources),
        lines=sum(d.count(b"\n") for d in sources.values()),
        functions=functions,
        structs=decls.structs,
        globals=decls.globals,
        pointer_targets=targets,
        flags=flags,
        parse_errors=errors,
        lost_functions=lost,
        headers=sorted(headers or {}),
    )
    return cache.store_model(sources, headers, model) if keep else model


def _build_file(
    path: str,
    unit: Parsed,
    definitions: list[TSNode],
    decls: Declarations,
    flag_fields: frozenset[str],
    recorder: Recorder | None,
) -> FileBuild:
    """Build one file's functions against every file's declarations; what they read goes to ``recorder``."""
    seen = recorder.view(decls) if recorder is not None else decls
    fields = recorder.flags(flag_fields) if recorder is not None else flag_fields
    functions: dict[str, Function] = {}
    candidates: list[Candidate] = []
    passed: set[tuple[str, str]] = set()
    stores: list[tuple[str, str]] = []
    errors: list[ParseError] = []
    kept: list[tuple[int, int, str]] = []
    kept_bodies: set[int] = set()
    bodies = function_bodies(unit.source)
    for definition in _delimit(unit, definitions, bodies):
        start, body = definition.start_byte, definition.child_by_field_name("body")
        head_end = body.start_byte if body is not None else definition.end_byte
        annotations = [a for a in unit.annotations if start <= a.offset < head_end]
        built = FunctionBuilder(seen, unit, path, definition, annotations, fields).build()
        if built is None:
            continue
        kept.append((definition.start_byte, definition.end_byte, built.function.name))
        kept_bodies.add(_body_start(definition))
        if built.function.id in functions:  # the #else arm's definition: the first one stands for both
            continue
        functions[built.function.id] = built.function
        candidates += [_resolved(c) for c in built.candidates]
        errors += built.warnings
        passed |= built.passed
        stores += built.stores
    errors += _parse_errors(path, unit, kept)
    errors += [
        ParseError(path, line, f"nested {depth} levels deep (over {MAX_TREE_DEPTH}): the construct was skipped")
        for line, depth in unit.too_deep
    ]
    lost = _lost(path, unit, kept_bodies, bodies)
    return FileBuild(list(functions.values()), candidates, passed, stores, errors, lost)


class _Resolved(Resolver):
    """A flag candidate's lock class, resolved when its function was built (no syntax tree kept)."""

    def __init__(self, answer: tuple[str, bool]) -> None:  # noqa: D107 -- no declarations, no variables
        self.answer = answer

    def lock_class(self, node: TSNode | None) -> tuple[str, bool]:
        return self.answer


def _resolved(candidate: Candidate) -> Candidate:
    """``candidate`` with its lock class resolved now: the same answer :func:`mark_flags` would get
    later (the function's resolver is done), and an entry that can be kept on disk."""
    answer = candidate.resolver.lock_class(candidate.target)
    return Candidate(candidate.node, cast(TSNode, None), candidate.suffix, _Resolved(answer))


@functools.lru_cache(maxsize=4096)
def header_declarations(data: bytes) -> Declarations:
    """A header's declarations, parsed once per process (and kept by blob id where the model cache is on):
    base and series share most headers."""
    decls = cache.lookup_declarations(data)
    if decls is None:
        decls = Declarations()
        collect(parse_file(data).tree.root_node, decls)
        cache.store_declarations(data, decls)
    return decls


def _delimit(unit: Parsed, definitions: list[TSNode], bodies: list[int]) -> list[TSNode]:
    """The function definitions of a file, with the ones an error merged taken apart again.

    tree-sitter can swallow a function into the ERROR before it, or make one
    "definition" of a broken head and the next function's body.  A definition
    whose head has an error and contains a function body is dropped; every
    function body no good definition opens is parsed on its own (``salvage``).  ``bodies``: the
    offsets of the file's function bodies (:func:`function_bodies`).
    """
    good = []
    for definition in definitions:
        body = _body_start(definition)
        if definition.has_error and any(definition.start_byte <= offset < body for offset in bodies):
            continue
        good.append(definition)
    opened = {_body_start(d) for d in good}
    for offset in bodies:
        if offset not in opened:
            rescued = salvage(unit, offset)
            if rescued is not None:
                good.append(rescued)
    return good


def _parse_errors(path: str, unit: Parsed, kept: list[tuple[int, int, str]]) -> list[ParseError]:
    if not unit.tree.root_node.has_error:
        return []
    found = []
    offsets = _line_offsets(unit.source)
    lines = set(error_lines(unit.tree.root_node))
    for tree in unit.salvaged:  # errors inside a function cut out of a larger ERROR
        lines.update(error_lines(tree.root_node))
    for line in sorted(lines):
        offset = offsets[line - 1] if line - 1 < len(offsets) else len(unit.source)
        inside = next((name for start, end, name in kept if start <= offset < end), None)
        if inside is not None:
            message = f"in {inside}(): skipped what tree-sitter could not parse; the rest of the function is kept"
        else:
            message = "outside any function: skipped what tree-sitter could not parse"
        found.append(ParseError(path, line, message, inside))
    return found


def _lost(path: str, unit: Parsed, kept_bodies: set[int], bodies: list[int]) -> list[Site]:
    """Function bodies (a ``{`` in column 0, or ending a ``name(...) {`` line: ``bodies``, their offsets)
    that open no kept definition."""
    found = []
    for offset in bodies:
        if offset in kept_bodies:
            continue
        head = unit.source[max(0, offset - 400) : offset]
        match = _NAME_BEFORE.search(head)
        name = match.group(1).decode("utf-8", "replace") if match else "?"
        found.append(Site(name, path, unit.source.count(b"\n", 0, offset) + 1, "function body not delimited"))
    return found


def _body_start(definition: TSNode) -> int:
    body = definition.child_by_field_name("body")
    return body.start_byte if body is not None else -1


def _line_offsets(source: bytes) -> list[int]:
    offsets = [0]
    for match in re.finditer(rb"\n", source):
        offsets.append(match.end())
    return offsets
