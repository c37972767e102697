"""Parse kernel C with tree-sitter, after rewriting the macros it cannot parse.

tree-sitter knows C, not the kernel's macros: ``void __iomem *p``,
``container_of(p, struct T, member)``, ``list_for_each_entry(...) {``,
``size_t __attribute_const__ f(void)`` all end in ERROR nodes, and an
ERROR in a function's head loses the whole function.  ``recover`` rewrites
those spots before parsing, byte for byte the same length (so every line,
column and byte offset still points at the original source):

- attribute macros (``__iomem``, ``__must_check``, ``__printf(2, 3)``...)
  become blanks;
- lock annotations (``__acquires(x)``...) become blanks too, and are
  returned with their offsets so the function they belong to keeps them;
- a ``struct T`` passed to a macro (``container_of``, ``offsetofend``...)
  loses its ``struct`` keyword;
- an iterator macro used as a loop (``list_for_each_entry(...) {``) becomes
  a ``while``, so the skeleton keeps the loop; ``scoped_guard(...)`` too (the
  function builder knows it by its original text and makes it a guard scope);
- ``min_t(unsigned int, a, b)`` loses its type argument;
- a GNU case range ``case 'a' ... 'z':`` becomes ``case 'a' +   'z':``;
- ``DEFINE_MUTEX(lock);``, ``DECLARE_BITMAP(map, 64);`` become
  ``DEFINE_MUTEX lock ;``: a declaration of ``lock`` with the macro as type;
- an unnamed bit-field ``unsigned long : 2;`` gets a name, ``_``;
- ``#ifdef``/``#endif`` lines inside an initialiser list, or around an
  ``else`` arm of an if chain, become blanks (see ``_directives``);
- ``#define pr(fmt, args...)`` becomes ``#define pr(fmt, ...    )``.

What still does not parse is reported as parse errors; the model keeps
every function tree-sitter could delimit.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from itertools import accumulate

import tree_sitter
import tree_sitter_c
from tree_sitter import Node as TSNode

from aptool.model.primitives import ANNOTATIONS

# Kernel attribute macros: blanked before parsing.  Words stand alone, calls take arguments.
ATTRIBUTE_WORDS: frozenset[str] = frozenset(
    {
        "__iomem",
        "__user",
        "__rcu",
        "__percpu",
        "__force",
        "__kernel",
        "__safe",
        "__private",
        "__bitwise",
        "__must_check",
        "__cold",
        "__hot",
        "__pure",
        "__weak",
        "__used",
        "__visible",
        "__noreturn",
        "__sched",
        "__init",
        "__exit",
        "__initdata",
        "__initconst",
        "__exitdata",
        "__refdata",
        "__ref",
        "__init_or_module",
        "__read_mostly",
        "__ro_after_init",
        "__always_inline",
        "noinline",
        "noinline_for_stack",
        "__flatten",
        "__maybe_unused",
        "__always_unused",
        "__attribute_const__",
        "__packed",
        "__latent_entropy",
        "notrace",
        "asmlinkage",
        "__kprobes",
        "__nocfi",
        "__noclone",
        "__deprecated",
        "__randomize_layout",
        "__no_randomize_layout",
        "__cacheline_aligned",
        "__cacheline_aligned_in_smp",
        "____cacheline_aligned",
        "____cacheline_aligned_in_smp",
        "__nonstring",
        "__malloc",
        "__irq_entry",
        "__cpuidle",
        "__fastpath",
        "EXPORT_FOR_TESTS",
        "EXPORT_FOR_TESTS_STATIC",
    }
)
ATTRIBUTE_CALLS: frozenset[str] = frozenset(
    {
        "__printf",
        "__scanf",
        "__aligned",
        "__section",
        "__alloc_size",
        "__counted_by",
        "__diag_ignore",
        "__cond_acquires",
        "__cond_releases",
        "__assume_aligned",
        "__designated_init",
    }
)
LANGUAGE = tree_sitter.Language(tree_sitter_c.language())
_LOCAL = threading.local()
# A file whose top-level construct nests deeper than this (the kernel's deepest: 23) has that
# construct blanked and is parsed again: the walks over declarations recurse on struct nesting.
MAX_TREE_DEPTH = 400
SALVAGE_FACTOR = 1
# Brackets nested deeper than this (the kernel: about 10) are blanked before parsing: tree-sitter
# takes seconds over 100,000 nested calls, and nothing nested so deep is kernel code.
MAX_BRACKET_DEPTH = 256
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"(){}[]")
_BRACKET_OR_END = re.compile(rb"\n\}|[(){}\[\]]")
_STEP = {ord("("): 1, ord("{"): 1, ord("["): 1, ord(")"): -1, ord("}"): -1, ord("]"): -1}

# Each rewrite first finds a literal cheaply, then checks its context in Python: a regex that
# starts with \b or \w* makes re try every byte, and this runs on every line of every file.
_WORD = re.compile(rb"__[A-Za-z_]\w*|noinline\w*|notrace|asmlinkage|EXPORT_FOR_TESTS\w*")
_WORD_SET = frozenset(w.encode() for w in ATTRIBUTE_WORDS)
_CALLS = re.compile(
    rb"(" + b"|".join(re.escape(w.encode()) for w in sorted(ATTRIBUTE_CALLS | ANNOTATIONS)) + rb")\s*\("
)
# ``, struct T,`` or ``(struct T)`` in an argument list; not a compound literal ``(struct T){``.
_TYPE_ARG = re.compile(rb"(struct|union)(?=\s+\w+\s*(?:,|\)(?!\s*\{)))")
_ITERATOR = re.compile(rb"for_each|scoped_guard")
_BRACE_LINE = re.compile(rb"\)[ \t]*\{[ \t]*\n")
_LOOP_HEAD = re.compile(rb"[ \t]+(\w+)[ \t]*\(")
_KEYWORDS = frozenset({b"if", b"while", b"for", b"switch", b"return", b"sizeof", b"do", b"else", b"case"})
_DOTS = re.compile(rb"\.\.\.")
_CASE_HEAD = re.compile(rb"[ \t]*case\b[^:\n;]*$")
_VARIADIC_HEAD = re.compile(rb"[ \t]*#[ \t]*define[ \t]+\w+\([^)\n]*?\b(\w+)$")
_DIRECTIVE = re.compile(rb"#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b")
_DECLARER = re.compile(rb"DECLARE_|DEFINE_|LIST_HEAD")
_DECLARER_LINE = re.compile(rb"[ \t]*(?:(?:static|extern|const)[ \t]+)*((?:DECLARE|DEFINE)_\w+|H?LIST_HEAD)[ \t]*\(")
_NAME_LAST = re.compile(rb"(?:DECLARE|DEFINE)_(?:PER_CPU\w*|FLEX_ARRAY)")
_BITFIELD_HINT = re.compile(rb"[ \t]:[ \t]*\w+[ \t]*;")
_BITFIELD = re.compile(
    rb"[ \t]*(?:(?:unsigned|signed|const|volatile)[ \t]+)*"
    rb"(?:long long|long|int|short|char|bool|_Bool|__?[us](?:8|16|32|64)|[us](?:8|16|32|64))"
    rb"[ \t]*([ \t]):"
)
# ``min_t(unsigned int, a, b)``: a type of two words as an argument
_TYPE_FIRST = re.compile(rb"_t[ \t]*\(([ \t]*(?:unsigned|signed|const|long|short)[ \t][\w \t]*,)")
_TYPED_MACROS = (b"min_t", b"max_t", b"clamp_t", b"min3_t", b"max3_t")


@dataclass
class RawAnnotation:
    """A ``__acquires``/``__releases``/``__must_hold`` seen at ``offset``, with its argument as written."""

    offset: int
    kind: str
    argument: str


@dataclass
class Parsed:
    """One file: the source as written, the rewritten bytes tree-sitter parsed, and the tree."""

    source: bytes
    cleaned: bytes
    tree: tree_sitter.Tree
    annotations: list[RawAnnotation] = field(default_factory=list)
    salvaged: list[tree_sitter.Tree] = field(default_factory=list)  # re-parses of single functions, kept alive
    too_deep: list[tuple[int, int]] = field(default_factory=list)  # (line, depth) of constructs blanked
    salvage_budget: int = 0  # bytes ``salvage`` may still re-parse: a few times the file, so junk stays linear

    def __post_init__(self) -> None:
        self.salvage_budget = SALVAGE_FACTOR * len(self.source) + 65536


def parser() -> tree_sitter.Parser:
    """This thread's tree-sitter parser: a parser is not safe to share between threads."""
    found: tree_sitter.Parser | None = getattr(_LOCAL, "parser", None)
    if found is None:
        found = _LOCAL.parser = tree_sitter.Parser(LANGUAGE)
    return found


def parse(source: bytes) -> tree_sitter.Tree:
    """The bare tree-sitter parse (no rewriting): for headers' declarations and for comparison."""
    return parser().parse(source)


def parse_file(source: bytes) -> Parsed:
    """``source`` rewritten (see ``recover``) and parsed.

    Top-level declarations nested beyond ``MAX_TREE_DEPTH`` are blanked and
    listed in ``too_deep`` as (line, depth); function bodies bound their own
    depth (``aptool.model.functions``).
    """
    cleaned, annotations = recover(source)
    cleaned, skipped = _flatten_brackets(cleaned)
    tree = parser().parse(cleaned)
    deep = [
        (node, depth)
        for node in tree.root_node.children
        if node.type != "function_definition"
        and node.descendant_count > MAX_TREE_DEPTH  # fewer nodes cannot nest deeper: not walked
        and (depth := deepest(node)) > MAX_TREE_DEPTH
    ]
    if deep:
        data = bytearray(cleaned)
        for node, depth in deep:
            _blank(data, node.start_byte, node.end_byte)
            skipped.append((node.start_point[0] + 1, depth))
        cleaned = bytes(data)
        tree = parser().parse(cleaned)
    return Parsed(source, cleaned, tree, annotations, too_deep=skipped)


def _flatten_brackets(source: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """``source`` with every bracket pair nested deeper than ``MAX_BRACKET_DEPTH`` blanked, with
    its contents; and (line, depth) of each blanked region.  Linear; the common case is one C-speed pass.

    A ``}`` in column 0 ends a function in kernel style and resets the count, so brackets
    in strings and comments do not add up across a file.
    """
    steps = map(_STEP.__getitem__, source.translate(None, _NOT_BRACKETS))
    if max(accumulate(steps), default=0) <= MAX_BRACKET_DEPTH:
        return source, []
    data = bytearray(source)
    regions: list[tuple[int, int]] = []
    depth = deepest_here = 0
    start = -1
    for match in _BRACKET_OR_END.finditer(source):
        depth = 0 if match.group() == b"\n}" else depth + _STEP[match.group()[0]]
        if depth > MAX_BRACKET_DEPTH:
            if start < 0:
                start, deepest_here = match.start(), depth
            deepest_here = max(deepest_here, depth)
        elif start >= 0:
            _blank(data, start, match.end())
            regions.append((source.count(b"\n", 0, start) + 1, deepest_here))
            start = -1
    if start >= 0:
        _blank(data, start, len(data))
        regions.append((source.count(b"\n", 0, start) + 1, deepest_here))
    return bytes(data), regions


def deepest(node: TSNode, limit: int = MAX_TREE_DEPTH) -> int:
    """How deep the tree under ``node`` nests (0: a leaf), counting no further than ``limit + 1``.

    A cursor walk, so the depth of the input never becomes the depth of Python's stack.
    """
    cursor = node.walk()
    depth = best = 0
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > best:
                best = depth
                if best > limit:
                    return best
            continue
        while not cursor.goto_next_sibling():
            if depth == 0 or not cursor.goto_parent():
                return best
            depth -= 1
            if depth == 0:
                return best


def recover(source: bytes) -> tuple[bytes, list[RawAnnotation]]:
    """``source`` rewritten for tree-sitter, same length, and the lock annotations it blanked."""
    data = bytearray(source)
    annotations: list[RawAnnotation] = []
    for match in _WORD.finditer(source):
        if match.group(0) in _WORD_SET and not _word_before(source, match.start()):
            _blank(data, match.start(), match.end())
    for match in _CALLS.finditer(source):
        end = closing(source, match.end() - 1)
        if end is None or _word_before(source, match.start()):
            continue
        name = match.group(1).decode()
        if name in ANNOTATIONS:
            argument = source[match.end() : end - 1].decode("utf-8", "replace")
            annotations.append(RawAnnotation(match.start(), name, " ".join(argument.split())))
        _blank(data, match.start(), end)
    for match in _TYPE_ARG.finditer(source):
        before = source[max(0, match.start() - 40) : match.start()].rstrip()
        if before.endswith((b"(", b",")):
            _blank(data, match.start(), match.end())
    _loops(source, data)
    for match in _DOTS.finditer(source):
        line = source[source.rfind(b"\n", 0, match.start()) + 1 : match.start()]
        if _CASE_HEAD.fullmatch(line):
            data[match.start() : match.end()] = b"+  "
        elif source.startswith(b")", match.end()):
            head = _VARIADIC_HEAD.fullmatch(line)
            if head is not None:
                start = match.start() - len(line) + head.start(1)
                data[start : match.end()] = b"...".ljust(match.end() - start)
    for match in _DECLARER.finditer(source):
        line_start = source.rfind(b"\n", 0, match.start()) + 1
        head = _DECLARER_LINE.match(source, line_start)
        if head is not None and head.start(1) == match.start():
            _declaration(source, data, head)
    for match in _TYPE_FIRST.finditer(source):
        if source[max(0, match.start() - 5) : match.start() + 2].endswith(_TYPED_MACROS):
            _blank(data, match.start(1), match.end(1))
    for match in _BITFIELD_HINT.finditer(source):
        line_start = source.rfind(b"\n", 0, match.start()) + 1
        field = _BITFIELD.match(source, line_start)
        if field is not None and field.start(1) == match.start():
            data[field.start(1)] = 0x5F  # _
    _directives(source, data)
    return bytes(data), annotations


def _word_before(source: bytes, offset: int) -> bool:
    """True when ``offset`` is inside an identifier, not at its start."""
    return offset > 0 and (chr(source[offset - 1]).isalnum() or source[offset - 1] == 0x5F)


def _loops(source: bytes, data: bytearray) -> None:
    """Iterator macros used as loops become ``while``: by name (``*for_each*``, ``scoped_guard``),
    or any indented ``name(...) {`` (a call is never followed by a block)."""
    heads: set[int] = set()
    for match in _ITERATOR.finditer(source):
        line_start = source.rfind(b"\n", 0, match.start()) + 1
        heads.add(line_start)
    for match in _BRACE_LINE.finditer(source):
        heads.add(source.rfind(b"\n", 0, match.start()) + 1)
    for line_start in heads:
        head = _LOOP_HEAD.match(source, line_start)
        if head is not None and _is_loop_macro(source, head):
            start = head.start(1)
            data[start : head.end(1)] = b"while".ljust(head.end(1) - start)


def _is_loop_macro(source: bytes, match: re.Match[bytes]) -> bool:
    """``list_for_each_entry(...) stmt``, ``scoped_guard(...) stmt``, or any ``name(...) {``: a loop's head."""
    name = match.group(1)
    if name in _KEYWORDS or len(name) < 5:
        return False
    end = closing(source, match.end() - 1)
    if end is None:
        return False
    after = source[end : end + 200]
    if b"for_each" in name or name == b"scoped_guard":
        return after.lstrip()[:1] not in (b";", b"", b",", b")")  # not a plain call of a function so named
    return after.split(b"\n", 1)[0].strip() == b"{"


def _declaration(source: bytes, data: bytearray, match: re.Match[bytes]) -> None:
    """``DEFINE_MUTEX(lock);`` -> ``DEFINE_MUTEX lock ;`` (the name stays where it was)."""
    open_at = match.end() - 1
    end = closing(source, open_at)
    if end is None or source[end : end + 80].lstrip()[:1] != b";":
        return
    arguments = split_arguments(source, open_at + 1, end - 1)
    if not arguments:
        return
    start, stop = arguments[-1] if _NAME_LAST.fullmatch(match.group(1)) else arguments[0]
    if not re.fullmatch(rb"\s*\w+\s*", source[start:stop]):
        return
    _blank(data, open_at, start)
    _blank(data, stop, end)


def split_arguments(source: bytes, start: int, stop: int) -> list[tuple[int, int]]:
    """The top-level comma-separated spans of ``source[start:stop]``."""
    spans, depth, begin = [], 0, start
    for index in range(start, stop):
        char = source[index]
        if char in b"([{":
            depth += 1
        elif char in b")]}":
            depth -= 1
        elif char == 0x2C and depth == 0:  # ,
            spans.append((begin, index))
            begin = index + 1
    spans.append((begin, stop))
    return spans


def _directives(source: bytes, data: bytearray) -> None:
    """Blank conditional directives that split what tree-sitter needs whole.

    Between the items of an initialiser list (the last code line ends in
    ``,``): both arms of an ops table count.  Around an ``else`` arm of an
    if chain (``#ifdef X`` / ``else if (...)`` / ``#endif``, no ``#else``):
    the arm is kept as if configured in.
    """
    directives: list[tuple[int, int, bytes]] = []  # (line start, line end, kind)
    for match in _DIRECTIVE.finditer(source):
        start = source.rfind(b"\n", 0, match.start()) + 1
        if source[start : match.start()].strip():
            continue
        end = source.find(b"\n", match.end())
        directives.append((start, len(source) if end == -1 else end, match.group(1)))
    if not directives:
        return
    stack: list[list[int]] = []
    groups: list[tuple[int, int, bool]] = []  # (#if index, #endif index, has an #else or #elif)
    for index, (_, _, kind) in enumerate(directives):
        if kind in (b"if", b"ifdef", b"ifndef"):
            stack.append([index, 0])
        elif kind in (b"elif", b"else") and stack:
            stack[-1][1] = 1
        elif kind == b"endif" and stack:
            opened, has_else = stack.pop()
            groups.append((opened, index, bool(has_else)))
    blank: set[int] = set()
    for index, (start, _, _) in enumerate(directives):
        if _code_line(source, start, backwards=True).endswith(b","):
            blank.add(index)
    for opened, closed, has_else in groups:
        following = _code_line(source, directives[opened][1] + 1, backwards=False)
        if not has_else and (following.startswith(b"else") or following.startswith(b"} else")):
            blank.update((opened, closed))
    for index in blank:
        _blank(data, directives[index][0], directives[index][1])


def _code_line(source: bytes, offset: int, backwards: bool) -> bytes:
    """The nearest line of code before (or from) ``offset``, stripped: not blank, a comment or a directive."""
    for _ in range(20):
        if backwards:
            if offset <= 0:
                return b""
            end = offset - 1
            offset = source.rfind(b"\n", 0, end) + 1
            line = source[offset:end].strip()
        else:
            if offset >= len(source):
                return b""
            end = source.find(b"\n", offset)
            end = len(source) if end == -1 else end
            line = source[offset:end].strip()
            offset = end + 1
        if line and not line.startswith((b"/*", b"*", b"//", b"#")):
            return line
    return b""


def closing(source: bytes, open_at: int) -> int | None:
    """Offset just past the parenthesis that closes the one at ``open_at`` (within a few lines)."""
    depth = 0
    for index in range(open_at, min(len(source), open_at + 4000)):
        char = source[index]
        if char == 0x28:  # (
            depth += 1
        elif char == 0x29:  # )
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _blank(data: bytearray, start: int, end: int) -> None:
    """Spaces over ``data[start:end]``; newlines, and the backslashes that continue a macro, are kept."""
    for index in range(start, end):
        char = data[index]
        if char == 0x0A or (char == 0x5C and index + 1 < len(data) and data[index + 1] in (0x0A, 0x0D)):
            continue
        data[index] = 0x20


def error_lines(root: TSNode) -> list[int]:
    """1-based lines where tree-sitter had to recover (ERROR or MISSING nodes)."""
    lines: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            lines.append(node.start_point[0] + 1)
            continue
        if node.has_error:
            stack.extend(node.children)
    return sorted(set(lines))


_FUNCTION_BODY = re.compile(rb"^\{|^[A-Za-z_][^\n;=]*\)[ \t]*\{", re.MULTILINE)
_FUNCTION_END = re.compile(rb"^\}", re.MULTILINE)
_HEAD_BOUNDARY = re.compile(rb"(?:^\}[^\n]*|;[ \t]*|\*/[ \t]*|^[ \t]*#[^\n]*|^[ \t]*)\n", re.MULTILINE)


def salvage(parsed: Parsed, body_offset: int) -> TSNode | None:
    """The definition whose body opens at ``body_offset``, parsed on its own.

    When an error before a function swallows it (tree-sitter's recovery ends
    the ERROR node too late), the function is cut out of the file -- from
    the end of the previous top-level construct to the ``}`` in column 0
    that closes it -- and parsed alone (tree-sitter reads only that range),
    so offsets and lines stay those of the file and the cost is the
    function's size, not the file's.
    """
    source = parsed.cleaned
    end = _matching_brace(source, body_offset)
    if end is None:
        end_match = _FUNCTION_END.search(source, body_offset)
        if end_match is None:
            return None
        end = end_match.end()
    start = 0
    for match in _HEAD_BOUNDARY.finditer(source, max(0, body_offset - 1000), body_offset):
        start = match.end()
    if end - start > parsed.salvage_budget:
        return None  # left to the lost-function report
    parsed.salvage_budget -= end - start
    tree = _parse_range(source, start, end)
    for node in tree.root_node.named_children:
        if node.type == "function_definition" and node.end_byte >= end and node.start_byte <= body_offset:
            parsed.salvaged.append(tree)
            return node
    return None


def _parse_range(source: bytes, start: int, end: int) -> tree_sitter.Tree:
    """``source[start:end]`` parsed in place: node offsets and lines are those of ``source``."""
    first = (source.count(b"\n", 0, start), start - (source.rfind(b"\n", 0, start) + 1))
    last = (first[0] + source.count(b"\n", start, end), end - (source.rfind(b"\n", 0, end) + 1))
    ranged: tree_sitter.Parser | None = getattr(_LOCAL, "ranged", None)
    if ranged is None:
        ranged = _LOCAL.ranged = tree_sitter.Parser(LANGUAGE)
    ranged.included_ranges = [tree_sitter.Range(first, last, start, end)]
    return ranged.parse(source)


_BRACE_OR_QUOTE = re.compile(rb"[{}\"']|/[*/]")


def _matching_brace(source: bytes, open_at: int) -> int | None:
    """Offset just past the ``}`` that closes the ``{`` at ``open_at``; None when strings,
    comments or a stray brace make the count unreliable (the caller falls back on column 0)."""
    depth = 0
    for match in _BRACE_OR_QUOTE.finditer(source, open_at, min(len(source), open_at + 200_000)):
        char = match.group()
        if char == b"{":
            depth += 1
        elif char == b"}":
            depth -= 1
            if depth == 0:
                return match.end()
        else:
            return None  # a string, character or comment: leave it to the column-0 rule
    return None


def function_bodies(source: bytes) -> list[int]:
    """Offsets of the ``{`` that opens each function body: in column 0 (kernel style) or
    after ``name(...)`` on a line that starts in column 0; not in macro definitions
    (their bodies are templates, not functions)."""
    found = []
    for match in _FUNCTION_BODY.finditer(source):
        before = source.rfind(b"\n", 0, max(match.start() - 1, 0))
        previous = source[before + 1 : match.start()].rstrip(b"\r\n")
        end = source.find(b"\n", match.end())
        line = source[match.start() : len(source) if end == -1 else end].rstrip(b"\r")
        if previous.endswith(b"\\") or line.endswith(b"\\"):
            continue
        found.append(match.end() - 1)
    return found
