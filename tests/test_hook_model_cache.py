"""The model cache by blob id: same models as without it, and only what changed is modelled again."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from aptool.model import CodeModel, build_model, grow_scope, load
from aptool.model import cache as model_cache
from aptool.model.load import build_from_sources, header_declarations, read_sources


def test_blob_id_is_gits(tmp_path: Path) -> None:
    data = b"int x;\n"
    (tmp_path / "x.c").write_bytes(data)
    out = subprocess.run(["git", "hash-object", str(tmp_path / "x.c")], capture_output=True, text=True, check=True)
    assert model_cache.blob_id(data) == out.stdout.strip()
    assert model_cache.blob_id(data) != hashlib.sha1(data).hexdigest()


def test_a_cached_model_is_the_model(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plain = build_model(repo=story.repo, rev=story.commits["open-coded"])
    header_declarations.cache_clear()
    with model_cache.using(tmp_path / "cache") as cache:
        first = build_model(repo=story.repo, rev=story.commits["open-coded"])
        assert cache.hits == 0 and cache.misses == 1 + len(first.files)  # the model, then each file
        cache.misses = 0
        again = build_model(repo=story.repo, rev=story.commits["open-coded"])
        assert cache.hits == 1 and cache.misses == 0
    assert first.to_dict() == plain.to_dict() == again.to_dict()
    assert again is not first
    assert len(list((tmp_path / "cache").glob("*/model/*/*"))) == 1
    assert len(list((tmp_path / "cache").glob("*/file/*/*"))) == len(first.files)


def test_only_the_changed_file_is_parsed_again(story, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    c_files = ["drivers/s390/crypto/vfio_ap_ops.c", "arch/s390/kvm/kvm-s390.c", "arch/s390/kvm/priv.c"]
    sources, headers = read_sources(None, story.repo, story.commits["master"], c_files)
    assert headers, "the sources include a header of the story"
    parsed: list[bytes] = []
    real_parse = load.parse_file
    monkeypatch.setattr(load, "parse_file", lambda data: parsed.append(data) or real_parse(data))
    header_declarations.cache_clear()
    with model_cache.using(tmp_path) as cache:
        build_from_sources(sources, headers)
        assert len(parsed) == len(sources) + len(set(headers.values()))
        header_declarations.cache_clear()
        cache.hits = cache.misses = 0
        parsed.clear()
        path = next(p for p in sources if p.endswith("vfio_ap_ops.c"))
        changed = {**sources, path: sources[path] + b"\nstatic int added(void) { return 0; }\n"}
        model = build_from_sources(changed, headers)
        assert parsed == [changed[path]]  # no other file, no header
        assert cache.misses == 2  # the model of this file set, the changed file
        assert cache.hits == len(set(headers.values())) + 2 * (len(sources) - 1)  # each file: its part, its functions
    assert len(list(tmp_path.glob("*/declarations/*/*"))) == len(set(headers.values()))
    assert len(list(tmp_path.glob("*/file/*/*"))) == len(sources) + 1
    assert any(f.name == "added" for f in model.functions.values())
    assert model.to_dict() == build_from_sources(changed, headers).to_dict()


def test_a_file_is_modelled_again_when_a_declaration_it_read_changed(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """priv.c did not change, but the struct its hook pointer belongs to did: its functions are built again."""
    header = "arch/s390/include/asm/kvm_host.h"
    files = ["arch/s390/kvm/priv.c", header]
    sources, headers = read_sources(None, story.repo, story.commits["master"], files)
    renamed = {**sources, header: sources[header].replace(b"kvm_s390_crypto", b"kvm_s390_crypto_v2")}

    def hook_struct(model: CodeModel) -> set[str | None]:
        return {e.callee_struct for f in model.functions.values() for e in f.events() if e.callee == "pqap_hook"}

    with model_cache.using(tmp_path):
        assert "kvm_s390_crypto" in hook_struct(build_from_sources(sources, headers))
        cached = build_from_sources(renamed, headers)
    assert "kvm_s390_crypto_v2" in hook_struct(cached) and "kvm_s390_crypto" not in hook_struct(cached)
    assert cached.to_dict() == build_from_sources(renamed, headers).to_dict()


def test_a_torn_entry_is_a_miss_and_no_cache_is_no_error(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sources, headers = read_sources(None, story.repo, story.commits["v5.12"], None)
    with model_cache.using(tmp_path) as cache:
        expected = build_from_sources(sources, headers).to_dict()
        for entry in tmp_path.glob("*/model/*/*"):
            entry.write_bytes(b"\x80\x05not a pickle")
        assert build_from_sources(sources, headers).to_dict() == expected
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory would be")
    with model_cache.using(blocked) as cache:
        assert build_from_sources(sources, headers).to_dict() == expected
        assert cache.hits == 0
    assert model_cache.active() is None


def test_a_grown_scope_is_kept_by_tree(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = ["drivers/s390/crypto/vfio_ap_ops.c"]
    plain = grow_scope(story.repo, story.commits["master"], files)
    assert "arch/s390/kvm/priv.c" in plain  # through the pqap_hook function pointer
    with model_cache.using(tmp_path) as cache:
        assert grow_scope(story.repo, story.commits["master"], files) == plain
        cache.hits = 0
        tree = subprocess.run(  # the tree git am's commit will have: the one the hook's snapshot had
            ["git", "-C", str(story.repo), "commit-tree", "-m", "the same tree", "master^{tree}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        again = grow_scope(story.repo, tree, files)  # another commit, the same tree
        assert again == plain and cache.hits == 1
        assert grow_scope(story.repo, story.commits["v5.12"], files) == grow_scope(story.repo, "v5.12", files)
    assert len(list(tmp_path.glob("*/scope/*/*"))) == 2


def _stable(findings: list) -> list[dict]:  # type: ignore[type-arg]
    """The findings as JSON, less the simulator's timings (a measurement, not part of a finding)."""
    timings = ("seconds", "states_per_second")

    def plain(data: dict) -> dict:  # type: ignore[type-arg]
        return {k: plain(v) if isinstance(v, dict) else v for k, v in data.items() if k not in timings}

    return [plain(f.to_dict()) for f in findings]  # a cycle's folded verdict has them under "simulation"


def test_findings_are_kept_with_the_model(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from aptool.pipeline import find

    plain = _stable(find(build_model(repo=story.repo, rev=story.commits["open-coded"])))
    assert plain, "the busy flag's cycle and open-coded lock are findings"
    with model_cache.using(tmp_path) as cache:
        model = build_model(repo=story.repo, rev=story.commits["open-coded"])
        assert _stable(find(model)) == plain
        cache.hits = 0
        assert _stable(find(build_model(repo=story.repo, rev=story.commits["open-coded"]))) == plain
        assert cache.hits == 2  # the model, then its findings
        selected = find(model, ["open-coded-lock"])
        assert {f.check for f in selected} == {"open-coded-lock"}
    assert len(list(tmp_path.glob("*/findings/*/*"))) == 2
