"""Entry points: where threads start -- ops tables, notifiers, ioctls, and uncalled functions."""

from __future__ import annotations

from aptool.model.data import CodeModel


def mark_entries(model: CodeModel) -> None:
    """Set ``Function.entry`` to the reason a function can start a thread of execution."""
    by_pointer: dict[str, str] = {}
    for field, targets in model.pointer_targets.items():
        for target in targets:
            reason = "notifier (notifier_call)" if field == "notifier_call" else f"ops table (.{field})"
            by_pointer.setdefault(target, reason)
    called = {t for f in model.functions.values() for e in f.events() if e.kind == "call" for t in e.targets}
    for function in model.functions.values():
        if function.id in by_pointer:
            function.entry = by_pointer[function.id]
        elif "ioctl" in function.name:
            function.entry = "ioctl handler"
        elif function.id not in called:
            function.entry = "not called in scope"
