"""One C function definition -> its events and control-flow skeleton.

Statements become skeleton nodes (if, loop, switch, return, goto, label);
expressions are scanned in evaluation order (arguments before the call) for
the primitives of ``primitives.py``, other calls, and writes to fields.
Which writes are flags is decided later, once every wait condition in scope
is known.
"""

from __future__ import annotations

import re

from tree_sitter import Node as TSNode

from aptool.model.data import Event, Function, Node
from aptool.model.declarations import Declarations, declared_names, type_of_specifier
from aptool.model.primitives import (
    ANNOTATIONS,
    GFP_ALLOCATORS,
    GUARD_KINDS,
    LOCK_OPS,
    SLEEPING_CALLS,
    SLEEPING_GFP,
    WAIT_OPS,
    WAKE_OPS,
    LockOp,
)
from aptool.model.resolve import Resolver, container_of_type, strip
from aptool.model.syntax import text_of

_BIT_WRITES = {"set_bit": "flag-set", "clear_bit": "flag-clear", "test_and_set_bit": "flag-set",
               "test_and_clear_bit": "flag-clear", "clear_and_wake_up_bit": "flag-clear"}
_FIELD_READ = re.compile(r"(?:->|\.)\s*(\w+)")


def function_name(definition: TSNode) -> str | None:
    declarator = definition.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    if declarator is None:
        return None
    inner = declarator.child_by_field_name("declarator")
    return text_of(inner) if inner is not None and inner.type == "identifier" else None


class FunctionBuilder:
    """Builds one :class:`Function`; call targets are resolved later, across files."""

    def __init__(self, decls: Declarations, path: str, definition: TSNode) -> None:
        self.decls = decls
        self.path = path
        self.definition = definition
        self.params: dict[str, str] = {}
        self.locals: dict[str, str] = {}
        self.pointer_locals: dict[str, str] = {}  # local -> the field it was loaded from
        self.resolver = Resolver(decls, {})

    def build(self) -> Function | None:
        name = function_name(self.definition)
        body = self.definition.child_by_field_name("body")
        if name is None or body is None:
            return None
        self._parameters()
        self.resolver = Resolver(self.decls, {**self.params, **self.locals})
        annotations = self._annotations()
        nodes = self._block(body)
        static = any(c.type == "storage_class_specifier" and text_of(c) == "static" for c in self.definition.children)
        return Function(
            id=f"{self.path}:{name}", name=name, file=self.path, line=self.definition.start_point[0] + 1,
            static=static, params=self.params, locals=self.locals, body=nodes, annotations=annotations,
        )

    # --- declarations -------------------------------------------------------------

    def _parameters(self) -> None:
        declarator = self.definition.child_by_field_name("declarator")
        while declarator is not None and declarator.type != "function_declarator":
            declarator = declarator.child_by_field_name("declarator")
        params = declarator.child_by_field_name("parameters") if declarator is not None else None
        for param in params.named_children if params is not None else []:
            if param.type != "parameter_declaration":
                continue
            for name in declared_names(param.child_by_field_name("declarator"))[:1]:
                self.params[name] = type_of_specifier(param.child_by_field_name("type"))

    def _annotations(self) -> list[tuple[str, str]]:
        found = []
        for match in re.finditer(r"\b(__acquires|__releases|__must_hold)\s*\(([^()]*(?:\([^()]*\))?[^()]*)\)",
                                 text_of(self.definition).split("{", 1)[0]):
            if match.group(1) in ANNOTATIONS:
                found.append((match.group(1), match.group(2).strip().lstrip("&")))
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
                self._remember_pointer_load(names[0], value)
            self.locals[names[0]] = local_type
            self.resolver.variables[names[0]] = local_type
            inner = declarator.child_by_field_name("declarator") if declarator.type == "init_declarator" else declarator
            if inner is not None and inner.type == "pointer_declarator":
                self.resolver.pointers.add(names[0])
        return nodes

    def _remember_pointer_load(self, name: str, value: TSNode) -> None:
        """``hook = *kvm->arch.crypto.pqap_hook`` makes ``hook(...)`` a call through ``pqap_hook``;
        ``lock = &x->lock`` makes ``spin_lock(lock)`` a lock of ``x``'s class."""
        if text_of(value).lstrip().startswith("&"):
            self.resolver.aliases[name] = value
        target = strip(value)
        if target.type == "field_expression":
            self.pointer_locals[name] = text_of(target.child_by_field_name("field"))

    # --- statements -----------------------------------------------------------------

    def _block(self, block: TSNode) -> list[Node]:
        nodes: list[Node] = []
        guards: list[Event] = []
        pending_scope: list[Event] = []
        for child in block.named_children:
            produced = self._statement(child)
            for node in produced:
                if node.event is not None and node.event.guard:
                    (pending_scope if text_of(child).lstrip().startswith("scoped_guard") else guards).append(node.event)
            nodes += produced
            if pending_scope and child.type == "compound_statement":
                nodes += [self._release_of(e) for e in reversed(pending_scope)]
                pending_scope = []
        nodes += [self._release_of(e) for e in reversed(guards + pending_scope)]
        return nodes

    def _release_of(self, acquired: Event) -> Node:
        event = Event("release", acquired.line, f"end of scope of {acquired.text}", lock=acquired.lock,
                      lock_kind=acquired.lock_kind, resolved=acquired.resolved, guard=True)
        return Node("event", event.line, event=event)

    def _statement(self, node: TSNode) -> list[Node]:
        kind = node.type
        line = node.start_point[0] + 1
        if kind == "compound_statement":
            return self._block(node)
        if kind == "declaration":
            return self._declare(node)
        if kind == "expression_statement":
            inner = node.named_children[0] if node.named_children else None
            return self._expression(inner) if inner is not None else []
        if kind == "if_statement":
            return self._if(node)
        if kind in ("for_statement", "while_statement", "do_statement"):
            nodes: list[Node] = []
            for field_name in ("initializer", "condition"):
                part = node.child_by_field_name(field_name)
                if part is not None and part.type != "declaration":
                    nodes += self._expression(part)
                elif part is not None:
                    nodes += self._declare(part)
            body = node.child_by_field_name("body")
            inner = self._statement(body) if body is not None else []
            update = node.child_by_field_name("update")
            if update is not None:
                inner += self._expression(update)
            return nodes + [Node("loop", line, body=inner, condition=text_of(node.child_by_field_name("condition")))]
        if kind == "switch_statement":
            nodes = self._expression(node.child_by_field_name("condition"))
            body = node.child_by_field_name("body")
            arms = []
            for case in body.named_children if body is not None else []:
                if case.type == "case_statement":
                    arm: list[Node] = []
                    for statement in case.named_children:
                        if statement.type not in ("number_literal", "identifier") or statement != case.child_by_field_name("value"):
                            arm += self._statement(statement)
                    arms.append(arm)
            return nodes + [Node("switch", line, branches=arms + [[]])]
        if kind == "return_statement":
            value = node.named_children[0] if node.named_children else None
            return (self._expression(value) if value is not None else []) + [Node("return", line)]
        if kind == "goto_statement":
            return [Node("goto", line, label=text_of(node.child_by_field_name("label")))]
        if kind == "labeled_statement":
            nodes = [Node("label", line, label=text_of(node.child_by_field_name("label")))]
            for child in node.named_children[1:]:
                nodes += self._statement(child)
            return nodes
        if kind in ("break_statement", "continue_statement", "comment"):
            return []
        if kind == "ERROR":  # recover: whatever statements or expressions are inside still count
            nodes = []
            for child in node.named_children:
                nodes += self._statement(child) if child.type.endswith("statement") or child.type == "declaration" \
                    else self._expression(child)
            return nodes
        return self._expression(node)

    def _if(self, node: TSNode) -> list[Node]:
        line = node.start_point[0] + 1
        condition = node.child_by_field_name("condition")
        before = self._expression(condition, conditional_locks=True) if condition is not None else []
        taken = [n for n in before if n.event is not None and n.event.kind == "acquire" and n.event.condition]
        plain = [n for n in before if n not in taken]
        then_nodes = self._statement(node.child_by_field_name("consequence"))  # type: ignore[arg-type]
        alternative = node.child_by_field_name("alternative")
        else_nodes: list[Node] = []
        if alternative is not None:
            for child in alternative.named_children:
                else_nodes += self._statement(child)
        negated = text_of(condition).lstrip("( ").startswith("!")
        for lock_node in taken:
            on_success = lock_node.event.condition == "nonzero"  # type: ignore[union-attr]
            if on_success != negated:
                then_nodes.insert(0, lock_node)
            else:
                else_nodes.insert(0, lock_node)
        return plain + [Node("if", line, branches=[then_nodes, else_nodes], condition=text_of(condition))]

    # --- expressions ----------------------------------------------------------------

    def _expression(self, node: TSNode | None, conditional_locks: bool = False) -> list[Node]:
        if node is None:
            return []
        if node.type == "call_expression":
            return self._call(node, conditional_locks)
        nodes: list[Node] = []
        if node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            nodes += self._expression(right, conditional_locks)
            if left is not None and right is not None:
                nodes += self._write(left, right)
            return nodes
        for child in node.named_children:
            nodes += self._expression(child, conditional_locks)
        return nodes

    def _write(self, left: TSNode, right: TSNode) -> list[Node]:
        if left.type == "identifier" and text_of(left) in self.locals:
            self._remember_pointer_load(text_of(left), right)
            if container_of_type(right):
                self.locals[text_of(left)] = container_of_type(right) or ""
                self.resolver.variables[text_of(left)] = self.locals[text_of(left)]
            return []
        if strip(left).type != "field_expression":
            return []
        lock, resolved = self.resolver.lock_class(left)
        event = Event("write", left.start_point[0] + 1, text_of(left.parent), lock=lock, resolved=resolved,
                      value=text_of(right))
        return [Node("event", event.line, event=event)]

    def _call(self, call: TSNode, conditional_locks: bool) -> list[Node]:
        function = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        line = call.start_point[0] + 1
        text = text_of(call)
        if function is not None and function.type == "call_expression":  # guard(mutex)(&lock)
            inner = function.child_by_field_name("function")
            if text_of(inner) == "guard":
                kind_args = function.child_by_field_name("arguments")
                guard_kind = text_of(kind_args.named_children[0]) if kind_args and kind_args.named_children else ""
                return self._lock(GUARD_KINDS.get(guard_kind), args[0] if args else None, line, text, guard=True)
        name = text_of(function) if function is not None and function.type == "identifier" else None
        if name == "scoped_guard" and len(args) >= 2:
            return self._lock(GUARD_KINDS.get(text_of(args[0])), args[1], line, text, guard=True)
        if name in WAIT_OPS:
            return self._wait(name, args, line, text)
        nodes: list[Node] = []
        for arg in args:
            nodes += self._expression(arg, conditional_locks)
        if name in LOCK_OPS:
            op = LOCK_OPS[name]
            if op.condition and not conditional_locks:
                op = LockOp(op.kind, op.action, op.arg, "", op.context)  # result unused: assume taken
            return nodes + self._lock(op, args[op.arg] if len(args) > op.arg else None, line, text)
        if name in WAKE_OPS:
            queue, resolved = self.resolver.lock_class(args[0]) if args else ("?", False)
            return nodes + [Node("event", line, event=Event("wake", line, text, lock=queue, resolved=resolved, callee=name))]
        if name in _BIT_WRITES and len(args) >= 2:
            word, resolved = self.resolver.lock_class(args[1])
            event = Event("write", line, text, lock=word, resolved=resolved, value=_BIT_WRITES[name], callee=name)
            return nodes + [Node("event", line, event=event)]
        if name in SLEEPING_CALLS or (name in GFP_ALLOCATORS and any(f in text for f in SLEEPING_GFP)):
            nodes.append(Node("event", line, event=Event("sleep", line, text, callee=name)))
            return nodes
        if name is not None and name in self.locals:
            field = self.pointer_locals.get(name)
            event = Event("call", line, text, callee=field or name, via_pointer=True)
            return nodes + [Node("event", line, event=event)]
        if name is not None:
            return nodes + [Node("event", line, event=Event("call", line, text, callee=name))]
        target = strip(function) if function is not None else None
        if target is not None and target.type == "field_expression":
            field = text_of(target.child_by_field_name("field"))
            nodes += self._expression(target.child_by_field_name("argument"))
            return nodes + [Node("event", line, event=Event("call", line, text, callee=field, via_pointer=True))]
        return nodes

    def _lock(self, op: LockOp | None, arg: TSNode | None, line: int, text: str, guard: bool = False) -> list[Node]:
        if op is None:
            return []
        lock, resolved = self.resolver.lock_class(arg)
        event = Event(op.action, line, text, lock=lock, lock_kind=op.kind, resolved=resolved, context=op.context,
                      guard=guard, condition=op.condition or None)
        return [Node("event", line, event=event)]

    def _wait(self, name: str, args: list[TSNode], line: int, text: str) -> list[Node]:
        op = WAIT_OPS[name]
        nodes: list[Node] = []
        if op.before_arg is not None and len(args) > op.before_arg:
            nodes += self._expression(args[op.before_arg])
        queue, resolved = self.resolver.lock_class(args[op.queue_arg]) if op.queue_arg is not None and args else ("?", False)
        condition = args[op.condition_arg] if op.condition_arg is not None and len(args) > op.condition_arg else None
        flags = self._flags_read(condition) if condition is not None else []
        if name.startswith("wait_on_bit"):
            flags = [queue]
        event = Event("wait", line, text, lock=queue, resolved=resolved, callee=name,
                      condition=text_of(condition) if condition is not None else None, flags=flags)
        nodes.append(Node("event", line, event=event))
        if op.after_arg is not None and len(args) > op.after_arg:
            nodes += self._expression(args[op.after_arg])
        return nodes

    def _flags_read(self, condition: TSNode) -> list[str]:
        """Classes of the fields a wait condition reads: the candidates for flags."""
        found: list[str] = []
        stack = [condition]
        while stack:
            node = stack.pop()
            if node.type == "field_expression":
                name, _ = self.resolver.lock_class(node)
                if name not in found:
                    found.append(name)
                continue
            stack.extend(node.named_children)
        return found
