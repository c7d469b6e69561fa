"""Round trip: generate -> Word -> edit in Word -> import: only the edits change the Markdown."""

from __future__ import annotations

import copy
import difflib
import io
from pathlib import Path
from typing import Any

import docx
import frontmatter
import pytest
from typer.testing import CliRunner

from assistant.documents.docx_export import render_docx
from assistant.documents.docx_import import read_docx
from assistant.documents.markdown import parse_document
from assistant.documents.reimport import split_annex, word_body
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import load_corpus
from assistant.settings import load_settings
from assistant.workflow import store_for
from tests.conftest import invoke
from tests.helpers import generate_example, private_copy


@pytest.fixture(scope="module")
def generated(tmp_path_factory: Any) -> Path:
    return generate_example(tmp_path_factory, "roundtrip")


def _import(ws: Path, source: Path, doc_id: str) -> Any:
    return invoke(CliRunner(), "import", str(source), "--as", doc_id, "--workspace", str(ws))


def _split(path: Path) -> tuple[dict[str, Any], str]:
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    return dict(post.metadata), "\n".join(line.rstrip() for line in post.content.splitlines())


@pytest.mark.parametrize("doc_id", ["isms-scope", "information-security-policy", "risk-treatment-plan"])
def test_unchanged_word_file_imports_as_the_same_markdown(
    generated: Path, tmp_path: Path, doc_id: str
) -> None:
    ws = private_copy(generated, tmp_path)
    meta, body = _split(ws / "out" / f"{doc_id}.md")
    copy_path = tmp_path / f"{doc_id}.docx"
    copy_path.write_bytes((ws / "out" / f"{doc_id}.docx").read_bytes())
    result = _import(ws, copy_path, doc_id)
    assert result.exit_code == 0, result.output
    new_meta, new_body = _split(ws / "out" / f"{doc_id}.md")
    assert new_body == body
    assert new_meta == {**meta, "version": "0.2"}
    assert (ws / "out" / f"{doc_id}.docx").is_file()


def test_word_reading_without_the_previous_version(generated: Path) -> None:
    """Read on its own: chrome dropped, headings unnumbered, header row plain, control fields read."""
    word = read_docx((generated / "out" / "isms-scope.docx").read_bytes(), "isms-scope.docx")
    assert word.ours and word.fields["next_review"] and word.fields["owner"]
    assert word.body.startswith("# ISMS Scope Statement\n\n## Purpose of this statement\n\n- ")
    for chrome in ("Document control", "Change history", "Annex", "Document reference", "## Approval\n", "Contents",
                   "Not yet approved", "Signature"):  # fmt: skip
        assert chrome not in word.body
    assert "| Kind | Issue | What it means for the ISMS |\n|---|---|---|\n| External |" in word.body
    assert "- **Organisational:** All employees" in word.body


def _insert_after(element: Any, new: Any) -> Any:
    element.addnext(new)
    return new


def test_edited_word_file_imports_only_the_edits(generated: Path, tmp_path: Path) -> None:
    ws = private_copy(generated, tmp_path)
    doc_id = "isms-scope"
    meta, body = _split(ws / "out" / f"{doc_id}.md")
    document = docx.Document(str(ws / "out" / f"{doc_id}.docx"))
    old_sentence = "Before Kestrel Analytics signs a contract with new security commitments"
    new_sentence = "Before Kestrel Analytics signs any contract with new security commitments"
    edited = next(p for p in document.paragraphs if p.text.startswith(old_sentence))
    edited.runs[0].text = edited.runs[0].text.replace(old_sentence, new_sentence)
    bullet = next(p for p in document.paragraphs if p.text.startswith("Staff working from home are inside"))
    added = _insert_after(bullet._p, copy.deepcopy(bullet._p))
    for run in added.findall(".//{*}r")[1:]:
        added.remove(run)
    added.find(".//{*}t").text = "Contractors working from their own premises are inside the scope too."
    control = document.tables[0]
    row = next(r for r in control.rows if r.cells[0].text == "Next review")
    row.cells[1].paragraphs[0].runs[0].text = "2027-06-30"
    sites = next(t for t in document.tables if t.rows[0].cells[0].text == "Site")
    new_row = _insert_after(sites.rows[-1]._tr, copy.deepcopy(sites.rows[-1]._tr))
    for cell_text, t in zip(
        ("Leeds office", "Leeds, United Kingdom", "yes"), new_row.findall(".//{*}tc"), strict=True
    ):
        runs = t.findall(".//{*}r")
        runs[0].find("{*}t").text = cell_text
        for extra in runs[1:]:
            extra.getparent().remove(extra)
    source = tmp_path / "edited.docx"
    document.save(str(source))

    result = _import(ws, source, doc_id)
    assert result.exit_code == 0, result.output
    new_meta, new_body = _split(ws / "out" / f"{doc_id}.md")
    diff = [
        line
        for line in difflib.unified_diff(body.splitlines(), new_body.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    old_line = next(line for line in body.splitlines() if line.startswith(f"- {old_sentence}"))
    bullet_line = next(line for line in body.splitlines() if line.startswith("- Staff working from home"))
    site_row = next(line for line in body.splitlines() if line.startswith("| AWS Europe (Ireland)"))
    assert diff == [
        f"-{old_line}",
        f"+{old_line.replace(old_sentence, new_sentence)}",
        "+- Contractors working from their own premises are inside the scope too.",
        "+| Leeds office | Leeds, United Kingdom | yes |",
    ]
    lines = new_body.splitlines()
    assert lines[lines.index(bullet_line) + 1].startswith("- Contractors working")
    assert lines[lines.index(site_row) + 1] == "| Leeds office | Leeds, United Kingdom | yes |"
    assert new_meta == {**meta, "version": "0.2", "next_review": "2027-06-30"}
    latest = store_for(Workspace.open(ws)).latest(doc_id)
    assert latest is not None and latest.source == "imported" and latest.label == "0.2"
    assert "imported from edited.docx" in latest.note


def test_nested_lists_links_and_emphasis_round_trip() -> None:
    corpus = load_corpus(load_settings().corpus_dir)
    text = (
        "---\nid: isms-scope\ntitle: T\nversion: '0.3'\n---\n\n# T\n\n## Scope\n\nIntro with **bold**, *italic* "
        "and a [link](https://example.org).\n\n- one\n  - one a\n  - one b\n- two\n\n1. first\n2. second\n\n"
        "| A | B |\n|---|---|\n| x | **y** |\n\n## Annex: control mapping\n\n| Control | Title |\n|---|---|\n"
    )
    old = parse_document(text, "t")
    word = read_docx(render_docx(old, corpus, "Org", []), "t.docx")
    assert "Intro with **bold**, *italic* and a [link](https://example.org)." in word.body  # a real hyperlink
    assert "1. first\n2. second" in word.body and "| x | **y** |" in word.body
    assert word_body(text, word, corpus) == split_annex(old.content)[0]


def test_nested_lists_from_word_numbering_levels(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Policy", 1)
    document.add_paragraph("top", style="List Bullet")
    document.add_paragraph("inner", style="List Bullet 2")
    document.add_paragraph("step", style="List Number")
    out = io.BytesIO()
    document.save(out)
    word = read_docx(out.getvalue(), "foreign.docx")
    assert not word.ours
    assert word.body == "## Policy\n\n- top\n  - inner\n1. step\n"


@pytest.mark.parametrize("kind", ["text", "corrupt", "unknown-id"])
def test_bad_input_exits_2_and_writes_nothing(generated: Path, tmp_path: Path, kind: str) -> None:
    ws = private_copy(generated, tmp_path)
    before = (ws / "out" / "isms-scope.md").read_bytes()
    if kind == "text":
        source = tmp_path / "policy.xyz"
        source.write_text("hello", encoding="utf-8")
    else:
        source = tmp_path / "policy.docx"
        source.write_bytes(
            b"PK\x03\x04 not a zip" if kind == "corrupt" else (ws / "out" / "isms-scope.docx").read_bytes()
        )
    result = _import(ws, source, "no-such-doc" if kind == "unknown-id" else "isms-scope")
    assert result.exit_code == 2
    assert source.name in result.output.replace("\n", "")
    assert (ws / "out" / "isms-scope.md").read_bytes() == before
    assert [v.number for v in store_for(Workspace.open(ws)).versions("isms-scope")] == [1]


def test_soa_word_rows_are_a_summary_and_are_not_imported(generated: Path, tmp_path: Path) -> None:
    ws = private_copy(generated, tmp_path)
    path = ws / "out" / "statement-of-applicability.docx"
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Control")
    table.rows[3].cells[4].paragraphs[0].runs[0].text = "implemented"
    edited = tmp_path / "soa.docx"
    document.save(str(edited))
    before = (ws / "out" / "statement-of-applicability.md").read_bytes()
    result = _import(ws, edited, "statement-of-applicability")
    assert result.exit_code == 2 and "isms import soa.xlsx" in result.output
    assert (ws / "out" / "statement-of-applicability.md").read_bytes() == before
