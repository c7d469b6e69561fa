"""`isms export --pdf` and `isms pack`: the PDF of each approved version (never a newer draft), every current
document with --drafts, the audit pack's contents, and a clear exit 2 when LibreOffice is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.loading import load_inputs
from assistant.workflow import approve, edit, store_for
from tests.conftest import invoke
from tests.helpers import generate_example, private_copy

DOC = "cryptography-policy"
APPROVER = "Priya Raman"
NEW_WORDING = "Keys are rotated every seventeen days by the night shift."

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed: `make office` installs it",
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "pdf")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def _approve(ws: Path, doc_id: str = DOC) -> int:
    data = load_inputs(ws)
    version = store_for(data.workspace).latest(doc_id)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "reviewed")
    return version.id


def _text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _is_a4_portrait(pdf: Path) -> bool:
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert box is not None
    width, height = float(box.group(1)), float(box.group(2))
    return abs(width - 595.3) < 1 and abs(height - 841.9) < 1  # A4, not US Letter (612 x 792)


def _documents(ws: Path) -> set[str]:
    return {p.stem for p in (ws / "out").glob("*.md")} - {"decisions", "evidence-guide"}


@needs_soffice
def test_export_writes_only_the_approved_documents(ws: Path) -> None:
    _approve(ws)
    result = invoke(CliRunner(), "export", "--pdf", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    pdfs = sorted((ws / "out" / "pdf").iterdir())
    assert [p.name for p in pdfs] == [f"{DOC}.pdf"]
    assert pdfs[0].read_bytes().startswith(b"%PDF-")
    assert _is_a4_portrait(pdfs[0])  # kestrel-saas is a UK organisation
    out = " ".join(result.output.split())
    assert "skipped" in out and "no approved version" in out and "access-control-policy" in out
    text = _text(pdfs[0])
    assert "Cryptography Policy" in text and "Status Approved" in text


@needs_soffice
def test_the_pdf_is_of_the_approved_version_not_a_newer_draft(ws: Path) -> None:
    approved_id = _approve(ws)
    data = load_inputs(ws)
    store = store_for(data.workspace)
    approved = store.get(approved_id)
    edit(
        data.workspace,
        data.corpus,
        data.profile,
        DOC,
        approved.content + f"\n{NEW_WORDING}\n",
        "Sam Editor",
        approved_id,
    )
    assert NEW_WORDING in (ws / "out" / f"{DOC}.md").read_text(encoding="utf-8")  # out/ holds the draft
    dest = ws / "elsewhere"
    result = invoke(CliRunner(), "export", "--pdf", "--workspace", str(ws), "--dest", str(dest))
    assert result.exit_code == 0, result.output
    text = _text(dest / f"{DOC}.pdf")
    assert "seventeen days" not in text
    assert "Sam Editor" not in text  # its change history ends at the approved version
    assert "Cryptography Policy" in text and approved.label in text


def _pages(pdf: Path) -> tuple[int, float, float]:
    """(pages, width, height in points) read with pdfinfo."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"Pages:\s+(\d+)", info)
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert pages and size, info
    return int(pages.group(1)), float(size.group(1)), float(size.group(2))


@needs_soffice
def test_export_drafts_writes_every_document_and_the_soa_workbook(ws: Path) -> None:
    """The acceptance render: every document and the SoA through LibreOffice; the SoA fits 12 landscape A4
    pages, the policies are A4 portrait."""
    result = invoke(CliRunner(), "export", "--pdf", "--drafts", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    pdf = ws / "out" / "pdf"
    written = {p.stem for p in pdf.glob("*.pdf")}
    assert written == _documents(ws) | {"soa"}
    assert all(p.read_bytes().startswith(b"%PDF-") for p in pdf.iterdir())
    assert "skipped" not in result.output
    pages, width, height = _pages(pdf / "statement-of-applicability.pdf")
    assert pages <= 12 and (round(width), round(height)) == (842, 595)  # A4 landscape
    for doc_id in ("information-security-policy", "access-control-policy", "isms-scope"):
        pages, width, height = _pages(pdf / f"{doc_id}.pdf")
        assert 1 < pages < 12 and (round(width), round(height)) == (595, 842), doc_id
    assert "Status Draft" in _text(pdf / "information-security-policy.pdf")


@needs_soffice
def test_pack_holds_everything_the_auditor_needs(ws: Path) -> None:
    for doc_id in (DOC, "isms-scope", "statement-of-applicability"):
        _approve(ws, doc_id)
    result = invoke(CliRunner(), "pack", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    packs = list((ws / "out").glob("audit-pack-*.zip"))
    assert len(packs) == 1 and re.fullmatch(
        r"audit-pack-kestrel-[a-z0-9-]+-\d{4}-\d\d-\d\d\.zip", packs[0].name
    )
    with zipfile.ZipFile(packs[0]) as archive:
        names = set(archive.namelist())
        index = archive.read("index.md").decode("utf-8")
        approvals = archive.read("approvals.csv").decode("utf-8")
        page = archive.read("index.html").decode("utf-8")
    assert {
        "index.html",
        "index.md",
        "approvals.csv",
        "soa.xlsx",
        "evidence-guide.xlsx",
        "evidence-guide.md",
    } <= names
    documents = _documents(ws)
    approved = {DOC, "isms-scope", "statement-of-applicability"}
    assert {n for n in names if n.startswith("pdf/")} == {f"pdf/{d}.pdf" for d in approved | {"soa"}}
    data = load_inputs(ws)
    for doc_id in approved:
        assert f"pdf/{doc_id}.pdf" in index and f"pdf/{doc_id}.pdf" in page
    for doc_id in documents:  # the documents not yet approved are listed with why
        assert data.corpus.documents[doc_id].title in index
    row = next(line for line in index.splitlines() if f"pdf/{DOC}.pdf" in line)
    assert "approved" in row and APPROVER in row
    assert approvals.splitlines()[0] == "document,version,label,approver,approved_at,comment,override"
    assert DOC in approvals and APPROVER in approvals
    assert not list((ws / "out").glob("*.tmp")) and not (ws / "out" / "pdf").exists()


@pytest.mark.parametrize("command", [["export", "--pdf"], ["pack", "--drafts"]])
def test_missing_libreoffice_is_exit_2_and_writes_nothing(
    ws: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _approve(ws)
    monkeypatch.setenv("ISMS_SOFFICE", str(ws / "no-such-soffice"))
    result = invoke(CliRunner(), *command, "--workspace", str(ws))
    out = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "LibreOffice" in out and "make office" in out and "Traceback" not in out
    assert not (ws / "out" / "pdf").exists() and not list((ws / "out").glob("audit-pack-*"))


def test_no_soffice_on_the_path_is_exit_2(ws: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = invoke(CliRunner(), "pack", "--workspace", str(ws))
    out = " ".join(result.output.split())
    assert result.exit_code == 2 and "LibreOffice (soffice) is not installed" in out and "make office" in out
    assert not list((ws / "out").glob("audit-pack-*"))


def test_export_without_pdf_names_the_export_available(ws: Path) -> None:
    result = invoke(CliRunner(), "export", "--workspace", str(ws))
    assert result.exit_code == 2 and "--pdf" in result.output


def test_the_pack_approval_record_has_the_columns_of_isms_approvals() -> None:
    from assistant.cli.approvals_cmd import COLUMNS
    from assistant.generation.audit_pack import APPROVAL_COLUMNS, slug

    assert APPROVAL_COLUMNS == COLUMNS
    assert slug("Kestrel Analytics Ltd.") == "kestrel-analytics-ltd"
