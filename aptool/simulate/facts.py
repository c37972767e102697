"""What the simulator needs to know of a whole model, computed once per model.

Every thread of every cycle asks the same questions of the model: which
functions have a locking step below them (worth inlining), where queues and
completions are woken (a wait on one woken outside the threads is not a
wait for ever), which work items a work function runs as; and the thread
programs compiled so far (one function starts threads in many cycles).  A check runs
many simulations on one model, so the answers are kept for the last few
models, as long as each lives.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from aptool.model.data import CodeModel
from aptool.model.primitives import WORK_INITS

_STEP_EVENTS = frozenset({"acquire", "release", "flag-set", "flag-clear", "wait", "wake"})
_KEEP = 4


@dataclass
class ModelFacts:
    relevant: set[str] = field(default_factory=set)  # function ids with a step in them or below a call
    wakes: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, queue) of every wake
    works: dict[str, list[str]] = field(default_factory=dict)  # work function id -> the work items it runs as
    programs: dict[str, Any] = field(default_factory=dict)  # thread programs compiled so far, by function id
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # function id -> the labels of its body
    bodies: dict[str, Any] = field(default_factory=dict)  # function id -> its body as a thread program reads it


_cache: list[tuple[weakref.ref[CodeModel], ModelFacts]] = []  # kept while the model lives


def facts_of(model: CodeModel) -> ModelFacts:
    """The facts of ``model`` (computed on the first call for it)."""
    for known, found in _cache:
        if known() is model:
            return found
    found = _compute(model)
    _cache.append((weakref.ref(model, _forget), found))
    del _cache[:-_KEEP]
    return found


def _forget(gone: weakref.ref[CodeModel]) -> None:
    """A model was freed: so are its facts (its thread programs hold its functions)."""
    _cache[:] = [entry for entry in _cache if entry[0] is not gone]


def _compute(model: CodeModel) -> ModelFacts:
    facts = ModelFacts()
    callers: dict[str, set[str]] = {}
    by_name: dict[str, list[str]] = {}
    for function in model.functions.values():
        by_name.setdefault(function.name, []).append(function.id)
    for fid, function in model.functions.items():
        for event in function.events():
            if event.kind in _STEP_EVENTS:
                facts.relevant.add(fid)
            if event.kind == "wake":
                facts.wakes.append((event.file, event.line, event.lock or "?"))
            if event.kind != "call":
                continue
            for target in event.targets:
                callers.setdefault(target, set()).add(fid)
            if event.callee in WORK_INITS:
                work, fn = WORK_INITS[event.callee]
                if len(event.args) > max(work, fn) and event.args[work] and event.args[fn]:
                    for target in by_name.get(event.args[fn], []):
                        if event.args[work] not in facts.works.setdefault(target, []):
                            facts.works[target].append(event.args[work])
    todo = list(facts.relevant)
    while todo:
        fid = todo.pop()
        for caller in callers.get(fid, ()):
            if caller not in facts.relevant:
                facts.relevant.add(caller)
                todo.append(caller)
    return facts
