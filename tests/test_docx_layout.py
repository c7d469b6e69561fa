"""Word layout (issue 16): tables whose header repeats and rows do not split, columns sized to their
content; paper and language from the organisation's country; file properties that name the organisation;
a DRAFT watermark until approval; a change history without the drafting tool's internals."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from lxml import etree

from assistant.cli.loading import load_inputs
from assistant.documents.docx_layout import page_locale
from assistant.documents.docx_properties import without_internals
from assistant.documents.docx_tables import column_widths
from assistant.drafting.engine import SOA_DOC
from assistant.workflow import approve, store_for
from tests.helpers import generate_example, private_copy

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
DOC = "cryptography-policy"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "layout")


@pytest.fixture(scope="module")
def meridian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "meridian", "meridian-payments")


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name)


def _body(path: Path) -> etree._Element:
    return etree.fromstring(_part(path, "word/document.xml"))


def _widths(table: etree._Element) -> list[int]:
    return [int(c.get(f"{{{W}}}w")) for c in table.findall("w:tblGrid/w:gridCol", NS)]


def _header_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("word/") and "header" in n
        )


def test_every_table_repeats_its_header_and_keeps_rows_whole(generated: Path) -> None:
    for name in (f"{SOA_DOC}.docx", f"{DOC}.docx", "risk-treatment-plan.docx"):
        tables = _body(generated / "out" / name).findall(".//w:tbl", NS)
        assert tables, name
        for table in tables:
            rows = table.findall("w:tr", NS)
            assert rows[0].find("w:trPr/w:tblHeader", NS) is not None, name
            assert all(r.find("w:trPr/w:cantSplit", NS) is not None for r in rows), name
            assert all(r.find("w:trPr/w:tblHeader", NS) is None for r in rows[1:]), name
            assert table.find("w:tblPr/w:tblLayout", NS).get(f"{{{W}}}type") == "fixed"
            widths = _widths(table)
            for row in rows:  # each cell carries its column's width (LibreOffice reads these)
                cells = [int(c.get(f"{{{W}}}w")) for c in row.findall("w:tc/w:tcPr/w:tcW", NS)]
                assert cells == widths, name


def test_columns_are_sized_to_their_content(generated: Path) -> None:
    tables = _body(generated / "out" / f"{SOA_DOC}.docx").findall(".//w:tbl", NS)
    assert any(len(set(_widths(t))) > 1 for t in tables)
    soa = next(t for t in tables if "Reason" in "".join(t.find("w:tr", NS).itertext()))
    headers = ["".join(c.itertext()) for c in soa.find("w:tr", NS).findall("w:tc", NS)]
    widths = _widths(soa)
    assert widths[headers.index("Reason")] >= max(widths[i] for i, h in enumerate(headers) if h != "Reason")
    assert widths[headers.index("Control")] < widths[headers.index("Title")]  # short ids get little room
    assert widths[headers.index("Status")] < widths[headers.index("Documents")]
    wide = column_widths(["Control", "Justification"], [["A.5.1", "why " * 40]], 9000)
    assert wide[1] >= 0.40 * 9000  # a justification column keeps about 40% of the width


def test_column_widths_unit() -> None:
    widths = column_widths(["Id", "Text"], [["R-1", "a long sentence " * 8]], 9000)
    assert sum(widths) == 9000 and widths[0] < widths[1]
    widths = column_widths(["Control", "Justification"], [["A.5.1", "short"]], 9000)
    assert widths[1] == 3600  # a justification column is 40% however short its text
    assert sum(column_widths(["a"] * 30, [["incomprehensibilities"] * 30], 9000)) == 9000


def _page_mm(path: Path) -> tuple[float, float, str | None]:
    section = docx.Document(str(path)).sections[0]
    return section.page_width.mm, section.page_height.mm, str(section.orientation)


def _languages(path: Path) -> set[str]:
    styles = etree.fromstring(_part(path, "word/styles.xml"))
    settings = etree.fromstring(_part(path, "word/settings.xml"))
    found = {e.get(f"{{{W}}}val") for e in styles.findall("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)}
    found |= {e.get(f"{{{W}}}val") for e in settings.findall("w:themeFontLang", NS)}
    return found


def test_uk_documents_are_a4_in_british_english(generated: Path) -> None:
    width, height, _ = _page_mm(generated / "out" / f"{DOC}.docx")
    assert abs(width - 210) < 1 and abs(height - 297) < 1
    width, height, orientation = _page_mm(generated / "out" / f"{SOA_DOC}.docx")
    assert abs(width - 297) < 1 and abs(height - 210) < 1 and "LANDSCAPE" in orientation
    assert _languages(generated / "out" / f"{DOC}.docx") == {"en-GB"}
    margins = docx.Document(str(generated / "out" / f"{DOC}.docx")).sections[0]
    assert all(abs(m.cm - 2) < 0.01 for m in (margins.left_margin, margins.right_margin, margins.top_margin))


def test_german_organisation_gets_a4_and_its_english_text_british_english(meridian: Path) -> None:
    width, height, _ = _page_mm(meridian / "out" / f"{DOC}.docx")
    assert abs(width - 210) < 1 and abs(height - 297) < 1
    # The text is English: tagged de-DE, Word and LibreOffice would spell-check it as German.
    assert _languages(meridian / "out" / f"{DOC}.docx") == {"en-GB"}


def test_country_mapping() -> None:
    assert page_locale("United States").paper == (12240, 15840)
    assert page_locale("Canada").paper == (12240, 15840)
    assert page_locale("United States").language == "en-US" and page_locale("Canada").language == "en-CA"
    assert page_locale("Portugal") == page_locale("PT") and page_locale("Portugal").language == "en-GB"
    assert page_locale("Germany").paper == (11906, 16838) and page_locale("Ireland").language == "en-IE"
    assert page_locale(None).paper == (11906, 16838) and page_locale(None).language == "en-GB"


def test_file_properties_name_the_organisation(generated: Path) -> None:
    path = generated / "out" / f"{DOC}.docx"
    props = docx.Document(str(path)).core_properties
    organisation = load_inputs(generated).profile.identity.legal_name
    assert props.author == organisation and props.last_modified_by == organisation
    assert props.title and props.title in props.subject and "27001" in props.subject
    assert DOC in props.keywords and props.revision == 1
    assert props.created.year == datetime.now(UTC).year and props.created.year != 2013
    assert props.modified.year == datetime.now(UTC).year
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("docProps/") and name.endswith(".xml"):
                assert b"python-docx" not in archive.read(name), name
                assert b"2013-" not in archive.read(name), name


def test_draft_watermark_until_approved(generated: Path, tmp_path: Path) -> None:
    ws = private_copy(generated, tmp_path)
    assert 'string="DRAFT"' in _header_xml(ws / "out" / f"{DOC}.docx")
    data = load_inputs(ws)
    version = store_for(data.workspace).latest(DOC)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, data.profile.roles.approvers[0], "fine")
    path = ws / "out" / f"{DOC}.docx"
    assert "DRAFT" not in _header_xml(path)
    assert docx.Document(str(path)).core_properties.author == data.profile.identity.legal_name
    assert _languages(path) == {"en-GB"}  # the published file keeps the organisation's language


def _history_cells(path: Path) -> list[str]:
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "Change")
    return [cell.text for row in table.rows for cell in row.cells]


def test_change_history_shows_no_tool_internals(generated: Path) -> None:
    cells = _history_cells(generated / "out" / f"{DOC}.docx")
    assert "First draft" in cells
    assert not [c for c in cells if "offline-drafter" in c or "(offline" in c]


def test_without_internals() -> None:
    assert without_internals("First draft (offline, offline-drafter)") == "First draft"
    assert without_internals("Regenerated: inputs changed (openai, gpt-4o-mini); rules kept") == (
        "Regenerated: inputs changed; rules kept"
    )
    assert (
        without_internals("Merged (pending: merged with human edits)")
        == "Merged (pending: merged with human edits)"
    )


def test_nested_list_items_take_the_style_of_their_level(generated: Path) -> None:
    import io

    from assistant.documents.docx_export import render_docx
    from assistant.documents.markdown import parse_document

    text = (
        "---\nid: cryptography-policy\ntitle: Cryptography Policy\nversion: '0.1'\nstatus: draft\n---\n"
        "# Cryptography Policy\n\n## Keys\n\n- Keys are generated in AWS KMS.\n"
        "  - Customer data keys rotate yearly.\n    - Rotation is logged in CloudTrail.\n"
        "- Laptops use FileVault.\n\n1. Request a key.\n   1. Name its owner.\n2. Record it.\n"
    )
    data = load_inputs(generated)
    word = docx.Document(io.BytesIO(render_docx(parse_document(text, "fixture"), data.corpus, "Kestrel", [])))
    styles = {p.text: p.style.name for p in word.paragraphs if p.text}
    assert styles["Keys are generated in AWS KMS."] == "List Bullet"
    assert styles["Customer data keys rotate yearly."] == "List Bullet 2"
    assert styles["Rotation is logged in CloudTrail."] == "List Bullet 3"
    assert styles["Laptops use FileVault."] == "List Bullet"
    assert styles["Request a key."] == "List Number" and styles["Name its owner."] == "List Number 2"
