"""Bad input to ``aptool check``: a clear answer, the right exit code, nothing of the user's changed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from aptool.cli import app
from aptool.story import Story

runner = CliRunner()

BROKEN = """\
#include <linux/mutex.h>

struct dev { struct mutex lock; int n; };

static int broken(struct dev *d)
{
\tint x = (d->n + ;
\tmutex_lock(&d->lock);
\treturn x @@ 3;
}

int ]] garbage [[ here;

static void twice(struct dev *d)
{
\tmutex_lock(&d->lock);
\tmutex_lock(&d->lock);
\tmutex_unlock(&d->lock);
\tmutex_unlock(&d->lock);
}
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_code_that_does_not_parse_gives_a_partial_model_and_one_warning_per_file(tmp_path: Path) -> None:
    for name in ("a.c", "b.c"):
        (tmp_path / name).write_text(BROKEN)
    out = runner.invoke(app, ["check", str(tmp_path), "--json"])
    warnings = out.stderr.splitlines()
    skipped = "4 regions could not be parsed and were skipped; the rest of the file is checked"
    assert warnings == [
        f"aptool: warning: {tmp_path}/a.c: {skipped}",
        f"aptool: warning: {tmp_path}/b.c: {skipped}",
        "aptool: warning: 2 files only partly parsed, 8 regions skipped (--verbose lists the regions)",
    ]
    data = json.loads(out.stdout)
    assert data["stats"]["functions"] == 4  # broken() and twice() in each file: the model is partial, not empty
    assert [(f["check"], f["locks"]) for f in data["findings"]] == [("recursive-locking", ["dev.lock"])]
    assert out.exit_code == 1
    assert data["stats"]["files_with_parse_errors"] == 2 and data["stats"]["parse_errors"] == 8
    verbose = runner.invoke(app, ["check", str(tmp_path), "--verbose"])
    regions = [line for line in verbose.stderr.splitlines() if line.startswith("  ")]
    assert len(regions) == 8 and regions[0].startswith(f"  {tmp_path}/a.c:7: in broken(): skipped")
    assert (tmp_path / "a.c").read_text() == BROKEN


def test_an_empty_directory_has_nothing_to_check(tmp_path: Path) -> None:
    (tmp_path / "README").write_text("no C here\n")
    out = runner.invoke(app, ["check", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert f"no C files in {tmp_path}" in out.stdout and "findings: 0 new" in out.stdout


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    out = runner.invoke(app, ["check", str(tmp_path / "nope.c")])
    assert out.exit_code == 2 and out.stderr == f"aptool: no such file or directory: {tmp_path / 'nope.c'}\n"


def test_a_revision_that_does_not_exist(story: Story) -> None:
    out = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", "no-such-rev"])
    assert out.exit_code == 2 and out.stderr == "aptool: unknown revision: no-such-rev\n" and out.stdout == ""
    base = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", "master", "--baseline", "v0.0"])
    assert base.exit_code == 2 and base.stderr == "aptool: unknown revision: v0.0\n"


def test_not_a_repository(tmp_path: Path) -> None:
    out = runner.invoke(app, ["check", "--repo", str(tmp_path)])
    assert out.exit_code == 2 and out.stderr == f"aptool: not a git repository: {tmp_path}\n"


def test_a_branch_without_an_aptool_note_says_which_baseline(story: Story, tmp_path: Path) -> None:
    # the story's own master: no note, no upstream -> no baseline, and it says so
    out = runner.invoke(app, ["check", "--repo", str(story.repo), "--rev", "master"])
    assert "baseline: none: no aptool apply-series record on master and no upstream" in out.stdout
    assert out.exit_code == 1  # without a baseline every finding counts: the hidden cycle is there
    # a clone's master tracks origin/master: the merge base is the baseline, and nothing differs
    user = tmp_path / "user"
    git(tmp_path, "clone", "-q", "--no-local", str(story.repo), str(user))
    git(user, "commit", "-q", "--allow-empty", "-m", "local work")
    out = runner.invoke(app, ["check", "--repo", str(user)])
    assert out.exit_code == 0, out.output
    assert f"baseline: {story.commits['master'][:12]}, the merge base with origin/master" in out.stdout
    assert "no C file differs" in out.stdout


def test_work_tree_against_a_baseline_keeps_the_users_files(story: Story, tmp_path: Path) -> None:
    user = tmp_path / "user"
    git(tmp_path, "clone", "-q", "--no-local", str(story.repo), str(user))
    ops = user / "drivers/s390/crypto/vfio_ap_ops.c"
    edited = ops.read_text() + "\nstatic void twice(struct ap_matrix_dev *m)\n{\n\tmutex_lock(&m->lock);\n}\n"
    ops.write_text(edited)
    status = git(user, "status", "--porcelain")
    out = runner.invoke(app, ["check", "--repo", str(user), "--baseline", "HEAD", "--json"])
    assert out.exit_code in (0, 1), out.output
    data = json.loads(out.stdout)
    assert data["stats"]["tip"] == "work tree" and data["stats"]["baseline"] == story.commits["master"]
    assert ops.read_text() == edited and git(user, "status", "--porcelain") == status
