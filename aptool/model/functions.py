"""One C function definition -> its events and control-flow skeleton.

Statements become skeleton nodes (if, switch/case, loop, do, break,
continue, return, goto, label); expressions are scanned in evaluation order
(arguments before the call) and every call is looked up in the tables of
``primitives.py``.  Two things wait until every function in scope is built:
call targets (``pointers.py``) and which field writes and tests are flags
(``flags.py``): the builder leaves those as :class:`Candidate` s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node as TSNode

from aptool.model.containers import BENIGN, ENTRY_OF, INSERTS, LOOKUPS, NO_BIT_SET, SET_BITS, STORES
from aptool.model.data import Annotation, Event, Function, Node, ParseError
from aptool.model.declarations import Declarations, declared_names, initialised_type, type_of_specifier
from aptool.model.parse import Parsed, RawAnnotation, parse
from aptool.model.places import Places, lock_place, place_of
from aptool.model.primitives import (
    ASSERT_HELD,
    DOWNGRADES,
    FIELD_ACCESSES,
    FLAG_READERS,
    GFP_ALLOCATORS,
    GUARD_KINDS,
    LOCK_OPS,
    SLEEPING_CALLS,
    SLEEPING_GFP,
    SYNC_OPS,
    WAIT_LOCK,
    WAIT_OPS,
    WAKE_OPS,
    LockOp,
)
from aptool.model.resolve import Resolver, container_of_type, strip
from aptool.model.stores import (
    ESCAPES,
    LINKING,
    READERS,
    address_of_field,
    assigned_shape,
    field_base,
    initialiser_stores,
    is_zero,
    passed_object,
    returned_shape,
)
from aptool.model.syntax import text_of, uncast, unparenthesized

_LOOPS = ("for_statement", "while_statement")
_PREPROC_IF = ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_elifdef")
_ENDS_PATH = ("return", "goto", "break", "continue")
MAX_TEXT = 160
MAX_DEPTH = 150  # statements and expressions nested deeper than this are skipped, with a warning


@dataclass
class Candidate:
    """A write or test of a field, kept as a flag event only if some wait condition reads that field."""

    node: Node
    target: TSNode  # the field expression
    suffix: str  # "[BIT]" for a bit of a word
    resolver: Resolver


@dataclass
class Built:
    function: Function
    candidates: list[Candidate] = field(default_factory=list)
    passed: set[tuple[str, str]] = field(default_factory=set)  # (identifier passed as an argument, to what)
    stores: list[tuple[str, str]] = field(default_factory=list)  # (field, identifier) stored into it
    warnings: list[ParseError] = field(default_factory=list)  # regions skipped (nested too deep)


def function_declarator(definition: TSNode) -> TSNode | None:
    declarator = definition.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    return declarator


def function_name(definition: TSNode) -> str | None:
    declarator = function_declarator(definition)
    inner = declarator.child_by_field_name("declarator") if declarator is not None else None
    return text_of(inner) if inner is not None and inner.type == "identifier" else None


class FunctionBuilder:
    """Builds one :class:`Function` from its definition."""

    def __init__(
        self,
        decls: Declarations,
        parsed: Parsed,
        path: str,
        definition: TSNode,
        annotations: list[RawAnnotation] | None = None,
        flag_fields: frozenset[str] = frozenset(),
    ) -> None:
        self.decls = decls
        self.flag_fields = flag_fields  # field names some wait condition reads: only these can be flags
        self.parsed = parsed
        self.path = path
        self.definition = definition
        self.raw_annotations = annotations or []
        self.params: dict[str, str] = {}
        self.locals: dict[str, str] = {}
        self.pointer_locals: dict[str, str] = {}  # local -> the field a function pointer was loaded from
        self.pointer_owners: dict[str, str] = {}  # local -> the struct that field belongs to
        self.resolver = Resolver(decls, {})
        self.scopes: list[list[Event]] = []  # guards active in each enclosing block
        self.candidates: list[Candidate] = []
        self.passed: set[tuple[str, str]] = set()
        self.stores: list[tuple[str, str]] = []  # (field, identifier) of assignments and initialisers
        self.local_stores: dict[str, list[str]] = {}  # the same, into a struct on the function's stack
        self.field_stores: dict[str, list[str]] = {}  # variable -> fields written non-zero (see stores.py)
        self.field_updates: dict[str, list[str]] = {}  # the same, not by a plain ``v->f = x``
        self.assigned_from: dict[str, list[str]] = {}
        self.returns: list[str] = []
        self.field_uses: list[tuple[str, str, str, str, int]] = []  # see Function.field_uses
        self.shadowed: set[str] = set()  # variables declared twice: their fields' struct is not known
        self.taken_when: dict[int, str] = {}  # id of a conditional acquire's node -> "zero" or "nonzero"
        self.asserted: list[Annotation] = []  # lockdep_assert_held(): the caller holds it, as __must_hold says
        self.active = False  # an acquisition or a call was built: a later assertion is about this function's own
        self.depth = 0
        self.warnings: list[ParseError] = []
        self.places = Places()  # what each variable is given: where the objects passed down live

    def build(self) -> Built | None:
        name = function_name(self.definition)
        body = self.definition.child_by_field_name("body")
        if name is None or body is None:
            return None
        self._parameters()
        self.resolver.variables.update(self.params)
        nodes = self._block(body)
        writes = self.places.resolve(name, nodes, self.params, self.locals)
        static = any(c.type == "storage_class_specifier" and text_of(c) == "static" for c in self.definition.children)
        function = Function(
            id=f"{self.path}:{name}",
            name=name,
            file=self.path,
            line=self.definition.start_point[0] + 1,
            end_line=self.definition.end_point[0] + 1,
            static=static,
            params=self.params,
            locals=self.locals,
            body=nodes,
            annotations=self._annotations() + self.asserted,
            local_stores=self.local_stores,
            field_writes=writes,
            field_stores=self.field_stores,
            field_updates=self.field_updates,
            assigned_from=self.assigned_from,
            returns=self.returns,
            field_uses=list(dict.fromkeys(self.field_uses)),
        )
        _keep_tested_assignments(function)
        for warning in self.warnings:
            warning.function = name
        return Built(function, self.candidates, self.passed, self.stores, self.warnings)

    # --- declarations -----------------------------------------------------------------

    def _parameters(self) -> None:
        declarator = function_declarator(self.definition)
        params = declarator.child_by_field_name("parameters") if declarator is not None else None
        for param in params.named_children if params is not None else []:
            if param.type != "parameter_declaration":
                continue
            for name in declared_names(param.child_by_field_name("declarator"))[:1]:
                self.params[name] = type_of_specifier(param.child_by_field_name("type"))
                if _is_pointer(param.child_by_field_name("declarator")):
                    self.resolver.pointers.add(name)

    def _annotations(self) -> list[Annotation]:
        """``__must_hold(&kvm->lock)`` -> (``__must_hold``, ``kvm.lock``), resolved like any lock."""
        found = []
        for raw in self.raw_annotations:
            expression = _expression_node(raw.argument)
            lock, resolved = self.resolver.lock_class(expression) if expression is not None else (raw.argument, False)
            line = self.parsed.source.count(b"\n", 0, raw.offset) + 1
            found.append(Annotation(raw.kind, lock, resolved, line))
        return found

    def _declare(self, declaration: TSNode) -> list[Node]:
        type_name = type_of_specifier(declaration.child_by_field_name("type"))
        nodes: list[Node] = []
        for declarator in declaration.children_by_field_name("declarator"):
            names = declared_names(declarator)
            if not names:
                continue
            value = declarator.child_by_field_name("value") if declarator.type == "init_declarator" else None
            local_type = type_name
            if value is not None:
                local_type = container_of_type(value) or type_name
                nodes += self._expression(value)
                _store_result(nodes, names[0])
                assigned = self._assigned(value, names[0], value)
                nodes.append(assigned)
                self._remember_load(names[0], value)
                self.places.assigned(names[0], value, self.resolver)
                assigned.event.shape = self._note_value(names[0], value, _is_pointer(declarator), type_name)  # type: ignore[union-attr]
            if names[0] in self.resolver.variables or _is_static(declaration):
                # declared again in an inner block, or kept from call to call: what it holds is not followed
                self.field_uses.append(("", "address", names[0], "", 0))
                self.shadowed.add(names[0])
            self.locals[names[0]] = local_type
            self.resolver.variables[names[0]] = local_type
            if _is_pointer(declarator):
                self.resolver.pointers.add(names[0])
        return nodes

    def _remember_load(self, name: str, value: TSNode) -> None:
        """``hook = *kvm->arch.crypto.pqap_hook`` makes ``hook(...)`` a call through ``pqap_hook``;
        ``lock = &x->lock`` makes ``spin_lock(lock)`` a lock of ``x->lock``'s class."""
        if value.type == "pointer_expression" and text_of(value).lstrip().startswith("&"):
            self.resolver.aliases[name] = value
        target = strip(value)
        if target.type == "field_expression":
            self.pointer_locals[name] = text_of(target.child_by_field_name("field"))
            owner = self.resolver.type_of(target.child_by_field_name("argument"))  # type: ignore[arg-type]
            if owner is not None:
                self.pointer_owners[name] = owner

    # --- statements -------------------------------------------------------------------

    def _block(self, block: TSNode, guards: list[Event] | None = None) -> list[Node]:
        """A block's statements; the guards taken in it are released where it ends."""
        self.scopes.append(list(guards or []))
        nodes: list[Node] = []
        for child in block.named_children:
            nodes += self._statement(child)
        scope = self.scopes.pop()
        if not nodes or nodes[-1].kind not in _ENDS_PATH:
            nodes += [self._release_of(event) for event in reversed(scope)]
        return nodes

    def _statements(self, nodes: list[TSNode]) -> list[Node]:
        found: list[Node] = []
        for node in nodes:
            found += self._statement(node)
        return found

    def _statement(self, node: TSNode | None) -> list[Node]:
        """One statement's nodes; deeper than ``MAX_DEPTH`` the region is skipped with a warning."""
        if node is None:
            return []
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                self._too_deep(node)
                return []
            return self._statement_at(node)
        finally:
            self.depth -= 1

    def _too_deep(self, node: TSNode) -> None:
        if not self.warnings:
            line = node.start_point[0] + 1
            message = f"nested deeper than {MAX_DEPTH} levels: the region was skipped"
            self.warnings.append(ParseError(self.path, line, message))

    def _statement_at(self, node: TSNode) -> list[Node]:
        kind = node.type
        line = node.start_point[0] + 1
        if kind == "compound_statement":
            return self._block(node)
        if kind == "expression_statement":
            inner = node.named_children[0] if node.named_children else None
            return self._expression(inner) if inner is not None else []
        if kind == "declaration":
            return self._declare(node)
        if kind == "if_statement":
            return self._if(node)
        if kind in _LOOPS:
            if kind == "while_statement" and self.parsed.source.startswith(b"scoped_guard", node.start_byte):
                return self._scoped_guard(node)
            return self._loop(node)
        if kind == "do_statement":
            body = self._statement(node.child_by_field_name("body"))
            body += self._expression(node.child_by_field_name("condition"), testing=True)
            return [Node("do", line, body=body, condition=text_of(node.child_by_field_name("condition")))]
        if kind == "switch_statement":
            return self._switch(node)
        if kind == "return_statement":
            return self._return(node, line)
        if kind == "goto_statement":
            return [Node("goto", line, label=text_of(node.child_by_field_name("label")))]
        if kind == "labeled_statement":
            nodes = [Node("label", line, label=text_of(node.child_by_field_name("label")))]
            return nodes + self._statements(node.named_children[1:])
        if kind == "break_statement":
            return [Node("break", line)]
        if kind == "continue_statement":
            return [Node("continue", line)]
        if kind in _PREPROC_IF:
            return self._preproc_if(node)
        if kind in (
            "comment",
            "preproc_call",
            "preproc_def",
            "preproc_function_def",
            "preproc_include",
            "type_definition",
            "struct_specifier",
            "enum_specifier",
            "union_specifier",
        ):
            return []
        if kind == "ERROR" or kind.endswith("_statement") or kind == "case_statement":
            found: list[Node] = []  # recover: whatever statements or expressions are inside still count
            for child in node.named_children:
                is_statement = child.type.endswith("statement") or child.type in ("declaration", "ERROR")
                found += self._statement(child) if is_statement else self._expression(child)
            return found
        return self._expression(node)

    def _return(self, node: TSNode, line: int) -> list[Node]:
        value = node.named_children[0] if node.named_children else None
        if value is not None and strip(value).type == "identifier":
            self._note_value_name(strip(value))  # return init_root: its address, handed out
        self.returns.append(returned_shape(value, self.resolver.variables))
        if value is not None and passed_object(value, self.params):  # a local returned is the caller's now
            self._escape(value)
        releases = [self._release_of(e) for scope in reversed(self.scopes) for e in reversed(scope)]
        literal = strip(value) if value is not None else None
        returned = text_of(literal) if literal is not None and literal.type in _LITERAL_TYPES else None
        return self._expression(value) + releases + [Node("return", line, label=returned)]

    def _if(self, node: TSNode) -> list[Node]:
        line = node.start_point[0] + 1
        condition = node.child_by_field_name("condition")
        before = self._expression(condition, conditional_locks=True, testing=True)
        taken = [n for n in before if id(n) in self.taken_when]
        plain = [n for n in before if n not in taken]
        then_nodes = self._statement(node.child_by_field_name("consequence"))
        alternative = node.child_by_field_name("alternative")
        else_nodes = self._statements(alternative.named_children) if alternative is not None else []
        tested = text_of(condition).strip("() \t")
        negated = tested.startswith("!") or re.search(r"==\s*0\s*$", tested) is not None  # true when it returned 0
        for lock_node in reversed(taken):
            on_success = self.taken_when[id(lock_node)] == "nonzero"
            (then_nodes if on_success != negated else else_nodes).insert(0, lock_node)
        return plain + [Node("if", line, branches=[then_nodes, else_nodes], condition=_squash(text_of(condition)))]

    def _loop(self, node: TSNode) -> list[Node]:
        line = node.start_point[0] + 1
        before: list[Node] = []
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            before += self._declare(initializer) if initializer.type == "declaration" else self._expression(initializer)
        condition = node.child_by_field_name("condition")
        self._note_cursors(condition)
        tested = self._expression(condition, testing=True)
        for use in tested:
            if use.kind == "use":
                use.label = "loop"  # set on every round: what reaches it is not what reaches the loop
        before += tested
        body = self._statement(node.child_by_field_name("body"))
        body += self._expression(node.child_by_field_name("update"))
        return before + [Node("loop", line, body=body, condition=_squash(text_of(condition)))]

    def _scoped_guard(self, node: TSNode) -> list[Node]:
        """``scoped_guard(kind, &lock) body`` (parsed as a while): the lock is held for the body only."""
        condition = node.child_by_field_name("condition")
        parts = _comma_parts(condition)
        acquired = self._lock(
            GUARD_KINDS.get(text_of(parts[0]).strip()) if parts else None,
            parts[1] if len(parts) > 1 else None,
            node,
            guard=True,
        )
        body = node.child_by_field_name("body")
        if acquired and body is not None and body.type == "compound_statement":
            return acquired + self._block(body, [acquired[0].event])  # type: ignore[list-item]
        self.scopes.append([acquired[0].event] if acquired else [])  # type: ignore[list-item]
        nodes = self._statement(body)
        scope = self.scopes.pop()
        return acquired + nodes + [self._release_of(e) for e in reversed(scope)]

    def _switch(self, node: TSNode) -> list[Node]:
        line = node.start_point[0] + 1
        nodes = self._expression(node.child_by_field_name("condition"), testing=True)
        body = node.child_by_field_name("body")
        arms: list[list[Node]] = []
        has_default = False
        for child in body.named_children if body is not None else []:
            if child.type != "case_statement":
                if arms:
                    arms[-1] += self._statement(child)
                continue
            value = child.child_by_field_name("value")
            label = _squash(text_of(value)) if value is not None else "default"
            has_default = has_default or value is None
            arm = [Node("case", child.start_point[0] + 1, label=label)]
            for statement in child.named_children:
                if value is None or statement.id != value.id:
                    arm += self._statement(statement)
            arms.append(arm)
        if not has_default:
            arms.append([])
        return nodes + [
            Node("switch", line, branches=arms, condition=_squash(text_of(node.child_by_field_name("condition"))))
        ]

    def _preproc_if(self, node: TSNode) -> list[Node]:
        """``#ifdef X ... #else ... #endif`` in a body: an if on the configuration, both arms kept."""
        line = node.start_point[0] + 1
        skip = {
            c.id
            for c in (
                node.child_by_field_name("name"),
                node.child_by_field_name("condition"),
                node.child_by_field_name("alternative"),
            )
            if c is not None
        }
        then_nodes = self._statements([c for c in node.named_children if c.id not in skip])
        alternative = node.child_by_field_name("alternative")
        else_nodes: list[Node] = []
        if alternative is not None:
            else_nodes = (
                self._preproc_if(alternative)
                if alternative.type in _PREPROC_IF
                else self._statements(alternative.named_children)
            )
        condition = text_of(node.child_by_field_name("name") or node.child_by_field_name("condition"))
        return [Node("if", line, branches=[then_nodes, else_nodes], condition=f"#if {_squash(condition)}")]

    # --- expressions ------------------------------------------------------------------

    def _expression(self, node: TSNode | None, conditional_locks: bool = False, testing: bool = False) -> list[Node]:
        if node is None:
            return []
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                self._too_deep(node)
                return []
            return self._expression_at(node, conditional_locks, testing)
        finally:
            self.depth -= 1

    def _expression_at(self, node: TSNode, conditional_locks: bool, testing: bool) -> list[Node]:
        kind = node.type
        if kind == "call_expression":
            return self._call(node, conditional_locks, testing)
        if kind == "identifier":
            return []
        if kind.endswith("literal") or kind == "comment":
            return []
        if kind == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            nodes = self._expression(right, conditional_locks)
            if left is not None and left.type == "identifier":
                _store_result(nodes, text_of(left))
            if left is not None and right is not None:
                nodes += self._assign(node, left, right)
            return nodes
        if kind == "update_expression":  # v->f++
            self._note_write(node.child_by_field_name("argument") or node, None, "++")
        if kind == "pointer_expression" and _is_address(node):
            self._note_address(node)
        if kind == "field_expression" and testing:
            nodes = self._expression(node.child_by_field_name("argument"))
            return nodes + self._candidate("flag-test", node, node, None, None, "")
        if kind == "compound_statement":  # ({ ... }): a GNU statement expression
            return self._block(node)
        if kind == "initializer_pair":  # a local ops table: ``.run = run_a``
            value = node.child_by_field_name("value")
            designators = node.children_by_field_name("designator")
            if value is not None and designators and strip(value).type == "identifier":
                owner = initialised_type(node, self.decls)
                name = text_of(designators[-1]).lstrip(".").strip()
                self.stores.append((f"{owner or '?'}.{name}", text_of(strip(value))))
                if owner:
                    self._store_locally(f"{owner}.{name}", text_of(strip(value)))
        found: list[Node] = []
        for child in node.named_children:
            found += self._expression(child, conditional_locks, testing)
        return found

    def _note_cursors(self, condition: TSNode | None) -> None:
        """``list_for_each_entry(pos, head, member) { }`` (a loop whose condition lists the macro's
        arguments): the macro assigns its cursor variables."""
        parts = _comma_parts(condition)
        if len(parts) < 2:
            return  # while (x): no macro's argument list
        for part in parts:
            if part.type == "identifier" and text_of(part) in self.resolver.variables:
                self.field_uses.append(("", "address", text_of(part), "", 0))

    def _note_value_name(self, node: TSNode) -> None:
        """A name used as a value, not a variable: a function's address taken (``fn = init_root``), maybe."""
        name = text_of(node)
        if name not in self.resolver.variables and name[:1].islower():
            self.field_uses.append(("", "function", name, "", 0))

    def _note_address(self, node: TSNode) -> None:
        """``&v`` anywhere: the variable may change unseen; ``&x->f`` kept or handed on inside an
        expression (not a call's own argument, which the call's entry says): the field is written."""
        argument = node.child_by_field_name("argument")
        operand = unparenthesized(argument) if argument is not None else None
        if operand is not None and operand.type == "identifier" and text_of(operand) in self.resolver.variables:
            self.field_uses.append(("", "address", text_of(operand), "", 0))  # &v, anywhere: it may change unseen
        elif operand is not None and node.parent is not None and node.parent.type not in _READ_IN_PLACE:
            key = self._field_key(operand)  # &x->f kept or handed on inside an expression: written unseen
            if key is not None:
                self.field_uses.append((key[0], "write", key[1], "", 0))

    def _store_locally(self, written: str, name: str) -> None:
        known = self.local_stores.setdefault(written, [])
        if name not in known:
            known.append(name)

    # --- what is written into objects (see stores.py) ----------------------------------------

    def _stored(self, variable: str, name: str, plain: bool = False) -> None:
        for table in (self.field_stores,) if plain else (self.field_stores, self.field_updates):
            known = table.setdefault(variable, [])
            if name not in known:
                known.append(name)

    def _escape(self, value: TSNode | None) -> None:
        """A variable's object stored elsewhere or returned: reachable from elsewhere, anything may write it."""
        if value is not None and value.type in _NAMING:
            variable = passed_object(value, self.resolver.variables)
            if variable:
                self._stored(variable, ESCAPES)

    def _note_value(self, name: str, value: TSNode, pointer: bool, struct: str | None = None) -> str | None:
        """``name = value`` for a pointer (what it is assigned from; the object it copies escapes) or a
        struct initialised by a list (what the list writes, and the pointers it stores in fields of
        ``struct``); the shape recorded, if any."""
        shape: str | None = None
        if value.type == "initializer_list":
            shape = "{}"
            self.assigned_from.setdefault(name, []).append(shape)
            for written in initialiser_stores(value):
                self._stored(name, written)
            if struct:
                self._note_initialised(name, struct, value)
        elif pointer:
            shape = self._contained(value) or assigned_shape(value)
            self.assigned_from.setdefault(name, []).append(shape)
            self._escape(value)
        self._note_alias(value)
        for item in value.named_children if value.type == "initializer_list" else [value]:
            if strip(item).type == "identifier":
                self._note_value_name(strip(item))  # fn = init_root, { init_a, init_b }
        return shape

    def _note_initialised(self, name: str, struct: str, value: TSNode) -> None:
        """``struct s v = { .root = root, .state = 1 }``: a pointer stored in a field, a field written."""
        for pair in value.named_children:
            designators = pair.children_by_field_name("designator") if pair.type == "initializer_pair" else []
            stored = pair.child_by_field_name("value") if designators else None
            if stored is None or is_zero(stored) or _empty_container(stored):
                continue
            key = f"{struct}.{text_of(designators[0]).lstrip('.').strip()}"
            element = strip(stored)
            if element.type == "identifier" and text_of(element) in self.resolver.pointers:
                self.field_uses.append((key, "insert", text_of(element), "", 0))
            else:
                self.field_uses.append((key, "write", name, "", 0))

    # --- what containers and bit words are given (see containers.py) --------------------------

    def _field_key(self, node: TSNode) -> tuple[str, str] | None:
        """``&x->f`` or ``x->f``: (``STRUCT.f``, ``x`` when it is a plain variable, else ""); None for
        anything that is not a field."""
        target = strip(node)
        if target.type != "field_expression":
            return None
        owner = target.child_by_field_name("argument")
        field_name = text_of(target.child_by_field_name("field"))
        if owner is None or not field_name:
            return None
        inner = unparenthesized(owner)
        if inner.type == "cast_expression":  # ((struct root *)data)->state: the cast's struct
            cast = inner.child_by_field_name("type")
            struct = type_of_specifier(cast.child_by_field_name("type")) if cast is not None else ""
        else:
            struct = self.resolver.type_of(owner) or ""
        struct = struct if _TYPE_NAME.match(struct) and struct not in ("void", "__auto_type") else "?"
        plain = strip(owner)
        variable = text_of(plain) if plain.type == "identifier" and text_of(plain) in self.resolver.variables else ""
        if variable in self.shadowed:
            struct = "?"  # which declaration's type it is, after the inner block, is not kept
        return f"{struct}.{field_name}", variable

    def _contained(self, value: TSNode) -> str | None:
        """``rb_find(key, &fs->tree, cmp)``, ``list_first_entry(&fs->list, ...)``, ``container_of`` of a
        node that came from one, or a pointer field (``fs_info->chunk_root``, a container of one object):
        ``in:STRUCT.field``, the container the object comes out of."""
        bare = unparenthesized(value)
        if bare.type == "field_expression":
            key = self._field_key(bare)  # root = fs_info->chunk_root: whatever was stored there
            return f"in:{key[0]}" if key is not None and not key[0].startswith("?.") else None
        target = strip(value)
        if target.type != "call_expression":
            return None
        function = target.child_by_field_name("function")
        name = text_of(function) if function is not None and function.type == "identifier" else ""
        arguments = target.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if name in LOOKUPS and len(args) > LOOKUPS[name]:
            key = self._field_key(args[LOOKUPS[name]])
            known = key is not None and not key[0].startswith("?.")
            return f"in:{key[0]}" if known and text_of(args[LOOKUPS[name]]).lstrip().startswith("&") else None  # type: ignore[index]
        if name in ENTRY_OF and args:
            node = strip(args[0])
            if node.type == "call_expression":
                return self._contained(node)
            if node.type == "identifier" and text_of(node) in self.resolver.variables:
                return f"entry:{text_of(node)}"  # whatever the node variable holds anywhere (containers.py)
        return None

    def _note_alias(self, value: TSNode | None) -> None:
        """``p = &x->f``: the field can be reached through ``p`` from now on, unseen; ``pp = &v``: so can
        the variable ``v`` (an ``address`` use)."""
        if value is not None and value.type == "pointer_expression" and text_of(value).lstrip().startswith("&"):
            key = self._field_key(value)
            if key is not None:
                self.field_uses.append((key[0], "write", key[1], "", 0))
            inner = strip(value)
            if inner.type == "identifier" and text_of(inner) in self.resolver.variables:
                self.field_uses.append(("", "address", text_of(inner), "", 0))

    def _note_field_uses(self, name: str | None, args: list[TSNode], line: int) -> list[Node]:
        """What a call does to the fields whose addresses it is given (``Function.field_uses``); a bit set
        on a variable's object leaves a ``use`` node where it happens, for what reaches it."""
        if name in INSERTS:
            self._note_insert(name, args)
            return []
        if name in SET_BITS:
            if len(args) > 1 and (key := self._field_key(args[1])) is not None:
                bit = _squash(text_of(args[SET_BITS[name]]))
                bit = bit if _BIT_NAME.match(bit) else "*"  # a variable or a number: any bit, as far as names tell
                self.field_uses.append((key[0], "set-bit", key[1], bit, line))
                return [Node("use", line)] if key[1] else []
            return []
        if name in STORES:
            self._note_store(name, args)
        if name is not None and _ASSIGNING.search(name):  # list_for_each_entry(pos, ...), swap(a, b)
            for arg in args:
                bare = strip(arg)
                if bare.type == "identifier" and text_of(bare) in self.resolver.variables:
                    self.field_uses.append(("", "address", text_of(bare), "", 0))
                elif (key := self._field_key(arg)) is not None:
                    self.field_uses.append((key[0], "write", key[1], "", 0))
        if name is not None and (name in BENIGN or name in NO_BIT_SET or name in READERS or name in LOCK_OPS):
            return []
        for arg in args:
            address = uncast(arg)
            if address is not None and address.type == "pointer_expression" and _is_address(address):
                key = self._field_key(address)
                if key is not None:
                    self.field_uses.append((key[0], "write", key[1], "", 0))
        return []

    def _note_insert(self, name: str, args: list[TSNode]) -> None:
        """An insertion (``rb_find_add(&root->rb_node, &fs->tree, ...)``): the container and its element."""
        element, container = INSERTS[name]
        if len(args) <= max(element, container):
            return
        key = self._field_key(args[container])
        node = self._field_key(args[element])
        if key is None or key[0].split(".")[0] in _NODE_TYPES:
            # next to an element (list_add(&x->list, pos), fs->list.next), or a container reached
            # through a local pointer: whatever container that is, the element's node says which kind
            if node is not None:
                self.field_uses.append((node[0], "write", node[1], "", 0))
            return
        if node is not None:  # the element's embedded node: &x->rb_node
            self.field_uses.append((key[0], "insert", node[1], node[0], 0))
        else:  # the entry itself (an xarray's), or a node pointer whose object is not named
            entry = strip(args[element])
            by_entry = name.startswith(("xa", "__xa", "radix", "idr"))
            variable = text_of(entry) if by_entry and entry.type == "identifier" else ""
            known = variable if variable in self.resolver.variables else ""
            self.field_uses.append((key[0], "insert", known, "", 0))

    def _note_store(self, name: str, args: list[TSNode]) -> None:
        """``WRITE_ONCE(x->f, v)``, ``rcu_assign_pointer(x->f, v)``: a pointer field given an object, or written."""
        target, value = STORES[name]
        if len(args) > max(target, value) and (key := self._field_key(args[target])) is not None:
            if not text_of(args[target]).lstrip().startswith("&"):  # WRITE_ONCE(x->f, v): the field itself
                stored = strip(args[value])
                if stored.type == "identifier" and text_of(stored) in self.resolver.pointers:
                    self.field_uses.append((key[0], "insert", text_of(stored), "", 0))
                elif not is_zero(args[value]):
                    self.field_uses.append((key[0], "write", key[1], "", 0))

    def _note_write(self, left: TSNode, right: TSNode | None, operator: str) -> None:
        """``v->f = x``: the field ``f`` of ``v``'s object, unless ``x`` is a literal zero."""
        if left.type == "pointer_expression" and passed_object(left, self.resolver.variables):  # *v = ...
            self._stored(passed_object(left, self.resolver.variables), ESCAPES)
        if left.type not in (
            "field_expression",
            "subscript_expression",
            "parenthesized_expression",
            "pointer_expression",
        ):
            return
        through = strip(left) if left.type != "field_expression" else None  # *fs->slot = x, fs->slot[0] = x
        while through is not None and through.type == "subscript_expression":
            through = strip(through.child_by_field_name("argument") or through)
        if through is not None and through.type == "field_expression" and not is_zero(right):
            written = self._field_key(through)
            if written is not None:
                self.field_uses.append((written[0], "write", written[1], "", 0))
        key = self._field_key(left) if operator != "&=" and left.type == "field_expression" else None
        if key is not None and not (operator == "=" and (is_zero(right) or _empty_container(right))):
            element = strip(right) if right is not None and operator == "=" else None
            if element is not None and element.type == "identifier" and text_of(element) in self.resolver.pointers:
                # x->root = root: the field holds one object at a time, a container of its own
                self.field_uses.append((key[0], "insert", text_of(element), "", 0))
            else:
                self.field_uses.append((key[0], "write", key[1], "", 0))
        base = field_base(left)
        if base is not None and base[0] in self.resolver.variables and (operator != "=" or not is_zero(right)):
            target = strip(left)
            inner = target.child_by_field_name("argument") if target.type == "field_expression" else None
            plain = operator == "=" and inner is not None and strip(inner).type == "identifier"
            self._stored(base[0], base[1], plain)

    def _note_objects(self, callee: str | None, args: list[TSNode]) -> tuple[str, ...]:
        """A call's arguments: ``&v->f`` lets the callee write ``f`` (unless it only reads); per argument,
        the variable whose object it passes (``v``, ``&v``), or ""."""
        variables = self.resolver.variables
        objects = []
        for arg in args:
            kind = arg.type
            if kind == "identifier":  # the common case, cheaply: only a pointer passes an object
                name = text_of(arg)
                objects.append(name if name in self.resolver.pointers else "")
                continue
            if kind in ("pointer_expression", "cast_expression", "parenthesized_expression"):
                written = address_of_field(arg) if callee not in READERS else None
                if written is not None and written[0] in variables:
                    self._stored(written[0], ESCAPES if callee in LINKING else written[1])
                objects.append(passed_object(arg, variables))
            else:
                objects.append("")
        return tuple(objects) if any(objects) else ()

    def _assign(self, assignment: TSNode, left: TSNode, right: TSNode) -> list[Node]:
        if left.type == "identifier" and (name := text_of(left)) in self.resolver.variables:  # a local, a parameter
            shape = self._note_value(name, right, name in self.resolver.pointers)
            self._remember_load(name, right)
            plain = text_of(assignment.child_by_field_name("operator")) == "="
            self.places.assigned(name, right if plain else None, self.resolver)
            found = container_of_type(right)
            if found:
                self.resolver.variables[name] = found
                (self.locals if name in self.locals else self.params)[name] = found
            assigned = self._assigned(assignment, name, right)
            assigned.event.shape = shape  # type: ignore[union-attr]
            return [assigned]
        operator = text_of(assignment.child_by_field_name("operator"))
        self._note_write(left, right, operator)
        self._escape(right)
        self._note_alias(right)
        target = strip(left)
        if target.type != "field_expression":
            return []
        plain = text_of(assignment.child_by_field_name("operator")) == "="
        self.places.written(target, right if plain else None, self.resolver)
        stored = strip(right)
        if stored.type == "identifier":  # ``x->hook = handle_pqap``: a function pointer, maybe
            argument = target.child_by_field_name("argument")
            owner = self.resolver.type_of(argument)  # type: ignore[arg-type]
            name = text_of(target.child_by_field_name("field"))
            self.stores.append((f"{owner or '?'}.{name}", text_of(stored)))
            if owner and argument is not None and argument.type == "identifier" and text_of(argument) in self.locals:
                if text_of(target.child_by_field_name("operator")) == ".":  # wc.process_func = f: on the stack
                    self._store_locally(f"{owner}.{name}", text_of(stored))
        elif stored.type == "field_expression" and text_of(right).lstrip().startswith("&"):
            # ``kvm->arch.crypto.pqap_hook = &matrix_mdev->pqap_hook``: calls through the one reach the other's
            owner = self.resolver.type_of(target.child_by_field_name("argument"))  # type: ignore[arg-type]
            other = self.resolver.type_of(stored.child_by_field_name("argument"))  # type: ignore[arg-type]
            if owner and other:
                name = text_of(target.child_by_field_name("field"))
                self.stores.append((f"{owner}.{name}", f"&{other}.{text_of(stored.child_by_field_name('field'))}"))
        value = {"|=": "set", "&=": "clear"}.get(operator, _squash(text_of(right)))
        written = [self._assigned(assignment, _squash(text_of(target)), right)] if operator == "=" else []
        return self._candidate("flag-write", assignment, strip(left), value, None, "") + written

    def _assigned(self, node: TSNode, name: str, value: TSNode) -> Node:
        """``x = CONST`` (value: the constant) or ``x = anything`` (value None): what later branches on x know."""
        line = node.start_point[0] + 1
        written = strip(value)
        constant = text_of(written) if written.type in ("number_literal", "true", "false", "null") else None
        if written.type == "identifier" and text_of(written).isupper():
            constant = text_of(written)  # an enum or macro constant
        event = Event("assign", self.path, line, self._text(node), callee=name, value=constant)
        return Node("event", line, event=event)

    def _candidate(
        self, kind: str, node: TSNode, target: TSNode, value: str | None, callee: str | None, suffix: str
    ) -> list[Node]:
        """A field access that is a flag event if its class turns out to be a flag (``flags.py`` decides)."""
        if text_of(target.child_by_field_name("field")) not in self.flag_fields:
            return []
        line = node.start_point[0] + 1
        event = Event(kind, self.path, line, self._text(node), callee=callee, value=value)
        skeleton = Node("event", line, event=event)
        self.candidates.append(Candidate(skeleton, target, suffix, self.resolver))
        return [skeleton]

    def _call(self, call: TSNode, conditional_locks: bool, testing: bool) -> list[Node]:
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        if function is not None and function.type == "call_expression":  # guard(mutex)(&lock)
            inner = function.child_by_field_name("function")
            if text_of(inner) == "guard":
                kind_args = function.child_by_field_name("arguments")
                guard_kind = text_of(kind_args.named_children[0]) if kind_args and kind_args.named_children else ""
                return self._guard(GUARD_KINDS.get(guard_kind), args[0] if args else None, call)
        target = strip(function) if function is not None else None
        name = text_of(target) if target is not None and target.type == "identifier" else None
        if name == "scoped_guard" and len(args) >= 2:  # not rewritten to a loop: held to the end of the block
            return self._guard(GUARD_KINDS.get(text_of(args[0])), args[1], call)
        if name in WAIT_OPS:
            return self._wait(name, args, call)
        if name in ASSERT_HELD and args:
            if not self.active:  # at the top: the caller holds it; later, it checks this function's own
                lock, resolved = self.resolver.lock_class(args[0])
                self.asserted.append(Annotation(name, lock, resolved, call.start_point[0] + 1))
            return []
        nodes: list[Node] = []
        for arg in args:
            nodes += self._expression(arg, conditional_locks, testing)
            if name is not None:
                self._note_passed(arg, name)
        self.places.passed(name, args)
        objects = self._note_objects(name, args)
        line = call.start_point[0] + 1
        nodes += self._note_field_uses(name, args, line)
        if name is None:
            if target is not None and target.type == "field_expression":  # ops->fn(...)
                callee = text_of(target.child_by_field_name("field"))
                owner = self.resolver.type_of(target.child_by_field_name("argument"))  # type: ignore[arg-type]
                nodes += self._expression(target.child_by_field_name("argument"))
                event = Event(
                    "call", self.path, line, self._text(call), callee=callee, via_pointer=True, callee_struct=owner
                )
                event.args = self._arg_classes(args)
                event.places = [place_of(a, self.resolver) for a in args]
                event.objects = objects
                nodes.append(Node("event", line, event=event))
            return nodes
        if name in LOCK_OPS:
            op = LOCK_OPS[name]
            taken = self._lock(
                op,
                args[op.arg] if len(args) > op.arg else None,
                call,
                subclass=args[op.subclass_arg] if op.subclass_arg is not None and len(args) > op.subclass_arg else None,
                nest=args[op.nest_arg] if op.nest_arg is not None and len(args) > op.nest_arg else None,
            )
            if taken and op.condition and conditional_locks:
                self.taken_when[id(taken[0])] = op.condition  # _if puts it on the branch where it is held
            if name in DOWNGRADES:
                taken += self._lock(DOWNGRADES[name], args[0] if args else None, call)
            return nodes + taken
        if name in FIELD_ACCESSES or name in WAKE_OPS:
            return nodes + self._write(name, args, call) + self._wake(name, args, call)
        if name in SYNC_OPS:
            lock, resolved = self.resolver.lock_class(args[0]) if args else ("?", False)
            event = Event(
                "wait", self.path, line, self._text(call), lock=lock, lock_kind=SYNC_OPS[name], resolved=resolved
            )
            event.callee = name
            return nodes + [Node("event", line, event=event)]
        if name in SLEEPING_CALLS or (name in GFP_ALLOCATORS and any(g in text_of(arguments) for g in SLEEPING_GFP)):
            nodes.append(Node("event", line, event=Event("sleep", self.path, line, self._text(call), callee=name)))
            return nodes
        if name in self.locals:
            callee = self.pointer_locals.get(name, name)  # a pointer: its targets are the field's
            owner = self.pointer_owners.get(name)
            event = Event(
                "call", self.path, line, self._text(call), callee=callee, via_pointer=True, callee_struct=owner
            )
        else:
            event = Event("call", self.path, line, self._text(call), callee=name)
        event.args = self._arg_classes(args)
        event.places = [place_of(a, self.resolver) for a in args]
        event.objects = objects
        self.active = True
        return nodes + [Node("event", line, event=event)]

    def _arg_classes(self, args: list[TSNode]) -> list[str]:
        """The lock class of each argument that can name a lock (``&x->lock``, ``lock``), else ""."""
        found = []
        for arg in args:
            target = strip(arg)
            if target.type in ("field_expression", "identifier", "subscript_expression"):
                found.append(self.resolver.lock_class(arg)[0])
            elif target.type in ("number_literal", "true", "false", "null"):
                found.append(text_of(target))  # a constant: a callee's branches on it can be decided
            else:
                found.append("")
        return found

    def _write(self, name: str, args: list[TSNode], call: TSNode) -> list[Node]:
        access = FIELD_ACCESSES.get(name)
        if access is None or len(args) <= access.target_arg:
            return []
        written = strip(args[access.target_arg])
        if written.type != "field_expression":
            return []
        value = access.value
        if not value and access.value_arg is not None and len(args) > access.value_arg:
            value = _squash(text_of(args[access.value_arg]))
        kind = "flag-test" if value == "test" else "flag-write"
        return self._candidate(
            kind, call, written, None if value == "test" else value, name, _bit(args, access.bit_arg)
        )

    def _wake(self, name: str, args: list[TSNode], call: TSNode) -> list[Node]:
        op = WAKE_OPS.get(name)
        if op is None:
            return []
        line = call.start_point[0] + 1
        queue, resolved = self.resolver.lock_class(args[op.queue_arg]) if len(args) > op.queue_arg else ("?", False)
        return [
            Node(
                "event",
                line,
                event=Event(
                    "wake",
                    self.path,
                    line,
                    self._text(call),
                    lock=queue + _bit(args, op.bit_arg),
                    resolved=resolved,
                    callee=name,
                ),
            )
        ]

    def _note_passed(self, arg: TSNode, callee: str) -> None:
        """A function's name passed as an argument (``INIT_WORK(&w, fn)``) makes it a callback."""
        target = strip(arg)
        if target.type == "identifier":
            name = text_of(target)
            if name not in self.locals and name not in self.params:
                self.passed.add((name, callee))
                self.field_uses.append(("", "function", name, "", 0))  # its address, handed on

    def _lock(
        self,
        op: LockOp | None,
        arg: TSNode | None,
        call: TSNode,
        guard: bool = False,
        subclass: TSNode | None = None,
        nest: TSNode | None = None,
    ) -> list[Node]:
        if op is None:
            return []
        lock, resolved = (op.fixed, True) if op.fixed else self.resolver.lock_class(arg)
        line = call.start_point[0] + 1
        self.active = True
        written = _squash(text_of(subclass)) if subclass is not None else None
        if nest is not None:
            written = f"nest_lock({self.resolver.lock_class(nest)[0]})"
        event = Event(
            op.action,
            self.path,
            line,
            self._text(call),
            lock=lock,
            lock_kind=op.kind,
            resolved=resolved,
            context=op.context,
            guard=guard,
            trylock=op.condition == "nonzero" or text_of(call).lstrip().split("(", 1)[0].endswith("trylock"),
            subclass=written,
            conditional=op.condition,
        )
        if op.action == "acquire" and not op.fixed:
            event.places = [lock_place(arg, self.resolver)]
        return [Node("event", line, event=event)]

    def _guard(self, op: LockOp | None, arg: TSNode | None, call: TSNode) -> list[Node]:
        taken = self._lock(op, arg, call, guard=True)
        if taken and self.scopes:
            self.scopes[-1].append(taken[0].event)  # type: ignore[arg-type]
        return taken

    def _release_of(self, acquired: Event) -> Node:
        event = Event(
            "release",
            acquired.file,
            acquired.line,
            f"end of scope of {acquired.text}",
            lock=acquired.lock,
            lock_kind=acquired.lock_kind,
            resolved=acquired.resolved,
            context=acquired.context,
            guard=True,
        )
        return Node("event", event.line, event=event)

    def _wait(self, name: str, args: list[TSNode], call: TSNode) -> list[Node]:
        op = WAIT_OPS[name]
        line = call.start_point[0] + 1
        nodes: list[Node] = []
        lock = args[op.lock_arg] if op.lock_arg is not None and len(args) > op.lock_arg else None
        if op.before_arg is not None and len(args) > op.before_arg:
            nodes += self._expression(args[op.before_arg])
        if lock is not None:
            dropped = LockOp(op.lock_kind, "release", context=WAIT_LOCK.context if op.lock_kind == "spin" else "")
            nodes += self._lock(dropped, lock, call)
        queue_arg = args[op.queue_arg] if op.queue_arg is not None and len(args) > op.queue_arg else None
        queue, resolved = self.resolver.lock_class(queue_arg) if queue_arg is not None else ("?", False)
        condition = args[op.condition_arg] if op.condition_arg is not None and len(args) > op.condition_arg else None
        flags, clear = self._flags_read(condition) if condition is not None else ([], [])
        if op.bit_arg is not None:
            queue += _bit(args, op.bit_arg)
            flags = clear = [queue]  # wait_on_bit: until the bit is clear
        event = Event(
            "wait",
            self.path,
            line,
            self._text(call),
            lock=queue,
            resolved=resolved,
            callee=name,
            condition=_squash(text_of(condition)) if condition is not None else None,
            flags=flags,
            clear_flags=clear,
        )
        nodes.append(Node("event", line, event=event))
        if lock is not None:
            nodes += self._lock(LockOp(op.lock_kind, "acquire", context=dropped.context), lock, call)
        if op.after_arg is not None and len(args) > op.after_arg:
            nodes += self._expression(args[op.after_arg])
        if op.sets_bit:
            nodes.append(
                Node(
                    "event",
                    line,
                    event=Event(
                        "flag-set",
                        self.path,
                        line,
                        self._text(call),
                        lock=queue,
                        resolved=resolved,
                        value="set",
                        callee=name,
                    ),
                )
            )
        return nodes

    def _flags_read(self, condition: TSNode) -> tuple[list[str], list[str]]:
        """Classes of the fields (and bits: ``test_bit(B, &x->flags)``) a wait condition reads, and the
        ones among them it waits to be clear (``!x->busy``, ``x->busy == 0``, ``!test_bit(B, w)``)."""
        found: list[str] = []
        clear: list[str] = []
        stack: list[tuple[TSNode, bool | None]] = [(condition, False)]
        while stack:
            node, negated = stack.pop()
            name = None
            kind = node.type
            if kind == "unary_expression" and text_of(node).lstrip().startswith("!"):
                stack.extend((c, None if negated is None else not negated) for c in reversed(node.named_children))
                continue
            if kind == "binary_expression":
                operator = text_of(node.child_by_field_name("operator"))
                right = text_of(node.child_by_field_name("right")).strip()
                if operator in ("==", "!=") and right in ("0", "false", "NULL"):
                    left = node.child_by_field_name("left")
                    if left is not None:
                        stack.append((left, None if negated is None else negated != (operator == "==")))
                    continue
                if operator not in ("&&", "||"):
                    # a comparison (state >= 2) waits for a value, never for "clear": still a read
                    stack.extend((c, None) for c in reversed(node.named_children))
                    continue
            if node.type == "call_expression":
                called = text_of(node.child_by_field_name("function"))
                access = FIELD_ACCESSES.get(called)
                arguments = node.child_by_field_name("arguments")
                args = arguments.named_children if arguments is not None else []
                if access is not None and access.bit_arg is not None and len(args) > access.target_arg:
                    name = self.resolver.lock_class(args[access.target_arg])[0] + _bit(args, access.bit_arg)
                elif called not in FLAG_READERS:
                    continue  # a pointer handed to a helper: what the helper reads is not seen here
            elif node.type == "field_expression":
                name = self.resolver.lock_class(node)[0]
            if name is None:
                stack.extend((c, negated) for c in reversed(node.named_children))
                continue
            if name not in found:
                found.append(name)
            if negated is True and name not in clear:
                clear.append(name)
        return found, clear

    def _text(self, node: TSNode) -> str:
        """The source as written (not as rewritten for the parser), on one line."""
        text = _squash(self.parsed.source[node.start_byte : node.end_byte].decode("utf-8", "replace"))
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _bit(args: list[TSNode], index: int | None) -> str:
    """``[BIT]``: the suffix that names one bit of a flags word."""
    if index is None or len(args) <= index:
        return ""
    return f"[{_squash(text_of(args[index]))}]"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _is_pointer(declarator: TSNode | None) -> bool:
    while declarator is not None:
        if declarator.type in ("pointer_declarator", "abstract_pointer_declarator"):
            return True
        declarator = declarator.child_by_field_name("declarator")
    return False


def _comma_parts(node: TSNode | None) -> list[TSNode]:
    """The operands of ``(a, b, c)``, as tree-sitter nests a comma expression."""
    if node is None:
        return []
    node = unparenthesized(node)
    parts: list[TSNode] = []
    while node.type == "comma_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            break
        parts.append(left)
        node = right
    return parts + [node]


def _expression_node(text: str) -> TSNode | None:
    """Parse an annotation's argument as an expression (annotations are few: parsing each is cheap)."""
    tree = parse(f"void __annotation(void) {{ ({text}); }}".encode())
    found = tree.root_node
    for path in ("function_definition", "compound_statement", "expression_statement", "parenthesized_expression"):
        found = next((c for c in found.named_children if c.type == path), None)  # type: ignore[assignment]
        if found is None:
            return None
    return found.named_children[0] if found.named_children else None


def _store_result(nodes: list[Node], variable: str) -> None:
    """``rc = mutex_lock_interruptible(&l)``: the acquisition is held only where ``rc`` says it succeeded."""
    for node in reversed(nodes):
        event = node.event
        if event is not None and event.kind == "acquire" and event.conditional:
            event.result = variable
            return


_WORD = re.compile(r"[A-Za-z_]\w*")
_NAMING = frozenset({"identifier", "pointer_expression", "cast_expression", "parenthesized_expression"})
# Macros that assign what they are given: a loop cursor, both sides of a swap, a value read from user space.
# (places.py also counts every all-capitals macro; here IS_ERR(), WARN_ON() and the like would hide every object.)
_ASSIGNING = re.compile(r"for_each|^swap$|get_user$")
# Where ``&x->f`` is a call's own argument (the call's entry says what it does to it) or an iterator
# macro's (``list_for_each_entry(pos, &fs->list, member)``, a loop over the comma list): no write.
_READ_IN_PLACE = frozenset({"argument_list", "comma_expression"})
_TYPE_NAME = re.compile(r"^[A-Za-z_]\w*$")  # a struct or typedef name (not typeof(x))
_BIT_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")  # a bit by its constant's name (BTRFS_ROOT_SHAREABLE)
# The structs of a container's nodes: a list, tree or hash insertion at one of these is next to an element.
_NODE_TYPES = frozenset({"list_head", "hlist_node", "hlist_head", "rb_node", "llist_node", "?"})
_LITERAL_TYPES = frozenset({"number_literal", "true", "false", "null"})
_EMPTY = frozenset({"RB_ROOT", "RB_ROOT_CACHED", "LIST_HEAD_INIT", "HLIST_HEAD_INIT", "XARRAY_INIT", "IDR_INIT"})


def _is_address(node: TSNode) -> bool:
    """``&x`` (a pointer_expression's operator), not ``*x``."""
    operator = node.child_by_field_name("operator")
    return operator is not None and operator.type == "&"


def _is_static(declaration: TSNode) -> bool:
    return any(c.type == "storage_class_specifier" and text_of(c) == "static" for c in declaration.children)


def _empty_container(value: TSNode | None) -> bool:
    """``RB_ROOT``, ``LIST_HEAD_INIT(x)``, ``(struct rb_root) { }``: an assignment that empties a container."""
    if value is None:
        return False
    target = strip(value)
    if target.type == "initializer_list" or target.type == "compound_literal_expression":
        return True
    name = text_of(target.child_by_field_name("function")) if target.type == "call_expression" else text_of(target)
    return name in _EMPTY


def _keep_tested_assignments(function: Function) -> None:
    """Drop the ``assign`` events of variables no branch or loop condition tests: they say nothing (a
    parameter's are kept: a parameter given another value is no longer what the caller passed)."""
    tested: set[str] = set(function.params)
    stack = [function.body]
    while stack:
        for node in stack.pop():
            if node.condition:
                tested.update(_WORD.findall(node.condition))
            stack.extend(node.branches)
            if node.body:
                stack.append(node.body)
    stack = [function.body]
    function.body = [n for n in function.body if not _untested(n, tested)]
    stack = [function.body]
    while stack:
        for node in stack.pop():
            if node.branches:
                node.branches = [[n for n in b if not _untested(n, tested)] for b in node.branches]
                stack.extend(node.branches)
            if node.body:
                node.body = [n for n in node.body if not _untested(n, tested)]
                stack.append(node.body)


def _untested(node: Node, tested: set[str]) -> bool:
    event = node.event
    if event is None or event.kind != "assign":
        return False
    field = _WORD.findall(event.callee or "")
    return not field or field[-1] not in tested
