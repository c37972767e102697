"""Install, uninstall and describe aptool's hook scripts, keeping any hook that was there.

The hooks directory is the one git runs hooks from (``core.hooksPath`` when
set, else ``.git/hooks``), as ``git rev-parse --git-path hooks`` names it.
A hook that is already there is renamed to ``<type>.aptool-chained`` beside
it -- same bytes, same mode, same inode -- and aptool's script runs it first;
uninstall renames it back, so what was there is restored exactly.

The script runs aptool with the Python it was installed with
(``sys.executable``), so git finds it even when ``aptool`` is not on the
``PATH`` of the shell that runs git.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from aptool.errors import AptoolError
from aptool.git.run import git

HOOK_TYPES = ("pre-applypatch", "pre-commit", "pre-push")
MARKER = "# aptool-hook:"
CHAINED_SUFFIX = ".aptool-chained"


@dataclass
class HookState:
    """What is installed for one hook type: ``state`` is ``installed``, ``other`` (a hook that is not
    aptool's) or ``absent``; ``chained`` the hook aptool runs first, if any; ``python`` the
    interpreter the script runs aptool with."""

    type: str
    path: Path
    state: str
    chained: Path | None = None
    python: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "type": self.type,
            "path": str(self.path),
            "state": self.state,
            "chained": str(self.chained) if self.chained else None,
            "python": self.python,
        }


def hooks_dir(repo: Path) -> Path:
    """The directory git runs ``repo``'s hooks from (``core.hooksPath`` respected)."""
    out = git(repo, "rev-parse", "--path-format=absolute", "--git-path", "hooks").strip()
    return Path(out)


def script(hook_type: str, python: str) -> str:
    """The hook script for ``hook_type``: aptool through ``python``, or the chained hook alone if that is gone."""
    chained = f"{hook_type}{CHAINED_SUFFIX}"
    quoted = shlex.quote(python)
    return f"""#!/bin/sh
{MARKER} {hook_type}
# Installed by 'aptool hook install'; 'aptool hook uninstall' puts back what was here.
# A hook that was here before is kept as {chained} beside this file and runs first.
python={quoted}
if [ -x "$python" ]; then
	exec "$python" -P -m aptool.hook {hook_type} "$@"
fi
echo "aptool: hook: $python is gone, the lock checks did not run (run 'aptool hook install' again)" >&2
chained="$(dirname "$0")/{chained}"
if [ -x "$chained" ]; then
	exec "$chained" "$@"
fi
exit 0
"""


def _is_ours(path: Path) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(200)
    except OSError:
        return False
    return MARKER.encode() in head


def _python_of(path: Path) -> str | None:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("python="):
            parts = shlex.split(line[len("python=") :])
            return parts[0] if parts else None
    return None


def describe(directory: Path, hook_type: str) -> HookState:
    """The state of one hook type in ``directory``."""
    path = directory / hook_type
    chained = directory / f"{hook_type}{CHAINED_SUFFIX}"
    kept = chained if os.path.lexists(chained) else None
    if _is_ours(path):
        return HookState(hook_type, path, "installed", kept, _python_of(path))
    if os.path.lexists(path):
        return HookState(hook_type, path, "other", kept)
    return HookState(hook_type, path, "absent", kept)


def status(repo: Path) -> list[HookState]:
    """Every hook type's state in ``repo``'s hooks directory."""
    directory = hooks_dir(repo)
    return [describe(directory, t) for t in HOOK_TYPES]


def _check_type(hook_type: str) -> None:
    if hook_type not in HOOK_TYPES:
        raise AptoolError(f"unknown hook type '{hook_type}' (choose from {', '.join(HOOK_TYPES)})")


def install(repo: Path, hook_type: str, python: str | None = None) -> tuple[HookState, str]:
    """Install the hook for ``hook_type`` in ``repo``; (its state, a sentence saying what was done).

    A hook already there is kept and chained, and the sentence says so; a
    second install refreshes aptool's script and keeps the chained hook.
    Raises :class:`AptoolError` when a chained hook would be overwritten.
    """
    _check_type(hook_type)
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    before = describe(directory, hook_type)
    chained = directory / f"{hook_type}{CHAINED_SUFFIX}"
    said = f"installed the {hook_type} hook in {directory}"
    if before.state == "installed":
        said = f"refreshed the {hook_type} hook in {directory}"
    elif before.state == "other":
        if before.chained is not None:
            raise AptoolError(
                f"{before.path} is not aptool's and {chained.name} is already there: "
                "move one of them away, then install again"
            )
        os.replace(before.path, chained)
        said += f"; your own {hook_type} hook is kept as {chained.name} and runs first"
    elif before.chained is not None:
        said += f"; {chained.name} (left from before) runs first"
    _write_script(directory / hook_type, script(hook_type, python or sys.executable))
    if before.chained is not None and before.state == "installed":
        said += f"; {chained.name} still runs first"
    return describe(directory, hook_type), said


def _write_script(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.aptool-tmp")
    temporary.write_text(text)
    os.chmod(temporary, 0o755)
    os.replace(temporary, path)


def uninstall(repo: Path, hook_type: str) -> str:
    """Remove aptool's hook for ``hook_type`` and put back the hook that was there; a sentence saying so.

    Raises :class:`AptoolError`, touching nothing, when the hook there is not
    aptool's (someone replaced it since).
    """
    _check_type(hook_type)
    directory = hooks_dir(repo)
    state = describe(directory, hook_type)
    if state.state == "absent" and state.chained is None:
        return f"no {hook_type} hook in {directory}: nothing to do"
    if state.state == "other":
        raise AptoolError(f"{state.path} is not aptool's hook: left as it is")
    if state.state == "installed":
        state.path.unlink()
    if state.chained is not None:
        os.replace(state.chained, state.path)
        return f"removed the {hook_type} hook from {directory}; your own hook is back in its place"
    return f"removed the {hook_type} hook from {directory}"
