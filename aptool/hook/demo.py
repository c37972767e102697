"""The hook's step of ``aptool demo``: ``git am`` of the story's bad patch, stopped by the hook.

A clone of the story's repository stands for a maintainer's tree, so the
demo's own repository keeps no hook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aptool.git.run import git, run
from aptool.hook.install import install

Say = Callable[[str], None]
SHOWN = ("Applying: ", "aptool: ", "WARNING: ", "new ", "hint: ")


def hook_step(repo: Path, patch: Path, workdir: Path, say: Say) -> bool:
    """Install the pre-applypatch hook in a clone of ``repo`` at ``workdir``, ``git am`` ``patch`` there,
    show what the hook said and abort the ``am``; True when the hook stopped it."""
    git(None, "clone", "-q", str(repo), str(workdir))
    git(workdir, "checkout", "-q", "master")
    _, said = install(workdir, "pre-applypatch")
    say(f"   aptool hook install: {said}")
    say(f"   git am {patch.name}:")
    applied = run(workdir, "am", str(patch))
    for line in (applied.stdout + applied.stderr).decode("utf-8", "replace").splitlines():
        if line.startswith(SHOWN):
            say(f"      {line}")
    stopped = applied.returncode != 0
    if stopped:
        run(workdir, "am", "--abort")
        say("   git am stopped with the patch applied and not committed; 'git am --abort' put the branch back")
    else:
        say("   git am applied the patch: the hook found nothing new")
    return stopped
