"""Entry points: where threads start -- ops tables, notifiers, ioctls, callbacks, uncalled functions.

The simulator starts a thread at each; the lock-order chains are printed
from one.  A reason is kept, because it says in which context the thread
runs (an ioctl in process context, a notifier in whoever notifies).
"""

from __future__ import annotations

from aptool.model.data import Function

# Functions that take a callback and run it in another thread of execution (a callback passed to
# anything else, ``list_sort(..., cmp)``, runs in its caller's thread: it is no entry of its own).
_CALLBACK_TAKERS = (
    "INIT_WORK",
    "INIT_DELAYED_WORK",
    "kthread_run",
    "kthread_create",
    "timer_setup",
    "request_irq",
    "request_threaded_irq",
    "devm_request_irq",
    "devm_request_threaded_irq",
    "call_rcu",
    "queue_work",
    "tasklet_init",
    "tasklet_setup",
    "hrtimer_init",
    "pthread_create",
)


def mark_entries(
    functions: dict[str, Function], pointer_targets: dict[str, list[str]], passed: set[tuple[str, str]]
) -> None:
    """Set ``Function.entry`` to the reason a thread of execution can start in it."""
    reasons: dict[str, str] = {}
    for field, targets in sorted(pointer_targets.items()):
        if "." in field or field.startswith("="):
            continue  # STRUCT.field: the same targets as the bare field name; =pointer: a file-scope variable
        for target in targets:
            reason = "notifier (notifier_call)" if field == "notifier_call" else f"ops table (.{field})"
            reasons.setdefault(target, reason)
    by_name: dict[str, list[str]] = {}
    for function in functions.values():
        by_name.setdefault(function.name, []).append(function.id)
    for name, taker in sorted(passed):
        if taker in _CALLBACK_TAKERS:
            for fid in by_name.get(name, []):
                reasons.setdefault(fid, f"callback (passed to {taker})")
    called = {t for f in functions.values() for e in f.events() if e.kind == "call" for t in e.targets}
    for function in functions.values():
        if function.id in reasons:
            function.entry = reasons[function.id]
        elif function.name == "main" and not function.static:
            function.entry = "program start (main)"
        elif "ioctl" in function.name:
            function.entry = "ioctl handler"
        elif function.id not in called:
            function.entry = "not called in scope"
