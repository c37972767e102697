"""A model cache on disk, keyed by git blob ids, so that only what changed is modelled again.

A hook checks the same tree over and over: the patch before was this
patch's base, and a header is the same blob in both.  Two things are kept
under ``<git common dir>/aptool/model-cache/``:

- each header's declarations, by the header's blob id (most of a kernel
  directory's model time goes into the headers it includes);
- each source file's part of a model, by its path and blob id: the
  declarations it added and looked up, and its functions, so that a file
  that did not change is neither parsed nor built again as long as the
  declarations it looked up are the same (:mod:`aptool.model.recording`);
- a mark for each model, by the blob ids of its sources and headers (with
  their paths): the base side of a check and a file set seen before are not
  built again unless something reads more of them than their findings;
- each grown scope (:func:`aptool.model.grow_scope`), by the tree it was grown
  in and the files it was grown from: the tree a patch of a series makes is
  the next patch's base;
- the findings of the checks on a model, by the model's key and the checks;
- the files of a tree that scope growth's ``git grep`` found, by the tree and the
  patterns: the next tree greps only the files that differ from its parent's.

A key also holds a digest of aptool's model and check code, so a changed
aptool never reads what an older one wrote.  The cache is used only where a caller
turns it on (:func:`using`), for the repository the blobs come from; with it
off, :func:`lookup` and friends do nothing.  A blob id is computed from the
bytes as git does (``sha1("blob <size>\\0" + data)``), so work-tree files
share entries with the blobs of a commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import os
import pickle
import tempfile
import uuid
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aptool.checks.findings import Finding
    from aptool.git.repo import Repository
    from aptool.model.data import CodeModel
    from aptool.model.declarations import Declarations
    from aptool.model.load import FileBuild, FileEntry

MAX_ENTRIES = 4000  # per kind; the oldest are dropped past this
FILE_VARIANTS = 4  # parts of models kept per source file: one per file set it is modelled in, at most
_ACTIVE: contextvars.ContextVar[ModelCache | None] = contextvars.ContextVar("aptool_model_cache", default=None)
_MODEL_KEYS: dict[int, str] = {}  # id of a model this cache built or read -> its key, while the model lives


def blob_id(data: bytes) -> str:
    """The id git gives a blob with this content."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@functools.cache
def code_digest() -> str:
    """A digest of the model's and the checks' code: entries written by other code are never read."""
    from aptool import __version__

    digest = hashlib.sha1(__version__.encode())
    package = Path(__file__).parents[1]
    for path in sorted([*package.glob("model/*.py"), *package.glob("checks/*.py"), *package.glob("simulate/*.py")]):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


class ModelCache:
    """Pickled declarations and models in ``directory``, one file per entry, written atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / code_digest()
        self.hits = 0
        self.misses = 0
        self._counts: dict[str, int] = {}  # entries per kind, counted once, then kept up to date
        self.repositories: dict[str, Repository] = {}  # one cat-file per repository while the cache is on

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key[:2] / key[2:]

    def get(self, kind: str, key: str) -> Any | None:
        """The entry, or None when absent or unreadable (a torn or foreign file is a miss, not an error)."""
        try:
            with self._path(kind, key).open("rb") as handle:
                value = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store an entry; a cache that cannot be written is no cache, never an error."""
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as stream:
                pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(name, path)
        except (OSError, pickle.PicklingError, RecursionError):
            with contextlib.suppress(OSError):
                os.unlink(name)
            return
        self._prune(kind)

    def _prune(self, kind: str) -> None:
        count = self._counts.get(kind)
        if count is not None and count < MAX_ENTRIES:
            self._counts[kind] = count + 1  # at most one more (a replaced entry is not)
            return
        entries = [p for p in (self.directory / kind).glob("*/*") if not p.name.startswith(".tmp-")]
        self._counts[kind] = len(entries)
        if len(entries) <= MAX_ENTRIES:
            return
        keep = MAX_ENTRIES * 9 // 10  # a tenth free: the directory is not listed again at every entry
        entries.sort(key=lambda p: p.stat().st_mtime)
        for path in entries[: len(entries) - keep]:
            with contextlib.suppress(OSError):
                path.unlink()
        self._counts[kind] = keep


def cache_directory(common_dir: Path) -> Path:
    """Where a repository's model cache lives: ``<git common dir>/aptool/model-cache``."""
    return Path(common_dir) / "aptool" / "model-cache"


@contextlib.contextmanager
def using(directory: Path) -> Iterator[ModelCache]:
    """Turn the cache in ``directory`` on for model building inside the ``with`` block."""
    cache = ModelCache(directory)
    token = _ACTIVE.set(cache)
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)
        for repository in cache.repositories.values():
            repository.close()


def active() -> ModelCache | None:
    """The cache turned on here, if any."""
    return _ACTIVE.get()


def _model_key(sources: dict[str, bytes], headers: dict[str, bytes] | None) -> str:
    digest = hashlib.sha1()
    for kind, files in (("source", sources), ("header", headers or {})):
        for path in sorted(files):
            digest.update(f"{kind}\0{path}\0{blob_id(files[path])}\n".encode())
    return digest.hexdigest()


def model_known(sources: dict[str, bytes], headers: dict[str, bytes] | None) -> bool:
    """Whether a model of exactly these files was built before, when the cache is on.  Only a mark is
    kept, not the model: its findings are kept, and its files' parts rebuild it when more is asked."""
    cache = active()
    return cache is not None and cache.get("model", _model_key(sources, headers)) is not None


def remember_model(sources: dict[str, bytes], headers: dict[str, bytes] | None, model: Any) -> Any:
    """Tie ``model`` to the key of these files (its findings are kept under it); returns ``model``."""
    if active() is not None:
        _remember(model, _model_key(sources, headers))
    return model


def lookup_summary(sources: dict[str, bytes], headers: dict[str, bytes] | None) -> Any | None:
    """What scope growth kept of the model of exactly these files, when the cache is on and has it."""
    cache = active()
    return cache.get("summary", _model_key(sources, headers)) if cache is not None else None


def store_summary(sources: dict[str, bytes], headers: dict[str, bytes] | None, summary: Any) -> Any:
    """Keep what scope growth needs of the model of these files when the cache is on; returns ``summary``."""
    cache = active()
    if cache is not None:
        cache.put("summary", _model_key(sources, headers), summary)
    return summary


def store_model(sources: dict[str, bytes], headers: dict[str, bytes] | None, model: CodeModel) -> CodeModel:
    """Mark these files as modelled when the cache is on (:func:`model_known`); returns ``model``."""
    cache = active()
    if cache is not None:
        key = _model_key(sources, headers)
        cache.put("model", key, True)
        _remember(model, key)
    return model


def _remember(model: Any, key: str) -> None:
    _MODEL_KEYS[id(model)] = key
    weakref.finalize(model, _MODEL_KEYS.pop, id(model), None)


def _findings_key(model: CodeModel, select: Iterable[str] | None) -> str | None:
    key = _MODEL_KEYS.get(id(model))
    if key is None:
        return None
    checks = ",".join(sorted(select)) if select is not None else "*"
    return hashlib.sha1(f"{key}\0{checks}".encode()).hexdigest()


def lookup_findings(model: CodeModel, select: list[str] | None) -> list[Finding] | None:
    """The findings of the checks ``select`` (None: all) on ``model``, when the cache is on and built or
    read that model and has its findings."""
    cache = active()
    key = _findings_key(model, select) if cache is not None else None
    if cache is None or key is None:
        return None
    return cache.get("findings", key)


def store_findings(model: CodeModel, select: list[str] | None, findings: list[Finding]) -> list[Finding]:
    """Keep the findings on ``model`` when the cache is on and knows the model; returns ``findings``."""
    cache = active()
    key = _findings_key(model, select) if cache is not None else None
    if cache is not None and key is not None:
        cache.put("findings", key, findings)
    return findings


def _scope_key(repo: Path, rev: str | None, files: list[str], depth: int) -> str | None:
    from aptool.git.run import commit_id, git

    if rev is None:  # the work tree has no id to key it by
        return None
    commit = commit_id(repo, rev)
    if commit is None:
        return None
    tree = git(repo, "log", "-1", "--format=%T", commit, check=False).strip()
    if not tree:
        return None
    return hashlib.sha1("\0".join([tree, str(depth), *files]).encode()).hexdigest()


def lookup_scope(repo: Path, rev: str | None, files: list[str], depth: int) -> list[str] | None:
    """The scope grown before from ``files`` in ``rev``'s tree, when the cache is on and has it."""
    cache = active()
    if cache is None:
        return None
    key = _scope_key(repo, rev, files, depth)
    return cache.get("scope", key) if key is not None else None


def store_scope(repo: Path, rev: str | None, files: list[str], depth: int, scope: list[str]) -> list[str]:
    """Keep a grown scope when the cache is on; returns ``scope``."""
    cache = active()
    key = _scope_key(repo, rev, files, depth) if cache is not None else None
    if cache is not None and key is not None:
        cache.put("scope", key, scope)
    return scope


def _file_key(path: str, data: bytes) -> str:
    return hashlib.sha1(f"{path}\0{blob_id(data)}".encode()).hexdigest()


def lookup_file(path: str, data: bytes) -> list[FileEntry]:
    """The parts of models one source file had (:class:`aptool.model.load.FileEntry`, newest first), by
    its path and blob id, when the cache is on; whether one still fits the other files is the caller's
    question.  A file is in several file sets (the scope's rounds, the check), so several are kept."""
    cache = active()
    found = cache.get("file", _file_key(path, data)) if cache is not None else None
    return found if isinstance(found, list) else []


def store_file(path: str, data: bytes, entries: list[FileEntry]) -> None:
    """Keep the newest :data:`FILE_VARIANTS` parts of models of one source file when the cache is on."""
    cache = active()
    if cache is not None:
        cache.put("file", _file_key(path, data), entries[:FILE_VARIANTS])


def lookup_build(key: str) -> FileBuild | None:
    """One source file's functions (:class:`aptool.model.load.FileBuild`) kept under ``key``."""
    cache = active()
    return cache.get("build", key) if cache is not None else None


def store_build(build: FileBuild) -> str | None:
    """Keep one source file's functions when the cache is on; the key to read them back with."""
    cache = active()
    if cache is None:
        return None
    key = uuid.uuid4().hex
    cache.put("build", key, build)
    return key


def _grep_key(tree: str, patterns: list[str]) -> str:
    return hashlib.sha1("\0".join([tree, *patterns]).encode()).hexdigest()


def lookup_grep(tree: str, patterns: list[str]) -> set[str] | None:
    """The files of ``tree`` that match ``patterns`` (scope growth's grep), when the cache is on and has them."""
    cache = active()
    found = cache.get("grep", _grep_key(tree, patterns)) if cache is not None else None
    return found if isinstance(found, set) else None


def store_grep(tree: str, patterns: list[str], found: set[str]) -> set[str]:
    """Keep the files of ``tree`` that match ``patterns`` when the cache is on; returns ``found``."""
    cache = active()
    if cache is not None:
        cache.put("grep", _grep_key(tree, patterns), found)
    return found


def lookup_declarations(data: bytes) -> Declarations | None:
    """A header's declarations, by its blob id, when the cache is on and has them."""
    cache = active()
    if cache is None:
        return None
    return cache.get("declarations", blob_id(data))


def store_declarations(data: bytes, declarations: Declarations) -> Declarations:
    """Keep a header's declarations under its blob id when the cache is on; returns them."""
    cache = active()
    if cache is not None:
        cache.put("declarations", blob_id(data), declarations)
    return declarations
