"""``open-coded-lock``: a flag and a wait queue used as a lock, which lockdep cannot see.

The shape: a function sets the flag and drops a real lock while the flag
stays set -- one it held when it set the flag, or took inside the region
waiting for it -- so the flag goes on excluding others where the lock no
longer does; the flag is cleared later and its waiters are woken; waiters
sleep until it is clear.  A flag that is only ever set (a state, an "is
done" event) or never waited for is no lock; nor is one whose region only
*tries* its lock (``BTRFS_FS_CLEANER_RUNNING``: a "cleaner is running" mark
around ``mutex_trylock(&cleaner_mutex)``, which never waits), nor one every
waiter waits for as I/O (``wait_on_bit_io``: ``EXTENT_BUFFER_WRITEBACK``, a
writeback bit cleared when the I/O completes, as ``PG_writeback`` is).
"""

from __future__ import annotations

from collections.abc import Iterator

from aptool.checks.context import CheckContext
from aptool.checks.findings import Location, OpenCodedLock
from aptool.model.data import CodeModel, Event, Flag, Function, Site


def check(context: CheckContext) -> Iterator[OpenCodedLock]:
    model = context.model
    for name in sorted(context.flags):  # set, cleared, waited for, and held across dropping a lock
        flag = model.flags[name]
        if not flag.wakers or all(_timed(site.text) for site in flag.waiters):
            continue  # nobody wakes the waiters, or every wait times out: no one can hang on it
        yield _finding(name, flag, lock_regions(model, name))


def lock_regions(model: CodeModel, name: str) -> list[tuple[Site, Event]]:
    """Where flag ``name`` is set and a real lock (held when it was set, or waited for inside the
    region) is released while it is still set.  None for a flag every waiter waits for as I/O
    (``wait_on_bit_io``): that is an I/O state cleared when the I/O completes
    (``EXTENT_BUFFER_WRITEBACK``, like ``PG_writeback``), not a lock its holder releases."""
    flag = model.flags.get(name)
    if flag is None or (flag.waiters and all(_io_wait(site.text) for site in flag.waiters)):
        return []
    return list(_regions(model, flag, name))


def _timed(text: str) -> bool:
    return "timeout" in text.split("(", 1)[0]


def _io_wait(text: str) -> bool:
    """A wait the kernel accounts as waiting for I/O (``wait_on_bit_io``, ``wait_on_page_bit_io``...)."""
    return text.split("(", 1)[0].strip().endswith("_io")


def _regions(model: CodeModel, flag: Flag, name: str) -> Iterator[tuple[Site, Event]]:
    """(where the flag is set, the release of a real lock that follows while it is still set)."""
    for function in _functions(model, flag.setters):
        events = function.events()
        for index, event in enumerate(events):
            if event.kind != "flag-set" or event.lock != name:
                continue
            tried: set[str] = set()  # locks the region only tries: it never waits for them
            for later in events[index + 1 :]:
                if later.kind == "flag-clear" and later.lock == name:
                    break
                if later.kind == "acquire" and later.lock:
                    if later.trylock:
                        tried.add(later.lock)
                    else:
                        tried.discard(later.lock)
                if later.kind == "release" and later.lock and later.lock not in model.flags:
                    if later.lock in tried:
                        continue
                    yield Site(function.name, function.file, event.line, event.text), later
                    break


def _functions(model: CodeModel, sites: list[Site]) -> list[Function]:
    wanted = {(s.function, s.file) for s in sites}
    return [f for f in model.functions.values() if (f.name, f.file) in wanted]


def _finding(name: str, flag: Flag, regions: list[tuple[Site, Event]]) -> OpenCodedLock:
    locations = []
    for site, release in regions:
        locations.append(Location.of(site, f"sets {name}"))
        locations.append(Location(release.file, release.line, site.function, release.text, f"drops {release.lock}"))
    locations += [Location.of(s, f"clears {name}") for s in flag.clearers]
    locations += [Location.of(s, f"wakes the waiters of {name}") for s in flag.wakers]
    locations += [Location.of(s, f"waits for {name} to clear") for s in flag.waiters]
    dropped = sorted({release.lock or "" for _, release in regions})
    setters = sorted({site.function for site, _ in regions})
    waiters = sorted({s.function for s in flag.waiters})
    message = (
        f"{name} is an open-coded lock: {', '.join(setters)} set{'s' * (len(setters) == 1)} it and drop"
        f"{'s' * (len(setters) == 1)} {', '.join(dropped)} while it is set; {', '.join(waiters)} "
        f"wait{'s' * (len(waiters) == 1)} for it to clear. Lockdep cannot see it."
    )
    return OpenCodedLock(locks=(name,), message=message, locations=locations)
