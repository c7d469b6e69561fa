"""Hostile inputs (issue 14, bounded parsing): every parser works within size and time budgets, and a
hostile file ends in exit 2 with a message naming the file (or, in docs/, a skipped file with its reason),
never a hang, a traceback or silent acceptance.

The time bounds below guard against hangs on a loaded machine; they are not benchmarks.
"""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from assistant.index.ingest import ingest_folder
from assistant.knowledge.loader import DEFAULT_CORPUS_DIR
from tests.conftest import EXAMPLES, copy_example, invoke
from tests.fakes import HashingEmbedder
from tests.helpers import RISK_HEADER

HANG_GUARD = 20.0  # seconds; every case here takes well under one
GOOD_RISK = "R-001,Laptop theft,Unencrypted laptop stolen from a car,security_lead,3,4,mitigate,A.8.1;A.7.9"


def _clean_exit(result, code: int, *needles: str) -> str:  # type: ignore[no-untyped-def]
    """The exit code, each needle in the output (line breaks of the terminal removed), no traceback."""
    output = result.output.replace("\n", "")
    assert result.exit_code == code, result.output
    for needle in needles:
        assert needle in output, f"{needle!r} not in {result.output!r}"
    assert "Traceback" not in result.output
    return output


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
        assert self.seconds < HANG_GUARD, f"took {self.seconds:.1f}s"


# --- YAML: profile.yaml and the corpus --------------------------------------------------------------

LAUGHS = "".join(
    f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9 if prev else ['"lol"'] * 9) + "]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)


def _profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_billion_laughs_profile_is_refused_fast(tmp_path: Path, runner: CliRunner) -> None:
    path = _profile(tmp_path, LAUGHS)
    with Timer():
        result = invoke(runner, "profile", "check", str(path))
    _clean_exit(result, 2, str(path), "YAML aliases", "ISMS_LIMIT_YAML_ALIAS_NODES")


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {x: *a}\n", "top:\n  - &n {next: [*n]}\n"])
def test_recursive_alias_is_exit_2(tmp_path: Path, runner: CliRunner, text: str) -> None:
    path = _profile(tmp_path, text)
    with Timer():
        result = invoke(runner, "profile", "check", str(path))
    _clean_exit(result, 2, str(path), "recursive alias")


def test_duplicate_key_names_the_line(tmp_path: Path, runner: CliRunner) -> None:
    """A second `acceptance_threshold:` used to win silently; now the profile is refused at its line."""
    lines = (EXAMPLES / "kestrel-saas" / "profile.yaml").read_text(encoding="utf-8").splitlines()
    first = next(n for n, line in enumerate(lines) if line.strip().startswith("acceptance_threshold:"))
    indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
    lines.insert(first + 1, f"{indent}acceptance_threshold: 25")
    path = _profile(tmp_path, "\n".join(lines) + "\n")
    result = invoke(runner, "profile", "check", str(path))
    _clean_exit(
        result,
        2,
        f"{path}:{first + 2}: key 'acceptance_threshold' appears twice",
        f"first on line {first + 1}",
    )


def test_merge_keys_may_repeat_and_override(tmp_path: Path) -> None:
    from assistant.yamlio import load_yaml

    path = _profile(tmp_path, "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n")
    data, _ = load_yaml(path, what="file")
    assert data["other"] == {"x": 3, "y": 2}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: " + "[" * 300 + "]" * 300 + "\n", "ISMS_LIMIT_YAML_DEPTH"),
        ("a: " + "1" * 5000 + "\n", "cannot read this value"),
        ("a: 1\nb: 2024-13-45\n", "cannot read this value"),
        ("x:\n" + "- 1\n" * 120_000, "ISMS_LIMIT_YAML_NODES"),
    ],
    ids=["deep", "huge-int", "bad-date", "many-values"],
)
def test_other_hostile_yaml_is_exit_2(tmp_path: Path, runner: CliRunner, text: str, needle: str) -> None:
    path = _profile(tmp_path, text)
    with Timer():
        result = invoke(runner, "profile", "check", str(path))
    _clean_exit(result, 2, str(path), needle)


def test_yaml_budgets_follow_the_environment(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _profile(tmp_path, "a: &x 1\nb: *x\nc: *x\n")
    monkeypatch.setenv("ISMS_LIMIT_YAML_ALIASES", "1")
    _clean_exit(invoke(runner, "profile", "check", str(path)), 2, str(path), "ISMS_LIMIT_YAML_ALIASES")
    monkeypatch.setenv("ISMS_LIMIT_YAML_ALIASES", "many")
    _clean_exit(invoke(runner, "profile", "check", str(path)), 2, "ISMS_LIMIT_YAML_ALIASES", "'many'")


def test_corpus_file_with_duplicate_key_is_exit_2(tmp_path: Path, runner: CliRunner) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    path = corpus / "clauses" / "4.1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "title: Second title\n", encoding="utf-8")
    line = text.count("\n") + 1
    result = invoke(runner, "corpus", "check", "--corpus", str(corpus))
    _clean_exit(result, 2, f"{path}:{line}: key 'title' appears twice")


# --- The risk register: XLSX and CSV ----------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _workbook(tmp_path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(RISK_HEADER.strip().split(","))
    sheet.append(GOOD_RISK.split(","))
    path = tmp_path / "good.xlsx"
    book.save(path)
    return path


def test_xlsx_zip_bomb_is_refused_at_once(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "risks.xlsx"
    path.write_bytes(
        _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": bytes(60 * 2**20)})
    )
    assert path.stat().st_size < 200 * 1024
    with Timer():
        result = invoke(runner, "risks", "check", str(path))
    _clean_exit(result, 2, str(path), "zip bomb")


def test_xlsx_ratio_bomb_under_the_size_budget(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "risks.xlsx"
    path.write_bytes(_zip({"xl/worksheets/sheet1.xml": bytes(20 * 2**20)}))
    result = invoke(runner, "risks", "check", str(path))
    _clean_exit(result, 2, str(path), "ISMS_LIMIT_ZIP_RATIO")


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_xlsx_is_exit_2(tmp_path: Path, runner: CliRunner, keep: float) -> None:
    data = _workbook(tmp_path).read_bytes()
    path = tmp_path / "risks.xlsx"
    path.write_bytes(data[: int(len(data) * keep)])
    result = invoke(runner, "risks", "check", str(path))
    _clean_exit(result, 2, str(path), "not a readable XLSX")


def test_xlsx_that_is_not_a_zip_is_exit_2(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "risks.xlsx"
    path.write_text(RISK_HEADER + GOOD_RISK + "\n")
    _clean_exit(invoke(runner, "risks", "check", str(path)), 2, str(path), "not a zip")


def test_xlsx_with_a_dtd_is_refused(tmp_path: Path, runner: CliRunner) -> None:
    good = zipfile.ZipFile(_workbook(tmp_path))
    entries = {info.filename: good.read(info) for info in good.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    entries[sheet] = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + entries[sheet]  # no <?xml ?>
    path = tmp_path / "risks.xlsx"
    path.write_bytes(_zip(entries))
    _clean_exit(invoke(runner, "risks", "check", str(path)), 2, str(path), "DTD")


def test_xlsx_row_far_down_the_sheet_is_bounded(tmp_path: Path, runner: CliRunner) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(RISK_HEADER.strip().split(","))
    sheet.append(GOOD_RISK.split(","))
    sheet.cell(row=1_048_576, column=1, value="R-999")
    path = tmp_path / "risks.xlsx"
    book.save(path)
    with Timer():
        result = invoke(runner, "risks", "check", str(path))
    _clean_exit(result, 2, str(path), "ISMS_LIMIT_REGISTER_ROWS")


def test_xlsx_markup_budget(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl builds an object per cell before it yields a row (one row of 1.5 million cells in an
    8 MB file took 34 s and 1.2 GB), so the XML tags of the package are counted first."""
    path = _workbook(tmp_path)
    monkeypatch.setenv("ISMS_LIMIT_ZIP_XML_TAGS", "50")
    _clean_exit(invoke(runner, "risks", "check", str(path)), 2, str(path), "ISMS_LIMIT_ZIP_XML_TAGS")


def test_good_xlsx_still_reads(tmp_path: Path, runner: CliRunner) -> None:
    path = _workbook(tmp_path)
    result = invoke(runner, "risks", "check", str(path))
    assert result.exit_code == 0, result.output


def test_csv_with_a_nul_byte_after_the_first_block_names_the_line(tmp_path: Path, runner: CliRunner) -> None:
    rows = [GOOD_RISK.replace("R-001", f"R-{n:03d}") for n in range(1, 200)]
    text = RISK_HEADER + "\n".join(rows) + "\n"
    assert len(text) > 8192
    path = tmp_path / "risks.csv"
    path.write_bytes(text.encode() + b"R-999,Bad\x00row,x,security_lead,1,1,accept,\n")
    _clean_exit(invoke(runner, "risks", "check", str(path)), 2, f"{path}:201:", "NUL")


def test_csv_with_a_huge_line_names_the_line(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "risks.csv"
    path.write_text(RISK_HEADER + GOOD_RISK + "\n" + "x" * (3 * 2**20) + "\n")
    with Timer():
        result = invoke(runner, "risks", "check", str(path))
    _clean_exit(result, 2, f"{path}:3:")


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        (GOOD_RISK.replace("Laptop theft", "y" * 50_000), "ISMS_LIMIT_REGISTER_CELL_CHARS"),
        (GOOD_RISK + ",extra" * 100, "ISMS_LIMIT_REGISTER_COLUMNS"),
    ],
    ids=["long-cell", "wide-row"],
)
def test_csv_cell_and_column_budgets(tmp_path: Path, runner: CliRunner, row: str, needle: str) -> None:
    path = tmp_path / "risks.csv"
    path.write_text(RISK_HEADER + row + "\n")
    _clean_exit(invoke(runner, "risks", "check", str(path)), 2, f"{path}:2:", needle)


# --- docs/: `isms index build` (with a fast fake embedder) and the register of existing documents ---


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with only docs/ (one good file): indexing it reads the corpus and docs/."""
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "good.md").write_text("# Access\n\nUse the password manager.\n")
    return root


def _docx_bytes(text: str = "Staff lock screens.") -> bytes:
    document = docx.Document()
    document.add_heading("Policy", level=1)
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _with_dtd(data: bytes, secret: Path) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    entries = {info.filename: source.read(info) for info in source.infolist()}
    xml = entries["word/document.xml"].decode()
    head, rest = xml.split("?>", 1)
    dtd = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY lol "LOL">]>'
    entries["word/document.xml"] = (
        head + "?>" + dtd + rest.replace("Staff lock screens.", "&xxe;&lol;")
    ).encode()
    return _zip(entries)


def _index(runner: CliRunner, ws: Path, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(runner, "index", "build", "--workspace", str(ws), *extra)


def test_huge_one_line_text_file_is_skipped_fast(
    ws: Path, runner: CliRunner, fake_embedder: HashingEmbedder
) -> None:
    (ws / "docs" / "huge.txt").write_bytes(b"x" * (19 * 2**20))
    with Timer():
        result = _index(runner, ws)
    _clean_exit(result, 0, "skipped docs/huge.txt", "ISMS_LIMIT_TEXT_BYTES", "1 file(s) skipped")
    with Timer():
        strict = _index(runner, ws, "--strict")
    _clean_exit(strict, 2, "docs/huge.txt", "--strict")


def test_long_line_under_the_size_budget_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "one-line.md").write_text("# Title\n\n" + "word " * 400_000 + "\n")
    with Timer():
        result = ingest_folder(tmp_path / "docs", tmp_path)
    reason = dict(result.skipped)["docs/one-line.md"]
    assert "ISMS_LIMIT_TEXT_LINE_CHARS" in reason and result.documents == []


def test_pathological_markdown_is_read_fast(tmp_path: Path) -> None:
    """Inline Markdown (links, emphasis) is never parsed: markdown-it's inline rules took 3.4 s on these
    90 KB of `![` (and 8.6 s on twice as many); block parsing takes a millisecond."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "brackets.md").write_text("# Brackets\n\n" + "![" * 45_000 + "\n")
    with Timer() as timer:
        result = ingest_folder(tmp_path / "docs", tmp_path)
    assert [d.title for d in result.documents] == ["Brackets"] and timer.seconds < HANG_GUARD


def test_docx_with_doctype_and_entities_is_refused(
    ws: Path, tmp_path: Path, runner: CliRunner, fake_embedder: HashingEmbedder
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    (ws / "docs" / "xxe.docx").write_bytes(_with_dtd(_docx_bytes(), secret))
    result = _index(runner, ws)
    _clean_exit(result, 0, "skipped docs/xxe.docx", "DTD")
    assert "TOP-SECRET-VALUE" not in result.output
    _clean_exit(_index(runner, ws, "--strict"), 2, "docs/xxe.docx")


def test_docx_zip_bomb_is_skipped(ws: Path, runner: CliRunner, fake_embedder: HashingEmbedder) -> None:
    (ws / "docs" / "bomb.docx").write_bytes(_zip({"word/document.xml": b"<w/>" + b" " * (60 * 2**20)}))
    with Timer():
        result = _index(runner, ws)
    _clean_exit(result, 0, "skipped docs/bomb.docx", "zip bomb")


def test_docs_folder_symlink_leaving_the_workspace(
    ws: Path, tmp_path: Path, runner: CliRunner, fake_embedder: HashingEmbedder
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "private.md").write_text("# Private\n\nNot the organisation's ISMS.\n")
    shutil.rmtree(ws / "docs")
    (ws / "docs").symlink_to(outside, target_is_directory=True)
    result = _index(runner, ws)
    output = _clean_exit(result, 0, "skipped docs:", "outside the workspace", "0 existing document(s)")
    assert "private.md" not in output
    _clean_exit(_index(runner, ws, "--strict"), 2, "docs", "outside the workspace")


def test_symlinks_inside_docs_are_not_followed_out(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    docs = ws / "docs"
    docs.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.md").write_text("# A\n\ntext\n")
    (docs / "dir-link").symlink_to(outside, target_is_directory=True)
    (docs / "loop.md").symlink_to(docs / "loop.md")
    (docs / "inside").mkdir()
    (docs / "inside" / "b.md").write_text("# B\n\ntext\n")
    reasons = dict(ingest_folder(docs, ws).skipped)
    assert "outside the workspace" in reasons["docs/dir-link"]
    assert "link loop" in reasons["docs/loop.md"]
    assert [d.relative for d in ingest_folder(docs, ws).documents] == ["docs/inside/b.md"]


def test_corrupt_and_fake_pdfs_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "text.pdf").write_text("not a pdf")
    (tmp_path / "docs" / "cut.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>")
    reasons = dict(ingest_folder(tmp_path / "docs", tmp_path).skipped)
    assert set(reasons) == {"docs/text.pdf", "docs/cut.pdf"}
    assert all("PDF" in reason or "no text" in reason for reason in reasons.values()), reasons


def test_fifo_in_docs_is_skipped_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    (tmp_path / "docs").mkdir()
    os.mkfifo(tmp_path / "docs" / "pipe.md")
    with Timer():
        result = ingest_folder(tmp_path / "docs", tmp_path)
    assert dict(result.skipped)["docs/pipe.md"] == "not a regular file"


def test_file_count_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    for n in range(5):
        (tmp_path / "docs" / f"{n}.md").write_text(f"# Doc {n}\n\ntext\n")
    monkeypatch.setenv("ISMS_LIMIT_DOCS_FILES", "3")
    result = ingest_folder(tmp_path / "docs", tmp_path)
    assert len(result.documents) == 3
    assert "ISMS_LIMIT_DOCS_FILES" in dict(result.skipped)["docs"]


@pytest.fixture
def bad_name(tmp_path: Path) -> Iterator[bytes]:
    name = b"caf\xe9 policy.md"
    probe = os.path.join(os.fsencode(str(tmp_path)), name)
    try:
        with open(probe, "wb") as handle:
            handle.write(b"# Cafe\n")
    except OSError as exc:
        pytest.skip(f"this file system refuses names that are not UTF-8 ({exc})")
    os.unlink(probe)
    yield name


def test_register_lists_unreadable_files_with_their_reasons(
    tmp_path: Path, runner: CliRunner, bad_name: bytes
) -> None:
    """Generation's carry-over reads docs/ too: a bad name, a long name and a link out are skipped, and the
    register of existing documents lists each as "could not be read", with a name fit to print."""
    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    docs = ws / "docs"
    with open(os.path.join(os.fsencode(str(docs)), bad_name), "wb") as handle:
        handle.write(b"# Cafe policy\n\nCoffee is free.\n")
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nnot part of the workspace\n")
    (docs / "link.md").symlink_to(outside)
    (docs / ("n" * 250 + ".md")).write_text("# Long\n\ntext\n")
    (docs / "huge.txt").write_bytes(b"x" * (6 * 2**20))
    with Timer():
        result = invoke(
            runner, "generate", "--only", "documented-information-procedure", "--provider", "offline",
            "--workspace", str(ws),
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    register = (ws / "out" / "documented-information-procedure.md").read_text(encoding="utf-8")
    rows = [line for line in register.splitlines() if "could not be read" in line]
    assert any("caf\\xe9 policy.md" in r and "not valid UTF-8" in r for r in rows), rows
    assert any("link.md" in r and "outside the workspace" in r for r in rows), rows
    assert any("huge.txt" in r and "ISMS_LIMIT_TEXT_BYTES" in r for r in rows), rows
    assert any("nnnn" in r and "too long" in r for r in rows), rows
