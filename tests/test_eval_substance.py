"""Evaluation v2: the checks that judge substance. Hand-written approvable documents raise no finding;
each planted defect, in a section and after the annex heading, fails its check with a finding that names
the document and quotes the sentence."""

from __future__ import annotations

import importlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.inputs.profile import load_profile
from assistant.inputs.risks import load_risks
from assistant.knowledge.loader import load_corpus
from eval.docset import DocumentSet, load_document_set
from eval.result import CheckResult
from tests.conftest import EXAMPLES, REPO

FIXTURES = {
    "kestrel-saas": REPO / "tests" / "fixtures" / "approvable",
    "meridian-payments": REPO / "tests" / "fixtures" / "approvable-meridian",
}
TEXT_CHECKS = [
    "register",
    "substance",
    "dates",
    "consistency",
    "foreign_facts",
    "grammar",
    "citations",
    "document_control",
]
TODAY = date(2027, 1, 10)
ANNEX = "## Annex: control mapping"


def _load(folder: Path, example: str = "kestrel-saas", today: date = TODAY) -> DocumentSet:
    ws = EXAMPLES / example
    return load_document_set(
        folder,
        load_corpus(),
        load_profile(ws / "profile.yaml"),
        load_risks(ws / "risks.csv"),
        docs=ws / "docs",
        today=today,
    )


def _run(check: str, ds: DocumentSet) -> CheckResult:
    module = importlib.import_module(f"eval.scorers.{check}")
    result: CheckResult = module.check(ds)
    return result


def _copy(tmp_path: Path, example: str = "kestrel-saas", only: str | None = None) -> Path:
    target = tmp_path / "set"
    target.mkdir()
    for path in FIXTURES[example].glob("*.md"):
        if only is None or path.stem == only:
            shutil.copy(path, target / path.name)
    return target


def _plant(folder: Path, doc: str, text: str, where: str, section: str | None = None) -> None:
    """Put `text` at the end of `section` (default: the first section), or after the annex table."""
    path = folder / f"{doc}.md"
    body = path.read_text(encoding="utf-8")
    if where == "annex":
        path.write_text(body.rstrip() + f"\n\n{text}\n", encoding="utf-8")
        return
    lines = body.split("\n")
    headings = [i for i, line in enumerate(lines) if line.startswith("## ")]
    start = next(i for i in headings if section is None or lines[i] == f"## {section}")
    end = next((i for i in headings if i > start), len(lines))
    lines.insert(end, f"{text}\n")
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("example", sorted(FIXTURES))
@pytest.mark.parametrize("check", TEXT_CHECKS)
def test_approvable_documents_raise_no_finding(example: str, check: str, tmp_path: Path) -> None:
    ds = _load(_copy(tmp_path, example), example)
    result = _run(check, ds)
    assert result.findings == [], result.findings
    assert result.passed


PLANTED = [
    # (check, document, planted text, words the finding must carry)
    (
        "register",
        "access-control-policy",
        "Use a short RACI table and state where the current role holders are recorded.",
        "instruction",
    ),
    (
        "register",
        "access-control-policy",
        "Each is approved by its owner and the ISMS owner, communicated to the people it affects, acknowledged "
        "where relevant, and reviewed on a fixed cycle or after significant change.",
        "restates the corpus",
    ),
    (
        "register",
        "access-control-policy",
        "This policy names who maintains contact with authorities.",
        "self-description",
    ),
    (
        "register",
        "access-control-policy",
        "Without a management-approved statement of intent and supporting topic rules, people make their own "
        "security decisions, inconsistently, and nobody can be held to a common standard.",
        "rationale",
    ),
    (
        "register",
        "access-control-policy",
        "Evidence kept: RACI matrix; job descriptions with security duties.",
        "evidence list",
    ),
    (
        "register",
        "access-control-policy",
        "Access reviews are led by the it_lead and signed off in Linear.",
        "internal code 'it_lead'",
    ),
    (
        "register",
        "access-control-policy",
        "Okta sign-in logs support legal:uk-gdpr duties.",
        "internal code 'legal:uk-gdpr'",
    ),
    (
        "register",
        "access-control-policy",
        "Exceptions follow acceptable-use-policy in Linear.",
        "internal code 'acceptable-use-policy'",
    ),
    (
        "consistency",
        "vulnerability-management-procedure",
        "Critical vulnerabilities are patched within 30 days.",
        "deadline for critical",
    ),
    (
        "consistency",
        "incident-management-procedure",
        "Daniel Okafor notifies the ICO within 96 hours.",
        "notification deadline",
    ),
    (
        "consistency",
        "access-control-policy",
        "Liam Doyle reviews user access every 3 months.",
        "user access review",
    ),
    (
        "consistency",
        "access-control-policy",
        "The platform's recovery time objective is 13 hours.",
        "profile says 24 hours",
    ),
    (
        "foreign_facts",
        "access-control-policy",
        "Every laptop is enrolled in Microsoft Intune before first use.",
        "Intune",
    ),
    (
        "foreign_facts",
        "access-control-policy",
        "Staff sign in through Microsoft Entra ID with Conditional Access.",
        "Entra ID",
    ),
    ("foreign_facts", "access-control-policy", "Retention follows M365 retention labels.", "M365"),
    (
        "foreign_facts",
        "access-control-policy",
        "Exceptions are approved by John Carter (Head of Finance).",
        "John Carter",
    ),
    (
        "foreign_facts",
        "access-control-policy",
        "Requests go to helpdesk@example.org from Okta.",
        "helpdesk@example.org",
    ),
    (
        "grammar",
        "access-control-policy",
        "Keep a contact register listing why it matters to we, kept in Notion.",
        "pronoun",
    ),
    (
        "grammar",
        "access-control-policy",
        "Daniel Okafor owns the Okta configuration and brings changes to Daniel Okafor for approval.",
        "self-approval",
    ),
    (
        "dates",
        "internal-audit-programme",
        "The next internal audit of Okta access is planned for 2026-06-01.",
        "before the document's effective date",
    ),
    ("dates", "internal-audit-programme", "An audit of Kandji is scheduled for Q2 2026.", "Q2 2026"),
    (
        "dates",
        "internal-audit-programme",
        "An audit of the AWS estate is planned for 2031-03-01.",
        "beyond its 36-month cycle",
    ),
    (
        "substance",
        "management-review-minutes",
        "The management review was held and all actions were agreed by Priya Raman.",
        "has not happened",
    ),
    ("citations", "access-control-policy", "Okta enforces this [A.9.2.3] and [A.5.99].", "2013"),
]


@pytest.mark.parametrize("where", ["section", "annex"])
@pytest.mark.parametrize(("check", "doc", "text", "expected"), PLANTED)
def test_planted_defect_is_found(
    check: str, doc: str, text: str, expected: str, where: str, tmp_path: Path
) -> None:
    folder = _copy(tmp_path)
    _plant(folder, doc, text, where)
    result = _run(check, _load(folder))
    mine = [f for f in result.findings if f.startswith(f"{doc}:") and expected in f]
    assert mine, result.findings
    if check != "register":  # register gates on a share of sentences: see the next test
        assert not result.passed
    if check not in ("citations",):
        quoted = " ".join(text.split()[:4])
        assert any(quoted in f for f in mine), mine


def test_register_gates_on_the_share_of_sentences(tmp_path: Path) -> None:
    folder = _copy(tmp_path, only="access-control-policy")
    result = _run("register", _load(folder))
    assert result.passed and result.metrics["flagged"] == 0
    _plant(
        folder,
        "access-control-policy",
        "This policy names who maintains contact with authorities.",
        "section",
    )
    one = _run("register", _load(folder))
    assert one.metrics["flagged"] == 1
    for n in range(3):
        _plant(
            folder, "access-control-policy", f"This policy states rule number {n} for the reader.", "annex"
        )
    many = _run("register", _load(folder))
    assert many.metrics["share"] > 0.02 and not many.passed
    assert many.findings[0].startswith("documents: ") and "limit 2%" in many.findings[0]


def _replace_section(folder: Path, doc: str, heading: str, text: str) -> None:
    path = folder / f"{doc}.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(f"## {heading}")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    path.write_text("\n".join([*lines[: start + 1], "", text, "", *lines[end:]]), encoding="utf-8")


def test_a_section_with_only_a_restated_heading_has_no_substance(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    heading = _load(folder).documents["access-control-policy"].sections[0].heading
    _replace_section(folder, "access-control-policy", heading, f"The {heading.lower()} of access control.")
    result = _run("substance", _load(folder))
    assert any(f"access-control-policy: section '{heading}' holds no rule" in f for f in result.findings)
    assert not result.passed


def test_shell_records_fail_substance(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    corpus = load_corpus()
    for doc in ("internal-audit-programme", "management-review-minutes"):
        path = folder / f"{doc}.md"
        head = path.read_text(encoding="utf-8").partition("\n# ")[0]
        shell = "\n\n".join(
            f"## {s.heading}\n\nKestrel Analytics keeps this record for the ISMS."
            for s in corpus.documents[doc].sections
        )
        path.write_text(f"{head}\n# Title\n\n{shell}\n", encoding="utf-8")
    findings = _run("substance", _load(folder)).findings
    assert (
        "internal-audit-programme: the record has no audit schedule (a table with columns for scope / auditor / date)"
        in findings
    )
    assert any(
        f.startswith("management-review-minutes: the record does not cover changes in external")
        for f in findings
    )
    assert any(
        f.startswith("management-review-minutes: the record has no decisions and actions table")
        for f in findings
    )
    assert any(
        f.startswith("internal-audit-programme: section 'Audit programme' holds no rule") for f in findings
    )


def test_record_done_in_the_future_is_a_dates_finding(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _plant(
        folder, "internal-audit-programme", "The Okta access audit was completed on 2027-05-03.", "section"
    )
    findings = _run("dates", _load(folder)).findings
    assert any("records 2027-05-03 as done" in f for f in findings), findings
