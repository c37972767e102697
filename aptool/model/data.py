"""The code model as plain data: functions, their events and control-flow skeleton.

The JSON dump (``aptool model --json``) is ``CodeModel.to_dict()``: every
dataclass here becomes an object with exactly its fields, so these classes
are the documentation of the JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Event:
    """One thing a function does that matters for locking, at ``file:line``.

    ``kind``:

    - ``acquire`` / ``release``: a lock (``lock`` = its class, ``lock_kind``
      = mutex, spin, rwlock-read, rwlock-write, rwsem-read, rwsem-write);
    - ``wait``: sleeping until woken (``lock`` = the wait queue, completion,
      bit word or variable; ``flags`` = the flag classes its condition reads);
    - ``wake``: waking the waiters of ``lock``;
    - ``flag-set`` / ``flag-clear`` / ``flag-test``: a write or a test of a
      field or bit that some wait condition in scope reads (``lock`` = the
      flag's class, ``value`` = what is written);
    - ``call``: a call of ``callee``; ``targets`` = the function ids it can
      reach (through a pointer: every function stored in a field of that name);
    - ``sleep``: a call that may sleep (``callee``);
    - ``assign``: ``callee = value`` for a variable some condition of the
      function tests (``value``: the constant, or None for anything else):
      what later branches on it know.

    ``resolved`` is False when ``lock`` is only the expression text.  Context
    sections are acquisitions too: ``rcu_read_lock`` (lock ``rcu``, kind
    ``rcu-read``), ``srcu_read_lock`` (``srcu-read``), ``local_irq_disable``
    (``irq``, ``irq-off``), ``local_bh_disable`` (``bh``, ``bh-off``),
    ``preempt_disable`` (``preempt``, ``preempt-off``); ``synchronize_srcu`` is
    a wait with ``lock_kind`` ``srcu-sync``, ``flush_work`` one with ``work``
    (``targets``: the work functions).
    """

    kind: str
    file: str
    line: int
    text: str
    lock: str | None = None
    lock_kind: str | None = None
    resolved: bool = True
    context: str = ""  # acquire/release: "irq" or "bh" when it disables (re-enables) them
    subclass: str | None = None  # _nested: the lockdep subclass as written
    trylock: bool = False  # taken only when it succeeds: it never blocks, so it adds no lock-order edge
    guard: bool = False  # guard()/scoped_guard(): the release is the end of its scope
    callee: str | None = None  # calls: the function name, or the field a pointer is loaded from
    via_pointer: bool = False
    callee_struct: str | None = None  # calls through a pointer: the struct type the field belongs to, if known
    targets: list[str] = field(default_factory=list)
    condition: str | None = None  # waits: the condition as written
    flags: list[str] = field(default_factory=list)  # waits: flag classes the condition reads
    value: str | None = None  # flag writes: the value written, or "set"/"clear" for bit operations
    conditional: str = ""  # acquire: "nonzero" (trylock) or "zero" (_interruptible, _killable): when it is taken
    result: str | None = None  # a conditional acquire: the variable its result is stored in, tested later
    args: list[str] = field(default_factory=list)  # calls: each argument's lock class ("" when not a lock)
    guessed: bool = False  # a call through a pointer whose struct type is unknown: targets by field name only
    clear_flags: list[str] = field(default_factory=list)  # waits: flags the condition waits to be clear
    # calls: each argument's place; acquire: the place of the lock's struct (see aptool.model.places)
    places: list[str] = field(default_factory=list)
    objects: tuple[str, ...] = ()  # calls: per argument, the pointer variable passed (``v``, ``&v``) or ""
    shape: str | None = None  # assign of a pointer or struct: what it is given (Function.assigned_from's words)


@dataclass
class Node:
    """A step of the control-flow skeleton.

    ``kind``:

    - ``event``: ``event`` happens;
    - ``if``: ``branches`` = [then, else] (either may be empty);
    - ``switch``: ``branches`` = one arm per case label in source order, each
      starting with a ``case`` node (``label`` = the value, or ``default``);
      control enters one arm and falls through into the next unless the arm
      ends in ``break``, ``return``, ``goto`` or ``continue``; without a
      ``default`` the last arm is empty: no case matched;
    - ``loop``: ``body`` runs zero or more times; ``do``: one or more times;
    - ``break`` (leave the innermost loop or switch), ``continue``,
      ``return`` (``label``: the value returned when it is a literal: ``1``, ``false``),
      ``goto`` (to ``label``), ``label``;
    - ``use``: a bit set in a field of a variable's object (``Function.field_uses``), where it happens.
    """

    kind: str
    line: int
    event: Event | None = None
    branches: list[list[Node]] = field(default_factory=list)
    body: list[Node] = field(default_factory=list)
    label: str | None = None
    condition: str | None = None


@dataclass
class Annotation:
    """A sparse context annotation on a function: ``__acquires``, ``__releases``, ``__must_hold``."""

    kind: str
    lock: str
    resolved: bool
    line: int


@dataclass
class Function:
    id: str  # "path:name": static functions of the same name in two files stay apart
    name: str
    file: str
    line: int
    end_line: int
    static: bool
    params: dict[str, str]  # name -> type (struct name for struct pointers)
    locals: dict[str, str]
    body: list[Node]
    annotations: list[Annotation] = field(default_factory=list)
    entry: str | None = None  # why a thread can start here, if it can
    # "STRUCT.field" -> the functions stored into that field of a struct on this function's own stack
    # (``struct walk_control wc = { .process_func = f }``, ``wc.process_func = g``)
    local_stores: dict[str, list[str]] = field(default_factory=dict)
    # (STRUCT.field, place of the object, place of the value) of each ``x->field = value``
    # (aptool.model.places): ``tree->private_data = private_data`` is ("extent_io_tree.private_data",
    # "=tree", "=private_data")
    field_writes: list[tuple[str, str, str]] = field(default_factory=list)
    # variable -> the fields this function may leave non-zero in the object it points to ("*": it escapes)
    field_stores: dict[str, list[str]] = field(default_factory=dict)
    # the same, for writes the walk does not follow as ``assign`` events: ``|=``, ``++``, ``&v->f`` passed,
    # ``v->f.g = x``, ``v->f[i] = x``
    field_updates: dict[str, list[str]] = field(default_factory=dict)
    # local -> what each assignment gives it: "call:NAME", "{}" (an initialiser list), "null", "in:STRUCT.field"
    # (an object out of that container, containers.py), "other"
    assigned_from: dict[str, list[str]] = field(default_factory=dict)
    returns: list[str] = field(default_factory=list)  # per return: "call:NAME", "var:NAME", "null", "other"
    # (STRUCT.field, what, variable, detail, line) per use of a field that may add to what it holds: a
    # bit set ("set-bit", detail: the bit; a ``use`` node marks its line), an insertion into the
    # container it heads ("insert", variable: the element's, detail: STRUCT.member of its node), any
    # other write or address taken ("write"); see aptool.model.containers
    field_uses: list[tuple[str, str, str, str, int]] = field(default_factory=list)

    def events(self) -> list[Event]:
        """Every event in source order, whatever branch it is on (a list callers only read).

        Once the skeleton is built (:meth:`freeze_events`) the list is made once and handed out
        again: the model's last steps, the walk, the checks and the simulator each ask for it, a
        dozen times per function."""
        frozen: list[Event] | None = self.__dict__.get("_events")
        if frozen is not None:
            return frozen
        found: list[Event] = []
        _collect(self.body, found)
        return found

    def freeze_events(self) -> None:
        """List ``body``'s events now and keep the list: :meth:`events` answers with it from then on.  Call
        it once the body is built, and again after changing it.  Not a field: the JSON dump, equality
        and ``dataclasses.replace`` never see it."""
        self.__dict__["_events"] = None
        self.__dict__["_events"] = self.events()


def _collect(nodes: list[Node], found: list[Event]) -> None:
    stack = [iter(nodes)]  # explicit: skeletons can nest deeper than Python's stack
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        if node.event is not None:
            found.append(node.event)
        if node.body:
            stack.append(iter(node.body))
        for branch in reversed(node.branches):
            stack.append(iter(branch))


@dataclass(frozen=True)
class Site:
    """A place in the code, as a lockdep report prints it: function and file:line."""

    function: str
    file: str
    line: int
    text: str = ""

    def __str__(self) -> str:
        return f"{self.function}+{self.file}:{self.line}"


@dataclass
class Flag:
    """A field or bit that waiters sleep on: the raw material of an open-coded lock."""

    name: str
    setters: list[Site] = field(default_factory=list)
    clearers: list[Site] = field(default_factory=list)
    testers: list[Site] = field(default_factory=list)
    waiters: list[Site] = field(default_factory=list)
    wakers: list[Site] = field(default_factory=list)  # wakes of a queue whose waiters wait for this flag
    queues: list[str] = field(default_factory=list)  # the wait queues its waiters sleep on
    open_coded: bool = False  # set and cleared by someone, waited for until clear: a lock in all but name


@dataclass
class ParseError:
    file: str
    line: int
    message: str
    function: str | None = None  # the function it is in, when tree-sitter still delimited one


@dataclass
class CodeModel:
    files: list[str]
    lines: int
    functions: dict[str, Function]
    structs: dict[str, dict[str, str]]  # struct -> field -> type
    globals: dict[str, str]  # global variable -> type
    pointer_targets: dict[str, list[str]]  # field name -> ids of the functions stored in such a field
    flags: dict[str, Flag] = field(default_factory=dict)
    parse_errors: list[ParseError] = field(default_factory=list)
    lost_functions: list[Site] = field(default_factory=list)  # bodies in code that could not be delimited
    headers: list[str] = field(default_factory=list)  # headers read for their declarations only

    @property
    def entries(self) -> list[Function]:
        return [f for f in self.functions.values() if f.entry]

    def function(self, name: str) -> Function:
        """The function called ``name`` (the first, by id, when several files define one)."""
        for fid in sorted(self.functions):
            if self.functions[fid].name == name:
                return self.functions[fid]
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document as plain dicts and lists."""
        return {
            "files": self.files,
            "headers": self.headers,
            "lines": self.lines,
            "functions": {key: asdict(value) for key, value in sorted(self.functions.items())},
            "entries": sorted(f.id for f in self.entries),
            "structs": self.structs,
            "globals": self.globals,
            "pointer_targets": self.pointer_targets,
            "flags": {name: asdict(flag) for name, flag in sorted(self.flags.items())},
            "parse_errors": [asdict(e) for e in self.parse_errors],
            "lost_functions": [asdict(s) for s in self.lost_functions],
        }

    def to_json(self, extra: dict[str, Any] | None = None) -> bytes:
        """The same document as :meth:`to_dict`, encoded (indented) by orjson straight from the
        dataclasses: a kernel directory's model is tens of megabytes of JSON."""
        import orjson

        document: dict[str, Any] = {
            "files": self.files,
            "headers": self.headers,
            "lines": self.lines,
            "functions": dict(sorted(self.functions.items())),
            "entries": sorted(f.id for f in self.entries),
            "structs": self.structs,
            "globals": self.globals,
            "pointer_targets": self.pointer_targets,
            "flags": dict(sorted(self.flags.items())),
            "parse_errors": self.parse_errors,
            "lost_functions": self.lost_functions,
            **(extra or {}),
        }
        return orjson.dumps(document, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
