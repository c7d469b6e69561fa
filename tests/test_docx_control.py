"""Document control in the Word files (issue 16): a reference per document (ISMS-POL-001 by default, the
profile's scheme or its own reference per document), status, approval date and distribution, an approval
block, a table of contents for long documents, and a compact SoA with its justifications in an optional
annex."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import frontmatter
import pytest
import yaml
from typer.testing import CliRunner

from assistant.cli.loading import load_inputs
from assistant.documents.docx_export import render_docx
from assistant.documents.markdown import parse_document
from assistant.documents.references import document_reference
from assistant.documents.soa_word import COMPACT_HEADER, REASON_CHARS, first_sentence
from assistant.drafting.engine import SOA_DOC
from assistant.inputs.document_control import DocumentControl
from assistant.workflow import approve, store_for
from tests.conftest import invoke
from tests.helpers import generate_example, private_copy

DOC = "information-security-policy"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "control")


def _meta(ws: Path, doc_id: str) -> dict[str, object]:
    return dict(frontmatter.load(str(ws / "out" / f"{doc_id}.md")).metadata)


def _fields(path: Path) -> dict[str, str]:
    table = docx.Document(str(path)).tables[0]
    return {row.cells[0].text: row.cells[1].text for row in table.rows[1:]}


def test_every_document_has_a_unique_reference_by_kind(generated: Path) -> None:
    references = {p.stem: str(_meta(generated, p.stem)["reference"]) for p in (generated / "out").glob("*.md")
                  if p.stem not in ("decisions", "evidence-guide")}  # fmt: skip
    assert len(set(references.values())) == len(references) == 35
    assert references[DOC] == "ISMS-POL-001"  # the mandatory policy comes first among policies
    assert references["risk-assessment-and-treatment-methodology"].startswith("ISMS-PRO-")
    assert references[SOA_DOC].startswith("ISMS-STM-")
    assert all(re.fullmatch(r"ISMS-(POL|PRO|PLN|REC|REG|RPT|STM)-\d{3}", r) for r in references.values())


def test_the_profile_sets_the_scheme_and_single_references(generated: Path) -> None:
    data = load_inputs(generated)
    control = DocumentControl.model_validate(
        {**data.profile.document_control.model_dump(), "reference_scheme": "KA-{kind}{number:02d}",
         "references": {"isms-scope": "KA-SCOPE"}}
    )  # fmt: skip
    assert document_reference(DOC, data.corpus.documents, control) == "KA-POL01"
    assert document_reference("isms-scope", data.corpus.documents, control) == "KA-SCOPE"


@pytest.mark.parametrize(
    ("scheme", "reason"),
    [
        ("ISMS-{kind}", "needs {number} or {id}"),
        ("ISMS-{type}-{number}", "uses type"),
        ("ISMS-{number", "valid"),
    ],
)
def test_a_bad_reference_scheme_is_refused_naming_the_field(tmp_path: Path, scheme: str, reason: str) -> None:
    from tests.conftest import copy_example

    ws = tmp_path / "ws"
    copy_example("kestrel-saas", ws)
    profile = ws / "profile.yaml"
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    data["document_control"]["reference_scheme"] = scheme
    profile.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = invoke(CliRunner(), "profile", "check", "--workspace", str(ws))
    assert result.exit_code == 2
    assert "reference_scheme" in result.output and reason in result.output


def test_word_control_table_shows_reference_status_distribution_and_approval(
    generated: Path, tmp_path: Path
) -> None:
    ws = private_copy(generated, tmp_path)
    fields = _fields(ws / "out" / f"{DOC}.docx")
    assert fields["Document reference"] == "ISMS-POL-001"
    assert fields["Status"] == "Draft" and fields["Approval date"] == "Not yet approved"
    assert fields["Distribution"] == "All staff and contractors in the scope of the ISMS"
    assert "Document id" not in fields  # the slug is a file name, not a reference
    block = docx.Document(str(ws / "out" / f"{DOC}.docx")).tables[1]
    assert [c.text for c in block.rows[0].cells] == ["Role", "Name", "Signature", "Date"]
    assert (
        block.rows[2].cells[1].text == "Priya Raman (Chief Executive Officer)"
        and not block.rows[2].cells[3].text
    )

    data = load_inputs(ws)
    version = store_for(data.workspace).latest(DOC)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, "Priya Raman", "approved at the board")
    path = ws / "out" / f"{DOC}.docx"
    fields = _fields(path)
    approvals = store_for(data.workspace).approvals(DOC)
    assert fields["Status"] == "Approved"
    assert fields["Approval date"] == f"{approvals[-1].approved_at:%Y-%m-%d}"
    row = docx.Document(str(path)).tables[1].rows[2]
    assert (
        row.cells[1].text == "Priya Raman (Chief Executive Officer)"
        and "Approved in the ISMS document register" in row.cells[2].text
    )
    assert row.cells[3].text == fields["Approval date"]


def test_change_history_names_people_and_the_assistant_never_the_model(
    generated: Path, tmp_path: Path
) -> None:
    ws = private_copy(generated, tmp_path)
    data = load_inputs(ws)
    version = store_for(data.workspace).latest(DOC)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, "Priya Raman", "fine")
    document = docx.Document(str(ws / "out" / f"{DOC}.docx"))
    history = next(t for t in document.tables if t.rows[0].cells[-1].text == "Change")
    assert [c.text for c in history.rows[0].cells] == ["Version", "Date", "Author", "Change"]
    authors = {row.cells[2].text for row in history.rows[1:]}
    assert authors == {"Drafting assistant"}
    text = "\n".join(c.text for row in history.rows for c in row.cells)
    assert "offline" not in text and "isms (" not in text


def _toc(path: Path) -> bool:
    document = docx.Document(str(path))
    return "TOC \\o" in document.element.body.xml


def test_long_documents_get_a_table_of_contents_short_ones_do_not(generated: Path) -> None:
    assert _toc(generated / "out" / f"{DOC}.docx")
    assert not _toc(generated / "out" / "clear-desk-and-screen-policy.docx")
    document = docx.Document(str(generated / "out" / f"{DOC}.docx"))
    texts = [p.text for p in document.paragraphs]
    start = texts.index("Contents")
    assert texts[start + 1] == "1. Purpose, scope and audience"  # filled before Word updates the field


def _soa_tables(path: Path) -> list[docx.table.Table]:
    return [t for t in docx.Document(str(path)).tables if t.rows[0].cells[0].text == "Control"]


def test_soa_word_is_compact_one_row_per_control(generated: Path) -> None:
    path = generated / "out" / f"{SOA_DOC}.docx"
    tables = _soa_tables(path)
    assert len(tables) == 1  # no 93-row annex repeating "4. Control table"
    table = tables[0]
    assert [c.text for c in table.rows[0].cells] == COMPACT_HEADER
    rows = table.rows[1:]
    assert len(rows) == 93
    reasons = {row.cells[0].text: row.cells[3].text for row in rows}
    assert all(len(r) <= REASON_CHARS + 12 for r in reasons.values())
    assert reasons["A.5.1"].startswith("R-013")  # drivers, not the justification's prose
    assert reasons["A.7.4"].startswith("Excluded: ")
    owners = {row.cells[5].text for row in rows}
    assert "Claire Whitfield" in owners and not any("Officer" in o for o in owners)
    document = docx.Document(str(path))
    assert not any(p.text.startswith("Annex B") for p in document.paragraphs)
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape


def test_soa_detail_adds_every_justification_in_an_annex(generated: Path) -> None:
    data = load_inputs(generated)
    text = (generated / "out" / f"{SOA_DOC}.md").read_text(encoding="utf-8")
    parsed = parse_document(text, "soa")
    data_bytes = render_docx(
        parsed, data.corpus, "Kestrel Analytics Ltd", [], landscape=True, soa_detail=True
    )
    import io

    document = docx.Document(io.BytesIO(data_bytes))
    texts = [p.text for p in document.paragraphs]
    start = texts.index("Annex B. Control justifications")
    details = [t for t in texts[start + 1 :] if re.match(r"A\.\d+\.\d+ ", t)]
    assert len(details) == 93
    a51 = next(t for t in details if t.startswith("A.5.1 "))
    assert "(applicable, partial)" in a51 and "Information Security Policy" in a51


def test_first_sentence_cuts_at_a_word() -> None:
    long = "word " * 60
    cut = first_sentence(long)
    assert cut.endswith("…") and len(cut) <= REASON_CHARS + 1 and not cut[:-1].endswith(" ")
    assert first_sentence("Short one. Another.") == "Short one."


def test_wide_tables_turn_the_document_landscape_in_small_text(generated: Path) -> None:
    register = docx.Document(str(generated / "out" / "nonconformity-and-corrective-action-register.docx"))
    section = register.sections[0]
    assert section.page_width > section.page_height  # 13 columns do not fit a portrait page
    table = next(t for t in register.tables if t.rows[0].cells[0].text == "Ref")
    assert 'w:sz w:val="17"' in table._tbl.xml  # 8.5 pt
    policy = docx.Document(str(generated / "out" / f"{DOC}.docx"))
    assert policy.sections[0].page_width < policy.sections[0].page_height


def test_short_tables_keep_together_and_the_history_lists_each_version_once(generated: Path) -> None:
    document = docx.Document(str(generated / "out" / f"{DOC}.docx"))
    control = document.tables[0]._tbl.xml
    assert control.count("<w:keepNext/>") >= 10  # every row but the last keeps with the next
    from assistant.generation.word_file import store_history
    from assistant.store import DocumentStore

    class _V:
        def __init__(self, label: str, day: int, note: str) -> None:
            from datetime import UTC, datetime

            self.label, self.author, self.source, self.note = label, "isms (offline, x)", "generated", note
            self.created_at = datetime(2026, 12, day, tzinfo=UTC)

    class _Store:
        def versions(self, _doc: str) -> list[_V]:
            return [_V("0.1", 1, "first"), _V("0.1", 2, "again"), _V("0.2", 3, "edited")]

    rows = store_history(_Store(), DOC)  # type: ignore[arg-type]
    assert [(r["version"], r["change"]) for r in rows] == [("0.1", "again"), ("0.2", "edited")]
    assert DocumentStore  # the real store has the same versions() shape
