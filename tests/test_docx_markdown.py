"""Markdown to Word fidelity: numbered lists that restart, hyperlinks with their addresses, block quotes,
code spans, nesting; and the same constructs read back on import."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from assistant.documents.docx_export import render_docx
from assistant.documents.docx_import import read_docx
from assistant.documents.markdown import parse_document
from assistant.knowledge.loader import load_corpus
from assistant.settings import load_settings

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {"w": W}
FIXTURE = """---
id: access-control-policy
title: Fixture policy
version: '0.1'
---

# Fixture policy

## Lists

Steps first:

1. alpha
2. beta

Then again:

1. gamma
2. delta

Third list:

3. three
4. four

Bullets:

- level one
  - level two
    - level three

Nested:

1. outer
   1. inner one
   2. inner two
2. outer two

## Inline

See [the site](https://example.org/policy?q=1) and <https://auto.example.com>, **bold**, *italic* and `code span` here.

> A quoted line with *emphasis*.

Image ![alt words](x.png) and <b>html</b> text.

| A | B |
|---|---|
| x | [cell link](https://cell.example) |
"""


@pytest.fixture(scope="module")
def rendered() -> bytes:
    corpus = load_corpus(load_settings().corpus_dir)
    return render_docx(parse_document(FIXTURE, "fixture"), corpus, "Kestrel", [])


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read(name))


def _paragraph(data: bytes, text: str) -> etree._Element:
    body = _part(data, "word/document.xml")
    return next(p for p in body.iter(f"{{{W}}}p") if "".join(p.itertext()).startswith(text))


def _num_id(p: etree._Element) -> str:
    return str(p.find("w:pPr/w:numPr/w:numId", NS).get(f"{{{W}}}val"))


def _start(numbering: etree._Element, num_id: str) -> int:
    num = next(n for n in numbering.findall("w:num", NS) if n.get(f"{{{W}}}numId") == num_id)
    return int(num.find("w:lvlOverride/w:startOverride", NS).get(f"{{{W}}}val"))


def _style(p: etree._Element) -> str:
    return str(p.find("w:pPr/w:pStyle", NS).get(f"{{{W}}}val"))


def test_every_numbered_list_restarts_at_its_own_start(rendered: bytes) -> None:
    numbering = _part(rendered, "word/numbering.xml")
    alpha, beta = _paragraph(rendered, "alpha"), _paragraph(rendered, "beta")
    gamma, three = _paragraph(rendered, "gamma"), _paragraph(rendered, "three")
    assert _num_id(alpha) == _num_id(beta)
    assert len({_num_id(alpha), _num_id(gamma), _num_id(three)}) == 3
    assert [_start(numbering, _num_id(p)) for p in (alpha, gamma, three)] == [1, 1, 3]
    assert _style(alpha) == "ListNumber"
    # every new instance points at the abstract numbering the List Number style uses
    abstract = {
        n.get(f"{{{W}}}numId"): n.find("w:abstractNumId", NS).get(f"{{{W}}}val")
        for n in numbering.findall("w:num", NS)
    }
    assert abstract[_num_id(alpha)] == abstract[_num_id(gamma)] == abstract["5"]  # ListNumber's numId 5
    inner, outer_two = _paragraph(rendered, "inner one"), _paragraph(rendered, "outer two")
    assert _style(inner) == "ListNumber2" and _start(numbering, _num_id(inner)) == 1
    assert _num_id(inner) not in (_num_id(alpha), _num_id(outer_two))
    assert _num_id(_paragraph(rendered, "outer")) == _num_id(outer_two)


def test_the_template_numbering_is_not_changed(rendered: bytes) -> None:
    from assistant.documents.docx_package import open_template

    template = open_template(None)
    original = etree.fromstring(template.parts["word/numbering.xml"])
    assert len(original.findall("w:num", NS)) == 9  # the bundled template's own instances only
    assert len(_part(rendered, "word/numbering.xml").findall("w:num", NS)) > 9


def test_nested_bullets_take_their_level_styles(rendered: bytes) -> None:
    styles = [_style(_paragraph(rendered, f"level {n}")) for n in ("one", "two", "three")]
    assert styles == ["ListBullet", "ListBullet2", "ListBullet3"]


def test_links_are_hyperlinks_with_external_relationships(rendered: bytes) -> None:
    rels = {r.get("Id"): r for r in _part(rendered, "word/_rels/document.xml.rels")}
    links = _paragraph(rendered, "See ").findall("w:hyperlink", NS)
    targets = [rels[h.get(f"{{{R}}}id")] for h in links]
    assert [t.get("Target") for t in targets] == [
        "https://example.org/policy?q=1",
        "https://auto.example.com",
    ]
    assert all(t.get("TargetMode") == "External" and t.get("Type").endswith("/hyperlink") for t in targets)
    assert "".join(links[0].itertext()) == "the site"
    run_props = links[0].find("w:r/w:rPr", NS)  # the bundled template has no Hyperlink style
    assert run_props.find("w:u", NS) is not None and run_props.find("w:color", NS) is not None
    assert {"rIdIsmsHeader", "rIdIsmsFooter", "rId1"} <= set(rels)  # the template's own and ours alike
    cell = _paragraph(rendered, "cell link").find("w:hyperlink", NS)
    assert rels[cell.get(f"{{{R}}}id")].get("Target") == "https://cell.example"


def test_quotes_code_spans_emphasis_and_other_inline_text(rendered: bytes) -> None:
    assert _style(_paragraph(rendered, "A quoted line")) == "Quote"
    runs = {"".join(r.itertext()): r for r in _paragraph(rendered, "See ").iter(f"{{{W}}}r")}
    assert runs["code span"].find("w:rPr/w:rFonts", NS).get(f"{{{W}}}ascii") == "Consolas"
    assert runs["bold"].find("w:rPr/w:b", NS) is not None
    assert runs["italic"].find("w:rPr/w:i", NS) is not None
    text = "".join(_paragraph(rendered, "Image").itertext())
    assert text == "Image alt words and <b>html</b> text."


def test_the_file_opens_in_python_docx(rendered: bytes) -> None:
    document = docx.Document(io.BytesIO(rendered))
    names = {p.style.name for p in document.paragraphs}
    assert {"List Number", "List Number 2", "List Bullet 3", "Quote"} <= names
    assert any(r.is_external for r in document.part.rels.values())


def test_import_reads_the_constructs_back(rendered: bytes) -> None:
    body = read_docx(rendered, "fixture.docx").body
    assert "See [the site](https://example.org/policy?q=1) and <https://auto.example.com>," in body
    assert "**bold**, *italic* and `code span` here." in body
    assert "> A quoted line with *emphasis*." in body
    assert "Then again:\n\n1. gamma\n2. delta\n\nThird list:\n\n3. three\n4. four" in body
    assert "1. outer\n   1. inner one\n   2. inner two\n2. outer two" in body
    assert "- level one\n  - level two\n    - level three" in body
    assert "| x | [cell link](https://cell.example) |" in body


def test_adjacent_restarted_lists_stay_apart_on_import() -> None:
    corpus = load_corpus(load_settings().corpus_dir)
    text = FIXTURE.replace("Then again:\n\n", "<!-- -->\n\n")
    body = read_docx(render_docx(parse_document(text, "f"), corpus, "K", []), "f.docx").body
    assert "1. alpha\n2. beta\n\n<!-- -->\n\n1. gamma\n2. delta" in body


def test_a_paragraph_of_one_code_span_is_not_a_code_block() -> None:
    corpus = load_corpus(load_settings().corpus_dir)
    text = FIXTURE.replace("Steps first:", "`only code`") + "\n```\nblock code\n```\n"
    body = read_docx(render_docx(parse_document(text, "f"), corpus, "K", []), "f.docx").body
    assert "\n`only code`\n" in body and "```\nblock code\n```" in body


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_numbers_each_list_from_its_start(rendered: bytes, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source = tmp_path / "fixture.docx"
    source.write_bytes(rendered)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "fixture.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert "1. gamma" in lines and "2. delta" in lines
    assert "3. three" in lines and "4. four" in lines
    assert "1. inner one" in lines and "2. outer two" in lines


def test_a_template_without_list_numbering_keeps_the_style_numbering() -> None:
    from assistant.documents.docx_numbering import ListNumbering
    from assistant.documents.docx_package import open_template

    parts = dict(open_template(None).parts)
    del parts["word/numbering.xml"]
    numbering = ListNumbering(parts, "word/document.xml")
    assert numbering.restart("ListNumber", 1) == "" and numbering.package_parts() == {}
    bundled = ListNumbering(open_template(None).parts, "word/document.xml")
    assert bundled.restart("Normal", 1) == ""  # a style without numbering
    assert 'w:numId w:val="10"' in bundled.restart("ListNumber", 2)
