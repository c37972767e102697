"""Build a :class:`CodeModel` from files on disk or from blobs at a git revision."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from tree_sitter import Node as TSNode

from aptool.errors import AptoolError, RepositoryError
from aptool.git.objects import ObjectReader
from aptool.git.run import git, git_ok
from aptool.model.data import CodeModel, Function, Node, ParseError
from aptool.model.declarations import Declarations, collect, merge
from aptool.model.entries import mark_entries
from aptool.model.functions import FunctionBuilder
from aptool.model.headers import include_roots, included_headers, tree_top
from aptool.model.syntax import error_lines, parse, text_of

C_SUFFIXES = (".c", ".h")
_BODY_OPEN = re.compile(rb"^\{", re.MULTILINE)


def read_sources(
    paths: list[Path] | None, repo: Path | None, rev: str | None, files: list[str] | None
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(sources, headers): path -> bytes, from the work tree or from ``rev`` without a checkout.

    Headers are the ones the sources include, read for their declarations.
    """
    if rev is not None:
        repo = repo or Path(".")
        if not git_ok(repo, "rev-parse", "--git-dir"):
            raise RepositoryError(f"not a git repository: {repo.resolve()}")
        if not git_ok(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"):
            raise RepositoryError(f"unknown revision: {rev}")
        everything = git(repo, "ls-tree", "-r", "--name-only", rev).splitlines()
        listed = git(repo, "ls-tree", "-r", "--name-only", rev, "--", *(files or [])).splitlines()
        wanted = [p for p in listed if p.endswith(C_SUFFIXES)]
        if files and not wanted:
            raise AptoolError(f"no C files at {rev} under: {' '.join(files)}")
        present = set(everything)
        directories = {str(Path(p).parent) for p in everything}
        with ObjectReader(repo) as reader:
            sources = {path: reader.read(f"{rev}:{path}") or b"" for path in wanted}
            headers = included_headers(sources, present.__contains__, lambda p: reader.read(f"{rev}:{p}") or b"",
                                       include_roots("", sorted(directories)))
        return sources, headers
    sources: dict[str, bytes] = {}
    for path in paths or [Path(".")]:
        if not path.exists():
            raise AptoolError(f"no such file or directory: {path}")
        found = sorted(p for p in path.rglob("*") if p.suffix in C_SUFFIXES) if path.is_dir() else [path]
        for file in found:
            sources[str(file)] = file.read_bytes()
    if not sources:
        raise AptoolError("no C files to model")
    top = tree_top(Path(next(iter(sources))).resolve().parent)
    roots: list[str] = []
    if top is not None:
        directories = [str(p.relative_to(top)) for p in [top / "include", top / "include/uapi", *top.glob("arch/*/include"),
                                                          *top.glob("arch/*/include/uapi")] if p.is_dir()]
        roots = include_roots(str(top), directories)
    headers = included_headers(
        {str(Path(p).resolve()): d for p, d in sources.items()}, lambda p: Path(p).is_file(),
        lambda p: Path(p).read_bytes(), roots,
    )
    resolved_sources = {str(Path(p).resolve()) for p in sources}
    return sources, {p: d for p, d in headers.items() if p not in resolved_sources}


def build_from_sources(sources: dict[str, bytes], headers: dict[str, bytes] | None = None) -> CodeModel:
    """Parse every file, then build functions against declarations from all of them and their headers."""
    trees = {path: parse(data) for path, data in sources.items()}
    decls = Declarations()
    for data in (headers or {}).values():
        merge(decls, header_declarations(data))
    for tree in trees.values():
        collect(tree.root_node, decls)
    functions: dict[str, Function] = {}
    errors: list[ParseError] = []
    lost = 0
    for path, tree in trees.items():
        lines = error_lines(tree.root_node) if tree.root_node.has_error else []
        errors += [ParseError(path, line, "tree-sitter could not parse this line; recovered around it") for line in lines]
        kept_ranges = []
        for definition in _definitions(tree.root_node):
            built = FunctionBuilder(decls, path, definition).build()
            if built is None:
                continue
            functions.setdefault(built.id, built)
            kept_ranges.append((definition.start_byte, definition.end_byte))
        lost += sum(
            1 for match in _BODY_OPEN.finditer(sources[path])
            if not any(start <= match.start() < end for start, end in kept_ranges)
        )
    pointer_targets = _pointer_targets(trees, functions)
    model = CodeModel(
        files=sorted(sources), lines=sum(d.count(b"\n") for d in sources.values()), functions=functions,
        structs=decls.structs, globals=decls.globals, pointer_targets=pointer_targets,
        parse_errors=errors, lost_functions=lost,
    )
    _resolve_calls(model)
    _mark_flags(model)
    mark_entries(model)
    return model


@functools.lru_cache(maxsize=2048)
def header_declarations(data: bytes) -> Declarations:
    """A header's declarations, parsed once per process: base and series share most headers."""
    decls = Declarations()
    collect(parse(data).root_node, decls)
    return decls


def _definitions(root: TSNode) -> list[TSNode]:
    found: list[TSNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            found.append(node)
            continue
        stack.extend(node.children)
    return sorted(found, key=lambda n: n.start_byte)


class NameIndex:
    """Function ids by name, built once: call resolution must not scan every function per call."""

    def __init__(self, functions: dict[str, Function]) -> None:
        self.functions = functions
        self.by_name: dict[str, list[Function]] = {}
        for function in functions.values():
            self.by_name.setdefault(function.name, []).append(function)

    def resolve(self, name: str, file: str) -> list[str]:
        """A called name -> function ids: the caller's own static first, then the global one."""
        local = f"{file}:{name}"
        if local in self.functions:
            return [local]
        named = self.by_name.get(name, [])
        public = [f.id for f in named if not f.static]
        return public or [f.id for f in named]


def _pointer_targets(trees: dict[str, object], functions: dict[str, Function]) -> dict[str, list[str]]:
    """Field name -> functions stored in it by designated initialisers or assignments."""
    index = NameIndex(functions)
    targets: dict[str, list[str]] = {}
    for path, tree in trees.items():
        stack = [tree.root_node]  # type: ignore[attr-defined]
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            field = value = None
            if node.type == "initializer_pair":
                designator = node.child_by_field_name("designator")
                field, value = text_of(designator).lstrip("."), node.child_by_field_name("value")
            elif node.type == "assignment_expression":
                left = node.child_by_field_name("left")
                if left is not None and left.type == "field_expression":
                    field, value = text_of(left.child_by_field_name("field")), node.child_by_field_name("right")
            if field and value is not None:
                ident = text_of(value).lstrip("&").strip()
                if value.type in ("identifier", "pointer_expression") and ident in index.by_name:
                    for target in index.resolve(ident, path):
                        targets.setdefault(field, [])
                        if target not in targets[field]:
                            targets[field].append(target)
    return targets


def _resolve_calls(model: CodeModel) -> None:
    index = NameIndex(model.functions)
    for function in model.functions.values():
        for event in function.events():
            if event.kind != "call" or not event.callee:
                continue
            if event.via_pointer:
                event.targets = list(model.pointer_targets.get(event.callee, []))
            else:
                event.targets = index.resolve(event.callee, function.file)


def _mark_flags(model: CodeModel) -> None:
    """A field write becomes a flag set or clear when some wait condition reads that field."""
    flags = {flag for f in model.functions.values() for e in f.events() if e.kind == "wait" for flag in e.flags}
    for function in model.functions.values():
        function.body = _keep_flags(function.body, flags)


def _keep_flags(nodes: list[Node], flags: set[str]) -> list[Node]:
    kept: list[Node] = []
    for node in nodes:
        event = node.event
        if event is not None and event.kind == "write":
            if event.lock not in flags:
                continue
            cleared = (event.value or "").strip() in ("false", "0", "NULL", "flag-clear")
            event.kind = "flag-clear" if cleared else "flag-set"
        node.branches = [_keep_flags(branch, flags) for branch in node.branches]
        node.body = _keep_flags(node.body, flags)
        kept.append(node)
    return kept
