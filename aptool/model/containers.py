"""Objects in containers: which objects a list, rb-tree or xarray can hold, and bits never set on them.

A lookup (``btrfs_global_root()``: ``rb_find`` in ``fs_info->global_root_tree``, then
``container_of``) gives an object some function inserted into that container.  A container is
known by the struct field that heads it (``btrfs_fs_info.global_root_tree``), for every instance of
that struct.  Its objects are those of its insertions (``rb_find_add(&root->rb_node,
&fs_info->global_root_tree, ...)``), each traced back to where it was made.

An object's *origin* is the chain of the variables that named it, from the first function that got
it from a call that makes a new object (``root = read_tree_root_path(...)``) inwards to the
allocation (``kzalloc``).  A function *makes* an object when every ``return`` gives a new
allocation of that call (or NULL, an ``ERR_PTR``).  Two objects with different heads are different
objects: each call makes its own.  An origin is unknown when the object came from anywhere else (a
field, another container, a global, a parameter whose callers are not all in the model).

A bit of a field (``BTRFS_ROOT_SHAREABLE`` of ``btrfs_root.state``) is never set on a container's
objects when every place that sets it (``set_bit``, a plain write of the field, its address handed to
a callee that may write it) acts on an object of known origin, and no such origin is the origin of
an object inserted into the container.  The free-space tree's root comes out of the global roots'
rb-tree, and the bit is only set on roots made for subvolumes and relocation, so the COW of that
tree never looks up extent references (and never takes a delayed ref head's mutex).

What this assumes, like the rest of the walk: the model holds every function that inserts into the
container or writes the bit (the struct and the bit are the scope's own), objects are not copied
whole (``*a = *b``, ``memcpy``), and a container is only changed through the calls named here (any
other use of the field: its address handed elsewhere, the field assigned, a list insertion next to
an element rather than at the head, makes its objects unknown).
"""

from __future__ import annotations

import re

from aptool.model.data import CodeModel, Event, Function
from aptool.model.pointers import CallTargets
from aptool.model.stores import NO_OBJECT

# Inserting calls: name -> (element argument, container argument).  An element is the object's
# embedded node (``&root->rb_node``, ``&x->list``) or, for an xarray, radix tree or idr, the entry.
INSERTS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("rb_find_add", "rb_find_add_rcu", "rb_add", "rb_add_cached"), (0, 1)),
    **dict.fromkeys(("rb_insert_color", "rb_insert_color_cached", "rb_insert_augmented"), (0, 1)),
    **dict.fromkeys(("rb_replace_node", "rb_replace_node_rcu", "rb_replace_node_cached"), (1, 2)),
    **dict.fromkeys(("list_add", "list_add_tail", "list_add_rcu", "list_add_tail_rcu"), (0, 1)),
    **dict.fromkeys(("list_move", "list_move_tail", "hlist_add_head", "hlist_add_head_rcu", "llist_add"), (0, 1)),
    **dict.fromkeys(("xa_store", "__xa_store", "xa_insert", "__xa_insert", "radix_tree_insert"), (2, 0)),
    "xa_cmpxchg": (3, 0),
    **dict.fromkeys(("idr_alloc", "idr_alloc_cyclic", "idr_alloc_u32", "idr_replace"), (1, 0)),
}
# Lookups: name -> the container argument.  The result is an element (xarray, list) or its node
# (rb-tree: the element is ``rb_entry``/``container_of`` of it).
LOOKUPS: dict[str, int] = {
    **dict.fromkeys(("rb_find", "rb_find_first", "rb_first", "rb_last", "rb_first_postorder"), 0),
    **dict.fromkeys(("xa_load", "radix_tree_lookup", "idr_find"), 0),
    **dict.fromkeys(("list_first_entry", "list_last_entry", "list_first_entry_or_null"), 0),
    "rb_first_cached": 0,
}
LOOKUPS["rb_find"] = 1
LOOKUPS["rb_find_first"] = 1
# The node of an element -> the element.
ENTRY_OF = frozenset({"container_of", "rb_entry", "list_entry", "hlist_entry", "llist_entry", "rb_entry_safe"})
# Calls given a container (or an element's node) that add nothing to it: reads, removals, set-up.
BENIGN = frozenset(
    {
        *LOOKUPS,
        "rb_erase",
        "rb_erase_cached",
        "rb_next",
        "rb_prev",
        "RB_EMPTY_ROOT",
        "RB_CLEAR_NODE",
        "RB_EMPTY_NODE",
        "rb_link_node",  # the insertion is the rb_insert_color that follows, which names the tree
        "rb_link_node_rcu",
        "list_del",
        "list_del_init",
        "list_del_rcu",
        "list_empty",
        "list_empty_careful",
        "list_is_singular",
        "list_is_last",
        "INIT_LIST_HEAD",
        "INIT_HLIST_HEAD",
        "INIT_HLIST_NODE",
        "hlist_del",
        "hlist_del_init",
        "hlist_del_rcu",
        "hlist_unhashed",
        "hlist_empty",
        "llist_empty",
        "xa_erase",
        "__xa_erase",
        "xa_init",
        "xa_init_flags",
        "xa_destroy",
        "xa_empty",
        "radix_tree_delete",
        "INIT_RADIX_TREE",
        "idr_remove",
        "idr_init",
        "idr_init_base",
        "idr_destroy",
        "idr_is_empty",
    }
)
# Stores of a value into a field named (not its address): name -> (field argument, value argument).
STORES: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("WRITE_ONCE", "smp_store_release", "smp_store_mb", "rcu_assign_pointer"), (0, 1)),
    **dict.fromkeys(("RCU_INIT_POINTER", "atomic_set", "atomic_long_set", "xchg", "cmpxchg"), (0, 1)),
    "rcu_replace_pointer": (0, 1),
}
# Calls that write a bit of the word whose address they are given: name -> the bit argument.
SET_BITS: dict[str, int] = dict.fromkeys(
    ("set_bit", "__set_bit", "test_and_set_bit", "__test_and_set_bit", "test_and_set_bit_lock"), 0
)
# Calls given a word's address that set no bit of it.
NO_BIT_SET = frozenset(
    {
        "clear_bit",
        "__clear_bit",
        "test_and_clear_bit",
        "__test_and_clear_bit",
        "clear_bit_unlock",
        "__clear_bit_unlock",
        "clear_and_wake_up_bit",
        "test_bit",
        "test_bit_acquire",
        "constant_test_bit",
        "variable_test_bit",
        "wait_on_bit",
        "wait_on_bit_io",
        "wake_up_bit",
        "atomic_read",
        "READ_ONCE",
    }
)
# Allocators: a call of one makes a new object.
ALLOCATORS = frozenset(
    {
        "kmalloc",
        "kmalloc_node",
        "kzalloc",
        "kzalloc_node",
        "kcalloc",
        "kcalloc_node",
        "kmalloc_array",
        "kvmalloc",
        "kvzalloc",
        "kvcalloc",
        "vmalloc",
        "vzalloc",
        "kmem_cache_alloc",
        "kmem_cache_zalloc",
        "kmem_cache_alloc_node",
        "devm_kzalloc",
        "devm_kmalloc",
        "devm_kcalloc",
        "malloc",
        "calloc",
    }
)

# One use of a struct field (see ``Function.field_uses``): (STRUCT.field, what, variable, detail, line).
FieldUse = tuple[str, str, str, str, int]

Origin = tuple[tuple[str, str], ...]  # (function id, variable) from the first name inwards
_PARAMETER = "param"  # what a parameter holds on entry: whatever the callers pass
_BIT_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
CONTAINED = "\x02"  # a value passed down the walk: an object out of the container named after it


class Containers:
    """The container and bit questions for one model, answered on demand and remembered."""

    def __init__(self, model: CodeModel, events: dict[str, list[Event]], targets: CallTargets | None = None) -> None:
        self.model = model
        self.events = events
        self.targets = targets or CallTargets(model, events)
        self._callers: dict[str, list[tuple[str, Event]]] | None = None
        self._flows: dict[tuple[str, str], _Flow | None] = {}
        self._origins: dict[tuple[str, str, frozenset[str]], frozenset[Origin] | None] = {}
        self._made: dict[str, frozenset[Origin] | None] = {}
        self._elements: dict[str, frozenset[Origin] | None] = {}
        self._container_of: dict[tuple[str, str], str | None] = {}
        self._returned: dict[str, str | None] = {}
        self._never_set: dict[tuple[str, str, str], bool] = {}
        self._uses: dict[str, list[tuple[str, FieldUse]]] | None = None
        self._addressed: frozenset[str] | None = None
        self._taken: dict[str, frozenset[str]] = {}  # function -> its variables whose address is taken

    # --- which container a variable's object comes out of -----------------------------------

    def container_of(self, fid: str, name: str) -> str | None:
        """The container (``STRUCT.field``) every object local ``name`` of ``fid`` is given comes out
        of, or None.  NULL and error pointers are no object."""
        key = (fid, name)
        if key not in self._container_of:
            self._container_of[key] = None  # a cycle: no answer
            self._container_of[key] = self._container(fid, name)
        return self._container_of[key]

    def _container(self, fid: str, name: str) -> str | None:
        function = self.model.functions[fid]
        if name in function.params:
            return None
        found: set[str] = set()
        for shape in function.assigned_from.get(name, ()):
            if shape in NO_OBJECT:
                continue
            kind, _, rest = shape.partition(":")
            if kind == "in":
                found.add(rest)
            elif kind == "entry":  # container_of(node, ...): what the node variable holds, anywhere
                nodes = set(function.assigned_from.get(rest, ())) - NO_OBJECT
                if len(nodes) != 1 or not next(iter(nodes)).startswith("in:") or self.taken(fid, rest):
                    return None
                found.add(next(iter(nodes))[3:])
            elif kind == "call" and (given := self._from_call(fid, rest)) is not None:
                found.add(given)
            else:
                return None
        if len(found) != 1 or self.taken(fid, name):
            return None  # two containers, or a callee may set the variable (``&root`` handed on)
        return found.pop()

    def element_types(self) -> frozenset[str]:
        """The types of the locals some function gets out of a container: only a parameter of one of
        these types can be given such an object."""
        found: set[str] = set()
        for fid, function in self.model.functions.items():
            for name, shapes in function.assigned_from.items():
                if name in function.locals and any(s.startswith(("in:", "call:")) for s in shapes):
                    if self.container_of(fid, name) is not None:
                        found.add(function.locals[name])
        return frozenset(found)

    def _from_call(self, fid: str, callee: str) -> str | None:
        target = self.targets.single(fid, callee)
        return self.returned_container(target) if target is not None else None

    def returned_container(self, fid: str) -> str | None:
        """The container every object ``fid`` returns comes out of, or None."""
        if fid in self._returned:
            return self._returned[fid]
        self._returned[fid] = None
        function = self.model.functions[fid]
        found: set[str] = set()
        for shape in function.returns:
            if shape in NO_OBJECT:
                continue
            kind, _, rest = shape.partition(":")
            if kind == "var":
                given = self.container_of(fid, rest)
            elif kind == "call":
                given = self._from_call(fid, rest)
            else:
                given = None
            if given is None:
                found = set()
                break
            found.add(given)
        self._returned[fid] = found.pop() if len(found) == 1 else None
        return self._returned[fid]

    # --- origins -------------------------------------------------------------------------------

    def origins_at_call(self, fid: str, event: Event, name: str) -> frozenset[Origin] | None:
        """The origins of the objects ``name`` holds where ``event`` happens in ``fid``, or None."""
        flow = self._flow(fid, name)
        shapes = flow.at_event.get(id(event)) if flow is not None else None
        return self._from_shapes(fid, name, shapes if shapes is not None else self._all_shapes(fid, name))

    def origins_at_line(self, fid: str, name: str, line: int) -> frozenset[Origin] | None:
        """The same where a ``use`` node of ``line`` is (a bit set), or None."""
        flow = self._flow(fid, name)
        shapes = flow.at_use.get(line) if flow is not None and line not in flow.in_loops else None
        return self._from_shapes(fid, name, shapes if shapes is not None else self._all_shapes(fid, name))

    def _all_shapes(self, fid: str, name: str) -> frozenset[str]:
        function = self.model.functions[fid]
        shapes = set(function.assigned_from.get(name, ()))
        if name in function.params:
            shapes.add(_PARAMETER)
        return frozenset(shapes)

    def _from_shapes(self, fid: str, name: str, shapes: frozenset[str]) -> frozenset[Origin] | None:
        key = (fid, name, shapes)
        if key in self._origins:
            return self._origins[key]
        self._origins[key] = None  # a cycle through the callers: unknown
        self._origins[key] = self._origin(fid, name, shapes)
        return self._origins[key]

    def _origin(self, fid: str, name: str, shapes: frozenset[str]) -> frozenset[Origin] | None:
        function = self.model.functions[fid]
        if not name or self.taken(fid, name):
            return None
        found: set[Origin] = set()
        for shape in shapes:
            if shape in NO_OBJECT:
                continue
            if shape == _PARAMETER:
                given = self._passed(fid, list(function.params).index(name))
                if given is None:
                    return None
                found |= given
                continue
            kind, _, callee = shape.partition(":")
            if kind != "call" or name not in function.locals:
                return None
            if callee in ALLOCATORS:
                found.add(((fid, name),))
                continue
            target = self.targets.single(fid, callee)
            made = self.made(target) if target is not None else None
            if made is None:
                return None
            found |= {((fid, name), *inner) for inner in made}
        return frozenset(found) if found else None

    def _passed(self, fid: str, index: int) -> frozenset[Origin] | None:
        """The origins of what every caller passes as parameter ``index`` of ``fid``."""
        function = self.model.functions[fid]
        callers = self.callers().get(fid)
        if not callers or function.entry is not None or function.name in self.addressed():
            return None  # called from outside the model (a callback, a system call), or through a pointer
        found: set[Origin] = set()
        for caller, event in callers:
            passed = event.objects[index] if index < len(event.objects) else ""
            given = self.origins_at_call(caller, event, passed) if passed else None
            if given is None:
                return None
            found |= given
        return frozenset(found)

    def made(self, fid: str) -> frozenset[Origin] | None:
        """When every object ``fid`` returns is new, made by that call: the origins inside it; else None."""
        if fid in self._made:
            return self._made[fid]
        self._made[fid] = None
        function = self.model.functions[fid]
        found: set[Origin] = set()
        for shape in function.returns:
            if shape in NO_OBJECT:
                continue
            kind, _, rest = shape.partition(":")
            given: frozenset[Origin] | None = None
            if kind == "var" and rest in function.locals:
                given = self._from_shapes(fid, rest, self._all_shapes(fid, rest))
            elif kind == "call" and rest in ALLOCATORS:
                given = frozenset({((fid, ""),)})
            elif kind == "call" and (target := self.targets.single(fid, rest)) is not None:
                inner = self.made(target)
                given = None if inner is None else frozenset(((fid, ""), *chain) for chain in inner)
            if given is None:
                found = set()
                break
            found |= given
        self._made[fid] = frozenset(found) if found else None
        return self._made[fid]

    # --- what reaches a point: assignments, and branches on NULL and error pointers -------------

    def _flow(self, fid: str, name: str) -> _Flow | None:
        key = (fid, name)
        if key not in self._flows:
            self._flows[key] = _reaching(self.model.functions[fid], self.events[fid], name)
        return self._flows[key]

    # --- containers and bits ---------------------------------------------------------------------

    def uses(self) -> dict[str, list[tuple[str, FieldUse]]]:
        """Every recorded field use, by ``STRUCT.field`` (an unknown struct is ``?``): (function, use)."""
        if self._uses is None:
            self._uses = {}
            for fid, function in self.model.functions.items():
                for use in function.field_uses:
                    self._uses.setdefault(use[0], []).append((fid, use))
        return self._uses

    def _uses_of(self, key: str) -> list[tuple[str, FieldUse]]:
        field = key.rpartition(".")[2]
        return self.uses().get(key, []) + self.uses().get(f"?.{field}", [])

    def elements(self, container: str) -> frozenset[Origin] | None:
        """The origins of every object inserted into ``container``, or None when some are unknown."""
        if container in self._elements:
            return self._elements[container]
        self._elements[container] = None
        found: set[Origin] = set()
        members: set[str] = set()
        for fid, (_, what, variable, member, _) in self._uses_of(container):
            if what != "insert" or not variable:
                return None  # written, handed on, its address kept, or an element not named
            given = self._from_shapes(fid, variable, self._all_shapes(fid, variable))
            if given is None:
                return None
            found |= given
            members.add(member)
        # An insertion next to an element (``list_add(&x->list, &y->list)``) adds to y's container.
        if any(self._uses_of(member) for member in members if member):
            return None
        self._elements[container] = frozenset(found)
        return self._elements[container]

    def never_set(self, container: str, field: str, bit: str) -> bool:
        """Whether bit ``bit`` of ``field`` (``btrfs_root.state``) is never set on an object of
        ``container``."""
        key = (container, field, bit)
        if key not in self._never_set:
            self._never_set[key] = self._never(container, field, bit)
        return self._never_set[key]

    def _never(self, container: str, field: str, bit: str) -> bool:
        if not _BIT_NAME.match(bit):
            return False  # a bit tested by a variable or a number: any set may be it
        inside = self.elements(container)
        if not inside:
            return False
        heads = {origin[0] for origin in inside}
        for fid, (_, what, variable, detail, line) in self._uses_of(field):
            if what in ("insert", "address", "function") or (what == "set-bit" and detail not in (bit, "*")):
                continue
            if not variable:
                return False
            if what == "set-bit":
                setters = self.origins_at_line(fid, variable, line)
            else:
                setters = self._from_shapes(fid, variable, self._all_shapes(fid, variable))
            if setters is None:
                return False
            for origin in setters:  # the same object: one's first name is on the other's way in
                if any(head in origin for head in heads) or any(origin[0] in other for other in inside):
                    return False
        return True

    # --- indexes -------------------------------------------------------------------------------------

    def taken(self, fid: str, name: str) -> bool:
        """Whether ``&name`` appears anywhere in ``fid`` (handed to a call, kept in another variable, or
        assigned by a macro): then the variable may change unseen."""
        found = self._taken.get(fid)
        if found is None:
            found = self._taken[fid] = _addressed_variables(self.model.functions[fid])
        return name in found

    def addressed(self) -> frozenset[str]:
        """The names of the functions whose address some code takes: stored in a field (an ops table)
        or passed as an argument.  A call through that pointer may come from anywhere."""
        if self._addressed is None:
            found = {fid.rpartition(":")[2] for fids in self.model.pointer_targets.values() for fid in fids}
            for function in self.model.functions.values():
                found.update(use[2] for use in function.field_uses if use[1] == "function")
            self._addressed = frozenset(found)
        return self._addressed

    def callers(self) -> dict[str, list[tuple[str, Event]]]:
        """Function id -> every (caller id, call event) that reaches it."""
        if self._callers is None:
            self._callers = {}
            for fid, events in self.events.items():
                for event in events:
                    if event.kind == "call":
                        for target in event.targets:
                            self._callers.setdefault(target, []).append((fid, event))
        return self._callers


class _Flow:
    """What a variable may hold at each call event and ``use`` node: sets of assignment shapes."""

    def __init__(self) -> None:
        self.at_event: dict[int, frozenset[str]] = {}
        self.at_use: dict[int, frozenset[str]] = {}
        self.in_loops: set[int] = set()  # uses in a loop's condition: evaluated on every round, not once


def _reaching(function: Function, events: list[Event], name: str) -> _Flow | None:
    """The assignments of ``name`` that reach each point of ``function``, with the arms of ``if (!x)``,
    ``if (IS_ERR(x))`` and the like telling NULL and error pointers apart; None when some assignment
    of it is not an event of the skeleton (then every assignment counts everywhere)."""
    from aptool.model.lockset import build_cfg  # the walk's graph; lockset imports this module

    assigns = [e for e in events if e.kind == "assign" and e.callee == name]
    if len(assigns) != len(function.assigned_from.get(name, ())) or any(e.shape is None for e in assigns):
        return None  # an assignment the skeleton does not keep (nothing tests the variable)
    shape_of = {id(e): e.shape for e in assigns if e.shape is not None}
    cfg, entry = build_cfg(function, uses=True)
    start = frozenset({_PARAMETER}) if name in function.params else frozenset()
    states: dict[int, frozenset[str]] = {entry: start}
    flow = _Flow()
    work = [entry]
    while work:
        index = work.pop()
        step = cfg.steps[index]
        state = states[index]
        outgoing: list[tuple[int, frozenset[str]]]
        if step.op == "event" and step.event is not None:
            event = step.event
            flow.at_event[id(event)] = flow.at_event.get(id(event), frozenset()) | state
            after = frozenset({shape_of[id(event)]}) if id(event) in shape_of else state
            outgoing = [(succ, after) for succ in step.succ]
        elif step.cond:
            outgoing = [(succ, _assume(state, cond, name)) for succ, cond in zip(step.succ, step.cond, strict=False)]
        else:
            if step.label in ("use", "loop"):
                flow.at_use[step.line] = flow.at_use.get(step.line, frozenset()) | state
                if step.label == "loop":
                    flow.in_loops.add(step.line)
            outgoing = [(succ, state) for succ in step.succ]
        for succ, after in outgoing:
            known = states.get(succ)
            merged = after if known is None else known | after
            if merged != known:
                states[succ] = merged
                work.append(succ)
    return flow


def _assume(state: frozenset[str], cond: tuple[str, bool] | None, name: str) -> frozenset[str]:
    """``state`` on the arm of a branch: ``if (x)`` holds no NULL, ``if (IS_ERR(x))`` no object at all."""
    if cond is None:
        return state
    text, truth = cond
    text = re.sub(r"\s+", "", text)
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    for wrapper in ("unlikely(", "likely("):
        if text.startswith(wrapper) and text.endswith(")"):
            text = text[len(wrapper) : -1]
    stripped = text.lstrip("!")
    negated = (len(text) - len(stripped)) % 2 == 1  # !!x is x
    text = stripped
    nothing = frozenset({"null"})
    if text in (name, f"{name}!=NULL"):
        present = truth != negated
    elif text == f"{name}==NULL":
        present = truth == negated
    elif text in (f"IS_ERR({name})", f"IS_ERR_OR_NULL({name})"):
        if truth != negated:
            return nothing
        return state - nothing if text.startswith("IS_ERR_OR_NULL") else state
    else:
        return state
    return state - nothing if present else nothing


def _addressed_variables(function: Function) -> frozenset[str]:
    """The variables of ``function`` whose address it takes (``&v``, anywhere) or a macro assigns."""
    return frozenset(use[2] for use in function.field_uses if use[1] == "address")


def moved_variables(function: Function) -> set[str]:
    """The variables ``function`` gives another value, or whose address it hands on or keeps: a
    parameter among them may not hold what the caller passed."""
    found = set(function.assigned_from) | {e.callee or "" for e in function.events() if e.kind == "assign"}
    return found | _addressed_variables(function)
