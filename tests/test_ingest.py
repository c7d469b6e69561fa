from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import pytest

from assistant.index.ingest import ingest_folder


def _docx(path: Path, heading: str, body: str) -> Path:
    document = docx.Document()
    document.add_heading(heading, level=1)
    document.add_paragraph(body)
    document.save(str(path))
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    docs = ws / "docs"
    docs.mkdir(parents=True)
    _docx(docs / "good.docx", "Acceptable use", "Staff must lock screens when away from their desks.")
    (docs / "runbook.md").write_text(
        "# On-call\n\nPage the on-call engineer.\n\n## Restore\n\nRestore from S3.\n"
    )
    (docs / "notes.txt").write_text("Plain notes about the VPN.\n")
    # the bad ones
    (docs / "corrupt.docx").write_bytes(b"PK\x03\x04 not really a zip")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (150 * 1024 * 1024))
    (docs / "bomb.docx").write_bytes(bomb.getvalue())
    with (docs / "huge.md").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing 200 MB
    (docs / "binary.md").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00binary")
    (docs / "latin1.txt").write_bytes("R\xe9sum\xe9 of the caf\xe9 policy".encode("latin-1"))
    (docs / "empty.md").write_bytes(b"")
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nnot part of the workspace\n")
    os.symlink(outside, docs / "link.md")
    return ws


def test_bad_files_are_skipped_with_reasons(workspace: Path) -> None:
    result = ingest_folder(workspace / "docs", workspace)
    indexed = sorted(d.relative for d in result.documents)
    assert indexed == ["docs/good.docx", "docs/notes.txt", "docs/runbook.md"]
    reasons = dict(result.skipped)
    assert "corrupt DOCX" in reasons["docs/corrupt.docx"]
    assert "zip bomb" in reasons["docs/bomb.docx"]
    assert "limit is 20 MB" in reasons["docs/huge.md"]
    assert "binary" in reasons["docs/binary.md"]
    assert "not UTF-8" in reasons["docs/latin1.txt"]
    assert reasons["docs/empty.md"] == "empty file"
    assert "outside the workspace" in reasons["docs/link.md"]
    assert len(result.skipped) == 7


def test_markdown_split_by_headings(workspace: Path) -> None:
    result = ingest_folder(workspace / "docs", workspace)
    runbook = next(d for d in result.documents if d.relative.endswith("runbook.md"))
    assert [s.heading for s in runbook.sections] == ["On-call", "Restore"]
    assert runbook.sections[1].location == "line 5"


def test_docx_sections(workspace: Path) -> None:
    result = ingest_folder(workspace / "docs", workspace)
    good = next(d for d in result.documents if d.relative.endswith("good.docx"))
    assert good.title == "Acceptable use"
    assert "lock screens" in good.sections[0].text


def test_symlink_inside_workspace_is_followed(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "docs").mkdir(parents=True)
    (ws / "shared.md").write_text("# Shared\n\ninside the workspace\n")
    os.symlink(ws / "shared.md", ws / "docs" / "shared.md")
    result = ingest_folder(ws / "docs", ws)
    assert [d.relative for d in result.documents] == ["docs/shared.md"]


def test_missing_docs_folder_is_empty(tmp_path: Path) -> None:
    result = ingest_folder(tmp_path / "nope", tmp_path)
    assert result.documents == [] and result.skipped == []
