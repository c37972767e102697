"""``aptool model`` on the command line: output, warnings, bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aptool.cli import app

runner = CliRunner()

CODE = """struct dev { struct mutex lock; spinlock_t stat_lock; int busy; wait_queue_head_t wq; };
static long dev_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct dev *d = f->private_data;

	mutex_lock(&d->lock);
	spin_lock(&d->stat_lock);
	spin_unlock(&d->stat_lock);
	mutex_unlock(&d->lock);
	wait_event(d->wq, !d->busy);
	return 0;
}
static const struct file_operations dev_fops = { .unlocked_ioctl = dev_ioctl };
"""


def write(tmp_path: Path, code: str = CODE, name: str = "dev.c") -> Path:
    path = tmp_path / name
    path.write_text(code)
    return path


def test_text_summary_per_function(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = runner.invoke(app, ["model", str(path), "--edges"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("1 files, 13 lines, 1 functions, 1 entry points, 1 flags")
    assert f"dev_ioctl() {path}:2  [entry: ops table (.unlocked_ioctl)]" in out
    assert "    6  acquire mutex dev.lock" in out and "    7  acquire spin dev.stat_lock" in out
    assert "wait on dev.wq until dev.busy: !d->busy" in out
    assert "dev.lock -> dev.stat_lock" in out and f"dev.lock taken at: dev_ioctl+{path}:6" in out
    assert result.stderr == ""


def test_json_dump(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = runner.invoke(app, ["model", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    function = data["functions"][f"{path}:dev_ioctl"]
    assert function["entry"] == "ops table (.unlocked_ioctl)" and function["locals"] == {"d": "dev"}
    assert [n["event"]["lock"] for n in function["body"] if n["event"]][:2] == ["dev.lock", "dev.stat_lock"]
    assert "lock_order_edges" not in data and data["entries"] == [f"{path}:dev_ioctl"]


def test_parse_errors_are_warnings_and_the_rest_is_kept(tmp_path: Path) -> None:
    write(tmp_path, CODE + "static int broken(int a, ]]\n{\n\treturn a;\n}\nvoid ok(void) { }\n")
    result = runner.invoke(app, ["model", str(tmp_path), "--json"])
    assert result.exit_code == 0
    summary = result.stderr.splitlines()
    assert summary == [f"{tmp_path / 'dev.c'}: parse errors: 2 regions skipped, 1 function lost (--verbose lists them)"]
    assert {f["name"] for f in json.loads(result.stdout)["functions"].values()} == {"dev_ioctl", "ok"}
    result = runner.invoke(app, ["model", str(tmp_path), "--json", "--verbose"])
    warnings = result.stderr.splitlines()
    assert len(warnings) == 3 and all(
        ": parse error: " in line and line.startswith(str(tmp_path / "dev.c") + ":") for line in warnings
    )
    assert any("function broken() lost" in line for line in warnings)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/path.c"], "aptool: no such file or directory: /nonexistent/path.c"),
        (["--rev", "HEAD", "--repo", "/"], "aptool: not a git repository: /"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["model", *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_unknown_revision_and_no_c_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write(repo)
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "dev"], check=True)
    result = runner.invoke(app, ["model", "--rev", "no-such-rev", "--repo", str(repo)])
    assert (result.exit_code, result.stderr.strip()) == (2, "aptool: unknown revision: no-such-rev")
    result = runner.invoke(app, ["model", "--rev", "HEAD", "--repo", str(repo), "nothing/here"])
    assert (result.exit_code, result.stderr.strip()) == (2, "aptool: no C files at HEAD under: nothing/here")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["model", str(empty)])
    assert (result.exit_code, result.stderr.strip()) == (0, "")
    assert result.stdout.startswith("0 files, 0 lines, 0 functions")


def test_grow_in_a_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write(
        repo,
        "void helper(struct dev *d);\n"
        "void entry(struct dev *d) { mutex_lock(&d->lock); helper(d); mutex_unlock(&d->lock); }\n",
        "a.c",
    )
    write(
        repo,
        "struct dev { struct mutex lock; spinlock_t s; };\n"
        "void helper(struct dev *d) { spin_lock(&d->s); spin_unlock(&d->s); }\n",
        "b.c",
    )
    write(repo, "void unrelated(void) { }\n", "c.c")
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    result = runner.invoke(app, ["model", str(repo / "a.c"), "--grow", "--json", "--edges"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(Path(f).name for f in data["files"]) == ["a.c", "b.c"]
    assert [(e["held"], e["acquired"]) for e in data["lock_order_edges"]] == [("dev.lock", "dev.s")]
    result = runner.invoke(app, ["model", str(tmp_path / "elsewhere.c"), "--grow"])
    assert result.exit_code == 2
    write(tmp_path, name="outside.c")
    result = runner.invoke(app, ["model", str(tmp_path / "outside.c"), "--grow"])
    assert result.exit_code == 2 and "--grow needs a git work tree" in result.stderr
