"""No lost work: three-way merge of edits, concurrent editors, and regeneration under a person's edit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.documents.merge import MINE_MARK, THEIRS_MARK, merge3
from tests.conftest import copy_example, invoke

BASE = "a\nb\nc\nd\ne\n"


def test_changes_to_different_lines_both_kept() -> None:
    merged = merge3(BASE, "a\nB\nc\nd\ne\n", "a\nb\nc\nD\ne\n")
    assert merged.clean and merged.text == "a\nB\nc\nD\ne\n"


def test_same_change_on_both_sides_taken_once() -> None:
    merged = merge3(BASE, "a\nB\nc\nd\ne\n", "a\nB\nc\nd\ne\n")
    assert merged.clean and merged.text == "a\nB\nc\nd\ne\n"


def test_different_changes_to_one_line_are_a_marked_conflict() -> None:
    merged = merge3(BASE, "a\nTHEIRS\nc\nd\ne\n", "a\nMINE\nc\nd\ne\n")
    assert not merged.clean and len(merged.conflicts) == 1
    assert merged.conflicts[0].mine == ("MINE",) and merged.conflicts[0].theirs == ("THEIRS",)
    lines = merged.text.splitlines()
    assert lines[1] == MINE_MARK and "MINE" in lines and "THEIRS" in lines and THEIRS_MARK in lines


def test_insertions_at_one_point_conflict_but_additions_elsewhere_merge() -> None:
    assert not merge3(BASE, "a\nX\nb\nc\nd\ne\n", "a\nY\nb\nc\nd\ne\n").clean
    merged = merge3(BASE, "a\nX\nb\nc\nd\ne\n", "a\nb\nc\nd\ne\nY\n")
    assert merged.clean and merged.text == "a\nX\nb\nc\nd\ne\nY\n"


def test_a_deletion_and_an_untouched_region_merge() -> None:
    merged = merge3(BASE, "a\nc\nd\ne\n", "a\nb\nc\nd\nE\n")
    assert merged.clean and merged.text == "a\nc\nd\nE\n"


@pytest.fixture
def generated(tmp_path: Path, runner, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ISMS_LOCK_WAIT", "0")
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    assert invoke(runner, "generate", "--workspace", str(ws)).exit_code == 0
    return ws


def _workflow(ws: Path):  # type: ignore[no-untyped-def]
    from assistant.cli.loading import load_inputs
    from assistant.workflow import store_for

    inputs = load_inputs(ws, provider="offline")
    return inputs, store_for(inputs.workspace)


def test_two_editors_of_one_version_lose_nothing(generated: Path) -> None:
    from assistant.workflow import MergeConflict, edit

    inputs, store = _workflow(generated)
    base = store.latest("access-control-policy")
    assert base is not None
    lines = base.content.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("- "))
    last = max(i for i, line in enumerate(lines) if line.startswith("- "))
    alice = lines.copy()
    alice[first] = alice[first] + " Alice's addition."
    bob = lines.copy()
    bob[last] = bob[last] + " Bob's addition."
    args = (inputs.workspace, inputs.corpus, inputs.profile, "access-control-policy")
    edit(*args, "\n".join(alice) + "\n", "Alice", base.id)
    merged = edit(*args, "\n".join(bob) + "\n", "Bob", base.id)  # stale: merged, not refused or lost
    assert "Alice's addition." in merged.content and "Bob's addition." in merged.content
    out = (generated / "out" / "access-control-policy.md").read_text(encoding="utf-8")
    assert "Alice's addition." in out and "Bob's addition." in out
    count = len(store.versions("access-control-policy"))
    carol = lines.copy()
    carol[first] = carol[first] + " Carol's different addition."
    with pytest.raises(MergeConflict) as info:
        edit(*args, "\n".join(carol) + "\n", "Carol", base.id)
    assert info.value.conflicts == 1 and MINE_MARK in info.value.merged
    assert len(store.versions("access-control-policy")) == count  # nothing saved


def _profile_set(ws: Path, old: str, new: str) -> None:
    path = ws / "profile.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_regeneration_merges_a_human_edit_onto_the_new_draft(generated: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from assistant.workflow import edit

    inputs, store = _workflow(generated)
    base = store.latest("access-control-policy")
    assert base is not None
    lines = base.content.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("- "))
    lines[first] = lines[first] + " Agreed with the works council on 3 March."
    edit(inputs.workspace, inputs.corpus, inputs.profile, "access-control-policy", "\n".join(lines) + "\n",
         "Daniel Okafor", base.id)  # fmt: skip
    _profile_set(generated, "    user_access: 6", "    user_access: 4")
    result = invoke(runner, "generate", "--workspace", str(generated))
    assert result.exit_code == 0, result.output
    out = (generated / "out" / "access-control-policy.md").read_text(encoding="utf-8")
    assert "Agreed with the works council on 3 March." in out  # the person's line survives
    assert "every 4 months" in out and "every 6 months" not in out.split("---", 2)[2]  # the new facts too
    entry = next(
        d
        for d in json.loads((generated / "out" / "manifest.json").read_text())["documents"]
        if d["id"] == "access-control-policy"
    )
    assert entry["status"] == "written" and entry["merged_from"]
    sources = [v.source for v in store.versions("access-control-policy")]
    assert sources[-2:] == ["generated", "edited"]  # the new draft kept as a pending version, then the merge


def test_conflicting_regeneration_keeps_the_person_s_file_and_says_so(generated: Path, runner) -> None:  # type: ignore[no-untyped-def]
    from assistant.workflow import edit

    inputs, store = _workflow(generated)
    base = store.latest("access-control-policy")
    assert base is not None
    mine = base.content.replace("every 6 months", "every 6 months, and after every reorganisation", 1)
    assert mine != base.content
    edit(
        inputs.workspace,
        inputs.corpus,
        inputs.profile,
        "access-control-policy",
        mine,
        "Daniel Okafor",
        base.id,
    )
    before = (generated / "out" / "access-control-policy.md").read_text(encoding="utf-8")
    _profile_set(generated, "    user_access: 6", "    user_access: 4")
    result = invoke(runner, "generate", "--workspace", str(generated))
    assert result.exit_code == 0
    assert "needs merge" in result.output
    assert (generated / "out" / "access-control-policy.md").read_text(encoding="utf-8") == before
    forced = invoke(
        runner, "generate", "--force", "--only", "access-control-policy", "--workspace", str(generated)
    )
    assert forced.exit_code == 0
    assert "after every reorganisation" not in (generated / "out" / "access-control-policy.md").read_text()
