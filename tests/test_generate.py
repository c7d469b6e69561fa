"""`isms generate`: the output contract on both examples, incremental runs, resume after a crash, bad input."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import frontmatter
import pytest
from openpyxl import load_workbook

from assistant.documents.files import SET_FILES
from assistant.documents.soa_csv import COLUMNS
from assistant.documents.soa_xlsx import field_for
from assistant.drafting.engine import SOA_DOC, Engine
from assistant.drafting.llm import DraftStepFailed
from assistant.knowledge.loader import load_corpus
from tests.conftest import EXAMPLE_NAMES, copy_example, invoke
from tests.helpers import CONTRACT_FRONT_MATTER
from tests.openai_server import FakeOpenAI

CATALOGUE = sorted(load_corpus().documents)
FRONT_MATTER = CONTRACT_FRONT_MATTER
MANIFEST_FIELDS = {
    "id",
    "version",
    "inputs_hash",
    "prompt_version",
    "provider",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "seconds",
    "status",
}


@pytest.fixture(scope="module", params=EXAMPLE_NAMES)
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    ws = copy_example(request.param, tmp_path_factory.mktemp(request.param) / "ws")
    out = ws / "out"
    result = invoke(
        CliRunner(),
        "generate",
        "--workspace",
        str(ws),
        "--out",
        str(out),
        "--provider",
        "offline",
    )
    assert result.exit_code == 0, result.output
    return out


def test_every_document_in_markdown_and_word(generated: Path) -> None:
    for doc_id in CATALOGUE:
        post = frontmatter.load(generated / f"{doc_id}.md")
        assert FRONT_MATTER <= set(post.metadata), doc_id
        assert post["id"] == doc_id and post["status"] == "draft" and post["version"] == "0.1"
        assert (generated / f"{doc_id}.docx").stat().st_size > 10_000


def test_docx_reads_back_with_its_structure(generated: Path) -> None:
    document = docx.Document(str(generated / "access-control-policy.docx"))
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == "Access Control Policy"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. Purpose and scope" and headings[-1] == "Annex A. Control mapping"
    control = document.tables[0]
    fields = {row.cells[0].text: row.cells[1].text for row in control.rows[1:]}
    assert {
        "Document reference",
        "Version",
        "Status",
        "Approval date",
        "Distribution",
        "Owner",
        "Approver",
        "Classification",
        "Effective date",
        "Next review",
    } <= set(fields)
    assert [c.text for c in document.tables[1].rows[0].cells] == ["Role", "Name", "Signature", "Date"]
    history = [c.text for c in document.tables[2].rows[0].cells]  # change history
    assert history == ["Version", "Date", "Author", "Change"]
    assert document.tables[2].rows[1].cells[2].text == "Drafting assistant"
    annex = document.tables[-1]
    assert annex.rows[0].cells[0].text == "Control" and any(r.cells[0].text == "A.5.15" for r in annex.rows)
    section = document.sections[0]
    assert fields["Classification"].upper() in section.header.paragraphs[0].text
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    bullets = [p for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets, "Markdown lists become Word lists"


def test_soa_csv_xlsx_and_landscape_docx(generated: Path) -> None:
    with (generated / "soa.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == COLUMNS and len(rows) == 93
    assert {r["applicable"] for r in rows} <= {"yes", "no"}
    assert {r["implementation_status"] for r in rows} <= {
        "implemented",
        "partial",
        "planned",
        "not_implemented",
    }
    book = load_workbook(generated / "soa.xlsx")
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:J94"
    assert [field_for(c.value) for c in sheet[1]] == COLUMNS and sheet.max_row == 94
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert ranges["D2:D1048576"] == '"yes,no"' and "not_implemented" in ranges["G2:G1048576"]
    assert sheet.column_dimensions["E"].width >= 60 and sheet["E2"].alignment.wrap_text
    summary = book["Summary"]
    table = {row[0]: row for row in summary.iter_rows(min_row=4, values_only=True)}
    assert table["all"][1] == "=SUM(B4:B7)" and str(table["organizational"][1]).startswith("=COUNTIFS")
    soa_doc = docx.Document(str(generated / f"{SOA_DOC}.docx"))
    section = soa_doc.sections[0]
    assert section.page_width > section.page_height


def test_manifest_contract(generated: Path) -> None:
    data = json.loads((generated / "manifest.json").read_text())
    entries = {d["id"]: d for d in data["documents"]}
    assert sorted(entries) == CATALOGUE
    for entry in entries.values():
        assert MANIFEST_FIELDS <= set(entry)
        assert entry["status"] == "written" and entry["provider"] == "offline"
    assert data["run"]["written"] == len(CATALOGUE)


def _run(ws: Path) -> dict[str, int]:
    run: dict[str, int] = json.loads((ws / "out" / "manifest.json").read_text())["run"]
    return run


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    target = tmp_path / "kestrel"
    copy_example("kestrel-saas", target)
    return target


def test_unchanged_rerun_skips_everything_and_touches_nothing(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "generate", "--workspace", str(ws)).exit_code == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in (ws / "out").iterdir() if p.name != "manifest.json"}
    result = invoke(runner, "generate", "--workspace", str(ws))
    assert result.exit_code == 0
    assert _run(ws)["unchanged"] == len(CATALOGUE) and _run(ws)["written"] == 0
    assert stamps == {
        p.name: p.stat().st_mtime_ns for p in (ws / "out").iterdir() if p.name != "manifest.json"
    }


def test_change_regenerates_only_affected_documents(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    invoke(runner, "generate", "--workspace", str(ws))
    text = (ws / "risks.csv").read_text()
    line = next(line for line in text.splitlines() if "A.8.24" in line)
    (ws / "risks.csv").write_text(
        text.replace(
            line,
            line.replace(",mitigate,", ",mitigate,", 1).replace(
                line.split(",")[1], line.split(",")[1] + " (revised)", 1
            ),
        )
    )
    result = invoke(runner, "generate", "--workspace", str(ws))
    assert result.exit_code == 0
    data = json.loads((ws / "out" / "manifest.json").read_text())
    written = {d["id"] for d in data["documents"] if d["status"] == "written"}
    from assistant.drafting.inputs_hash import RISK_DOCS

    header = next(csv.reader([text.splitlines()[0]]))
    risk_controls = set(next(csv.reader([line]))[header.index("controls")].split(";"))
    affected = {d.id for d in load_corpus().documents.values() if set(d.controls) & risk_controls} | RISK_DOCS
    assert written == affected and "cryptography-policy" in written and len(written) < len(CATALOGUE)
    # The version moves only where the text changed: the risk report names the revised risk, the
    # cryptography policy's rules do not mention it.
    assert frontmatter.load(ws / "out" / "risk-assessment-report.md")["version"] == "0.2"
    assert frontmatter.load(ws / "out" / "cryptography-policy.md")["version"] == "0.1"
    history = next(d for d in data["documents"] if d["id"] == "risk-assessment-report")["history"]
    assert [h["version"] for h in history] == ["0.1", "0.2"]


def test_only_and_force(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "generate", "--workspace", str(ws), "--only", "isms-scope,cryptography-policy")
    assert result.exit_code == 0
    documents = sorted(p.stem for p in (ws / "out").glob("*.md") if p.name not in SET_FILES)
    assert documents == ["cryptography-policy", "isms-scope"]
    result = invoke(runner, "generate", "--workspace", str(ws), "--only", "isms-scope", "--force")
    assert result.exit_code == 0 and _run(ws)["written"] == 1


def test_resume_after_kill_9(ws: Path) -> None:
    isms = Path(sys.executable).with_name("isms")
    out = ws / "out"
    process = subprocess.Popen(
        [str(isms), "generate", "--workspace", str(ws), "--concurrency", "1", "--provider", "offline"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.docx"))) < 5:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {p.stem for p in out.glob("*.docx")}
    assert 5 <= len(finished) < len(CATALOGUE)
    for stem in finished:
        assert frontmatter.load(out / f"{stem}.md")["id"] == stem  # complete files only
        docx.Document(str(out / f"{stem}.docx"))
    stamps = {s: (out / f"{s}.docx").stat().st_mtime_ns for s in finished}
    from typer.testing import CliRunner

    result = invoke(CliRunner(), "generate", "--workspace", str(ws))
    assert result.exit_code == 0
    assert {p.stem for p in out.glob("*.docx")} == set(CATALOGUE)
    assert not list(out.glob(".*.tmp"))
    kept = [s for s in finished if (out / f"{s}.docx").stat().st_mtime_ns == stamps[s]]
    assert len(kept) >= len(finished) - 1  # the one being written at the kill may be redone


def test_one_failing_document_does_not_stop_the_others(
    ws: Path,
    runner,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    original = Engine.draft

    def flaky(self: Engine, doc_id: str):  # type: ignore[no-untyped-def]
        if doc_id == "cryptography-policy":
            raise DraftStepFailed("the model's output was still invalid after 3 attempts")
        return original(self, doc_id)

    monkeypatch.setattr(Engine, "draft", flaky)
    result = invoke(runner, "generate", "--workspace", str(ws))
    assert result.exit_code == 1
    assert "cryptography-policy: the model's output was still invalid" in result.output
    assert len([p for p in (ws / "out").glob("*.md") if p.name not in SET_FILES]) == len(CATALOGUE) - 1
    entry = next(
        d
        for d in json.loads((ws / "out" / "manifest.json").read_text())["documents"]
        if d["id"] == "cryptography-policy"
    )
    assert entry["status"] == "failed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "no-such-doc"], "unknown document id(s): no-such-doc"),
        (["--only", "../x"], "would leave the output folder"),
        (["--only", "isms-scope,../../etc/passwd"], "would leave the output folder"),
        (["--provider", "anthropic"], "--provider must be"),
    ],
)
def test_bad_arguments_write_nothing(ws: Path, runner, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "generate", "--workspace", str(ws), *args)
    assert result.exit_code == 2 and message in result.output.replace("\n", "")
    assert not (ws / "out").exists()


def test_output_folder_that_cannot_be_written(ws: Path, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    for out in (blocker, blocker / "out"):
        result = invoke(runner, "generate", "--workspace", str(ws), "--out", str(out))
        assert result.exit_code == 2 and "output" in result.output and "Traceback" not in result.output
    assert blocker.read_text() == "in the way"


def test_invalid_profile_or_register_writes_nothing(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    (ws / "profile.yaml").write_text((ws / "profile.yaml").read_text().replace("identity:", "identiti:", 1))
    result = invoke(runner, "generate", "--workspace", str(ws))
    assert result.exit_code == 2 and "did you mean 'identity'" in result.output
    (ws / "profile.yaml").write_text((ws / "profile.yaml").read_text().replace("identiti:", "identity:", 1))
    (ws / "risks.csv").write_text((ws / "risks.csv").read_text().replace(",mitigate,", ",fix,", 1))
    result = invoke(runner, "generate", "--workspace", str(ws))
    assert result.exit_code == 2 and "column treatment" in result.output
    assert not (ws / "out").exists()


def test_llm_path_generation_with_concurrency_and_cache(
    ws: Path,
    runner,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-generate-000000000000")
    with FakeOpenAI(latency=0.05) as server:
        args = [
            "generate",
            "--workspace",
            str(ws),
            "--provider",
            "openai",
            "--base-url",
            server.base_url,
            "--concurrency",
            "4",
            "--only",
            f"cryptography-policy,clear-desk-and-screen-policy,{SOA_DOC}",
        ]
        result = invoke(runner, *args)
        assert result.exit_code == 0, result.output
        calls = len(server.chat_requests)
        assert calls > 8  # sections of two documents plus eight SoA batches
        assert frontmatter.load(ws / "out" / "cryptography-policy.md")["generated_by"]["provider"] == "openai"
        rows = list(csv.DictReader((ws / "out" / "soa.csv").open(encoding="utf-8")))
        assert rows[0]["justification"].startswith("Model justification for A.5.1")
        result = invoke(runner, *args)
        assert _run(ws)["unchanged"] == 3 and len(server.chat_requests) == calls


def test_branded_word_template(ws: Path, runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from docx.shared import Pt

    from assistant.documents.docx_export import BUNDLED_TEMPLATE

    branded = docx.Document(str(BUNDLED_TEMPLATE))
    branded.styles["Normal"].font.name = "Georgia"
    branded.styles["Normal"].font.size = Pt(12)
    template = tmp_path / "brand.docx"
    branded.save(str(template))
    monkeypatch.setenv("ISMS_DOCX_TEMPLATE", str(template))
    assert invoke(runner, "generate", "--workspace", str(ws), "--only", "cryptography-policy").exit_code == 0
    document = docx.Document(str(ws / "out" / "cryptography-policy.docx"))
    assert document.styles["Normal"].font.name == "Georgia"
    monkeypatch.setenv("ISMS_DOCX_TEMPLATE", str(tmp_path / "missing.docx"))
    result = invoke(runner, "generate", "--workspace", str(ws), "--only", "isms-scope")
    assert result.exit_code == 2 and "Word template not found" in result.output
    assert not (ws / "out" / "isms-scope.md").exists()


def test_decisions_and_evidence_guide_beside_the_set(generated: Path) -> None:
    from typer.testing import CliRunner

    ws = generated.parent
    text = (generated / "decisions.md").read_text(encoding="utf-8")
    assert text.startswith("# Decisions needed:") and "- [ ] " in text
    result = invoke(CliRunner(), "decisions", "--workspace", str(ws), "--json")
    assert result.exit_code == 0
    decisions = json.loads(result.stdout)
    assert decisions and all(isinstance(q, str) and q.endswith("?") for qs in decisions.values() for q in qs)
    doc_id, questions = next(iter(decisions.items()))
    assert frontmatter.load(generated / f"{doc_id}.md")["decisions"] == questions
    guide = (generated / "evidence-guide.md").read_text(encoding="utf-8")
    applicable = sum(
        1 for r in csv.DictReader((generated / "soa.csv").open(encoding="utf-8")) if r["applicable"] == "yes"
    )
    assert guide.count("\n| A.") == applicable
    assert (generated / "evidence-guide.xlsx").stat().st_size > 5_000


def test_decisions_without_a_generated_set_is_bad_input(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    result = invoke(CliRunner(), "decisions", "--workspace", str(tmp_path))
    assert result.exit_code == 2 and "isms generate" in result.output
