"""Property-based tests over the mail reader, the series builder, the diff reader and the C model.

The property, for any bytes (fixture mails and C files mutated as the fuzzer mutates them,
see ``tests/mutations.py``): an answer or one clean error (:class:`AptoolError`), in bounded
time, and nothing written outside ``.git/aptool``.  Each test runs a few dozen examples
(``APTOOL_FUZZ_EXAMPLES`` changes how many); ``benchmarks/fuzz.py`` is the long run.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aptool.archive.local import LocalArchive
from aptool.cli import app
from aptool.errors import AptoolError
from aptool.model import build_from_sources, lock_order_edges
from aptool.series import parse_thread, require_version
from aptool.series.diff import diff_text, file_changes
from tests.mutations import KINDS, Mutation, hostile_c, hostile_mail, mutate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("APTOOL_FUZZ_EXAMPLES", "25"))
BOUND = 20.0  # seconds an example may take on a loaded machine; minutes meant a hang
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the bound is checked below, once per example, without hypothesis' re-runs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=True,
    database=None,
)
C_SEEDS = sorted((ROOT / "fixtures" / "story" / "tree").rglob("*.[ch]"))
runner = CliRunner()

mutations = st.lists(
    st.builds(
        Mutation,
        st.sampled_from(KINDS),
        st.floats(0, 1),
        st.sampled_from([1, 8, 100, 1000, 5000]),
        st.binary(max_size=16),
        st.integers(0, 10_000),
    ),
    min_size=1,
    max_size=4,
)


class Bounded:
    """Fails the test when the block takes longer than ``BOUND``."""

    def __enter__(self) -> Bounded:
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        took = time.monotonic() - self.started
        assert took < BOUND, f"took {took:.1f} s"


def story_mboxes(story) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted(Path(story.archive).glob("*.mbox"))


@FUZZ
@given(seed=st.integers(0, 1000), edits=mutations, depth=st.sampled_from([10, 300, 3000]))
def test_mail_reader_and_series_builder(story, tmp_path_factory, seed: int, edits: list[Mutation], depth: int) -> None:  # type: ignore[no-untyped-def]
    boxes = story_mboxes(story)
    box = boxes[seed % len(boxes)]
    root = story.threads[box.stem][0]
    archive = tmp_path_factory.mktemp("archive")
    (archive / "thread.mbox").write_bytes(mutate(box.read_bytes(), edits, hostile_mail(depth)))
    with Bounded():
        try:
            source = LocalArchive(archive, index_root=tmp_path_factory.mktemp("cache"))
            thread = parse_thread(source.thread(root), root)
            require_version(thread, None)
            thread.to_dict()
        except AptoolError as err:
            assert err.message.strip()
    assert [p.name for p in archive.iterdir()] == ["thread.mbox"]


@FUZZ
@given(seed=st.integers(0, 1000), edits=mutations)
def test_diff_reader(story, seed: int, edits: list[Mutation]) -> None:  # type: ignore[no-untyped-def]
    boxes = story_mboxes(story)
    text = mutate(boxes[seed % len(boxes)].read_bytes(), edits, hostile_mail(300)).decode("utf-8", "replace")
    with Bounded():
        diff = diff_text(text)
        if diff is None:
            return
        try:
            for change in file_changes(diff, "fz@example.org"):
                assert isinstance(change.path, str)
        except AptoolError as err:
            assert err.message.startswith("patch <fz@example.org>")


@FUZZ
@given(seed=st.integers(0, 1000), edits=mutations, depth=st.sampled_from([10, 500, 5000]))
def test_c_model(seed: int, edits: list[Mutation], depth: int) -> None:
    source = C_SEEDS[seed % len(C_SEEDS)]
    data = mutate(source.read_bytes(), edits, hostile_c(depth))
    with Bounded():
        model = build_from_sources({"fz.c": data})
        lock_order_edges(model, flags_as_locks=True)
        model.to_dict()


@FUZZ
@given(seed=st.integers(0, 1000), edits=mutations)
def test_commands_write_nothing_outside_git_aptool(story, tmp_path_factory, seed: int, edits: list[Mutation]) -> None:  # type: ignore[no-untyped-def]
    repo = tmp_path_factory.mktemp("user") / "repo"
    subprocess.run(["git", "clone", "-q", "--no-local", str(story.repo), str(repo)], check=True)
    before = _snapshot(repo)
    boxes = story_mboxes(story)
    box = boxes[seed % len(boxes)]
    archive = tmp_path_factory.mktemp("archive") / "thread.mbox"
    archive.write_bytes(mutate(box.read_bytes(), edits, hostile_mail(300)))
    root = story.threads[box.stem][0]
    for command in ("base", "apply-series"):
        with Bounded():
            result = runner.invoke(app, [command, root, "--repo", str(repo), "--archive", str(archive)])
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        after = _snapshot(repo)
        assert {k: v for k, v in after.items() if not k.startswith("refs/heads/aptool/")} == before


def _snapshot(repo: Path) -> dict[str, str]:
    """The work tree, index, HEAD and refs -- everything but ``.git/aptool`` and aptool's own branches."""

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True).stdout

    state = {"status": git("status", "--porcelain", "--ignored"), "HEAD": git("rev-parse", "HEAD")}
    for line in git("for-each-ref", "--format=%(refname) %(objectname)").splitlines():
        name, oid = line.split()
        if name != "refs/notes/aptool":
            state[name] = oid
    for path in sorted(repo.rglob("*")):
        relative = path.relative_to(repo).as_posix()
        if relative.startswith(".git/") and not relative.startswith((".git/index", ".git/HEAD", ".git/config")):
            continue
        if path.is_file():
            state[relative] = str(path.stat().st_size)
    return state


@pytest.mark.skipif(not os.environ.get("APTOOL_KERNEL_SRC"), reason="no kernel tree: set APTOOL_KERNEL_SRC")
@FUZZ
@given(seed=st.integers(0, 10_000), edits=mutations, depth=st.sampled_from([10, 500, 5000]))
def test_c_model_on_kernel_files(seed: int, edits: list[Mutation], depth: int) -> None:
    tree = Path(os.environ["APTOOL_KERNEL_SRC"])
    files = sorted((tree / "drivers" / "s390" / "crypto").glob("*.c"))
    if not files:
        pytest.skip("no drivers/s390/crypto in the kernel tree")
    data = mutate(files[seed % len(files)].read_bytes(), edits, hostile_c(depth))
    with Bounded():
        model = build_from_sources({"fz.c": data})
        lock_order_edges(model, flags_as_locks=True)
