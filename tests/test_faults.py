"""Nothing lost, nothing half-written: kill -9 at random points of a generate, two generates at once, a disk
that fills up, an output folder holding someone else's files, damaged files in out/."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import copy_example, invoke

KILLS = 20


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", ISMS_LOCK_WAIT="0")
    return env


def _isms(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli.main", *args],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _consistent(ws: Path) -> None:
    """The invariants after recovery: no temporary files or journals, every manifest entry's files present
    and as recorded, every Markdown file a version in the store, the SoA's CSV and Excel files agreeing."""
    from assistant.generation.doctor import check_workspace
    from assistant.store import DocumentStore

    out = ws / "out"
    leftovers = [p.name for p in out.iterdir() if p.name.startswith((".isms-tmp-", ".isms-journal-"))]
    assert not leftovers, leftovers
    store = DocumentStore.for_workspace(ws / ".isms") if (ws / ".isms" / "store.sqlite").exists() else None
    checkup = check_workspace(out, store, repair=False)
    assert not checkup.problems, checkup.problems
    if (out / "soa.csv").exists() and (out / "soa.xlsx").exists():
        from openpyxl import load_workbook

        rows = list(csv.DictReader(io.StringIO((out / "soa.csv").read_text(encoding="utf-8"))))
        sheet = load_workbook(out / "soa.xlsx", read_only=True).worksheets[0]
        values = [[str(c) if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
        xlsx_text = "\n".join("|".join(r) for r in values)
        status_key = next(k for k in rows[0] if "status" in k.lower())
        for row in rows:
            control = next(iter(row.values()))
            line = next(line for line in xlsx_text.splitlines() if line.startswith(control + "|"))
            assert row[status_key] in line, (control, row[status_key])


def test_kill_9_at_random_points_leaves_a_consistent_set(tmp_path: Path) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    rng = random.Random(27001)
    first = _isms("generate", "--workspace", str(ws))
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    risks = ws / "risks.csv"
    original = risks.read_text(encoding="utf-8")
    for i in range(KILLS):
        # A change each round, so every run rewrites files (the risk documents and the SoA).
        risks.write_text(original.replace("Public exposure", f"Public exposure ({i})", 1), encoding="utf-8")
        proc = _isms("generate", "--force", "--workspace", str(ws))
        time.sleep(rng.uniform(1.2, 4.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        doctor = _isms("doctor", "--workspace", str(ws))
        assert doctor.wait(timeout=60) == 0, doctor.stdout.read() if doctor.stdout else b""
        _consistent(ws)
    final = _isms("generate", "--workspace", str(ws))
    assert final.wait(timeout=120) == 0
    _consistent(ws)
    manifest = json.loads((ws / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["finished"] is True
    assert all(d["status"] in ("written", "unchanged") for d in manifest["documents"])


def test_two_generates_at_once_one_waits_or_names_the_holder(tmp_path: Path) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    first = _isms("generate", "--workspace", str(ws))
    time.sleep(1.5)
    second = _isms("generate", "--workspace", str(ws))
    err = second.communicate(timeout=120)[1].decode()
    assert first.wait(timeout=120) == 0
    if second.returncode == 2:
        assert "isms generate" in err and "is writing this workspace" in err
    else:
        assert second.returncode == 0  # it started after the first had finished
    assert "Traceback" not in err
    _consistent(ws)


def test_a_full_disk_stops_the_run_and_reports_nothing_unwritten(tmp_path: Path, runner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    monkeypatch.setenv("ISMS_LOCK_WAIT", "0")
    from assistant.documents import files

    real = files.write_temp
    calls = {"n": 0}

    def filling(folder: Path, name: str, data: bytes | str) -> Path:
        calls["n"] += 1
        if calls["n"] > 12:
            raise files.disk_error(folder / name, OSError(errno.ENOSPC, "No space left on device"))
        return real(folder, name, data)

    from assistant.generation import journal

    monkeypatch.setattr(files, "write_temp", filling)
    monkeypatch.setattr(journal, "write_temp", filling)
    result = invoke(runner, "generate", "--concurrency", "1", "--workspace", str(ws))
    assert result.exit_code == 1
    assert "disk is full" in result.output
    manifest = json.loads((ws / "out" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        if entry["status"] == "written":
            for name in entry["files"]:
                assert (ws / "out" / name).is_file(), name
    monkeypatch.setattr(files, "write_temp", real)
    monkeypatch.setattr(journal, "write_temp", real)
    assert invoke(runner, "doctor", "--workspace", str(ws)).exit_code == 0  # space is back: finish the write
    _consistent(ws)
    assert invoke(runner, "generate", "--workspace", str(ws)).exit_code == 0
    _consistent(ws)


def test_out_folder_with_other_files_is_refused_and_never_touched(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    out = tmp_path / "mine"
    out.mkdir()
    mine = {".session.tmp": "session", ".vimrc.tmp": "vim", "notes.txt": "my notes"}
    for name, text in mine.items():
        (out / name).write_text(text)
    refused = invoke(runner, "generate", "--out", str(out), "--workspace", str(ws))
    assert refused.exit_code == 2 and "not an isms output folder" in refused.output
    assert sorted(p.name for p in out.iterdir()) == sorted(mine)
    forced = invoke(runner, "generate", "--force", "--out", str(out), "--workspace", str(ws))
    assert forced.exit_code == 0, forced.output
    assert all((out / n).read_text() == t for n, t in mine.items())
    again = invoke(runner, "generate", "--out", str(out), "--workspace", str(ws))  # now an isms folder
    assert again.exit_code == 0 and all((out / n).read_text() == t for n, t in mine.items())
    clash = tmp_path / "clash"
    clash.mkdir()
    (clash / "access-control-policy.md").write_text("my own policy")
    refused = invoke(runner, "generate", "--force", "--out", str(clash), "--workspace", str(ws))
    assert refused.exit_code == 2 and "access-control-policy.md" in refused.output
    assert (clash / "access-control-policy.md").read_text() == "my own policy"


@pytest.mark.parametrize("damage", ["manifest-list", "manifest-folder", "md-folder", "broken-front-matter"])
def test_damaged_output_files_give_a_named_error(tmp_path: Path, runner, damage: str) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    assert (
        invoke(runner, "generate", "--only", "access-control-policy", "--workspace", str(ws)).exit_code == 0
    )
    out = ws / "out"
    target = {
        "manifest-list": out / "manifest.json",
        "manifest-folder": out / "manifest.json",
        "md-folder": out / "cryptography-policy.md",
        "broken-front-matter": out / "access-control-policy.md",
    }[damage]
    if damage == "manifest-list":
        target.write_text("[1, 2, 3]")
    elif damage in ("manifest-folder", "md-folder"):
        target.unlink(missing_ok=True)
        target.mkdir()
    else:
        target.write_text("---\nid: [unclosed\n---\n# Access\n")
    result = invoke(runner, "generate", "--force", "--workspace", str(ws))
    assert result.exit_code == 2, result.output
    assert target.name in result.output and "Traceback" not in result.output


def test_a_second_writer_is_told_who_holds_the_workspace(tmp_path: Path) -> None:
    from assistant.workspace_lock import writing

    ws = copy_example("kestrel-saas", tmp_path / "ws")
    with writing(ws / ".isms", "generate"):
        for args in (["draft", "access-control-policy"], ["index", "build"], ["doctor"]):
            proc = _isms(*args, "--workspace", str(ws))
            _out, err = proc.communicate(timeout=120)
            text = " ".join(err.decode().split())
            assert proc.returncode == 2, (args, text)
            assert (
                "`isms generate`" in text and "is writing this workspace" in text and "Traceback" not in text
            )
    proc = _isms("draft", "access-control-policy", "--workspace", str(ws))  # the lock is free again
    assert proc.wait(timeout=120) == 0
