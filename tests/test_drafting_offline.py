"""The offline drafter on both example workspaces: complete, specific, grounded, different per organisation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import SOA_DOC, Engine
from assistant.drafting.models import Draft
from assistant.drafting.offline import OFFLINE_VERSION
from assistant.drafting.validate import PLACEHOLDERS, cited_ids
from assistant.ids import LEGACY_CONTROL_REF
from tests.conftest import EXAMPLE_NAMES, EXAMPLES, copy_example
from tests.helpers import CONTRACT_FRONT_MATTER


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    return {name: Engine(load_inputs(EXAMPLES / name, provider="offline")) for name in EXAMPLE_NAMES}


@pytest.fixture(scope="module")
def drafts(engines: dict[str, Engine]) -> dict[str, dict[str, Draft]]:
    return {
        name: {doc: engine.draft(doc) for doc in engine.inputs.corpus.documents}
        for name, engine in engines.items()
    }


def test_every_catalogue_document_has_every_required_section(engines, drafts) -> None:  # type: ignore[no-untyped-def]
    for name, engine in engines.items():
        for doc in engine.inputs.corpus.documents.values():
            draft = drafts[name][doc.id]
            assert [s.heading for s in draft.sections] == [s.heading for s in doc.sections], (name, doc.id)
            for section in draft.sections:
                # A section carries something: rules, facts or a table (WRITING.md), not a word count.
                body = section.text.strip()
                has_rule_or_table = "\n- " in f"\n{body}" or "|" in body or len(body.split()) >= 15
                assert has_rule_or_table, (name, doc.id, section.heading, body)


def test_citations_are_valid_2022_ids_from_the_context(engines, drafts) -> None:  # type: ignore[no-untyped-def]
    for name, engine in engines.items():
        corpus = engine.inputs.corpus
        known = set(corpus.controls) | set(corpus.clauses)
        for doc_id, draft in drafts[name].items():
            doc = corpus.documents[doc_id]
            if doc_id == SOA_DOC:
                continue  # its control table cites every control by design
            for section, spec in zip(draft.sections, doc.sections, strict=True):
                cited = cited_ids(section.text)
                assert cited, (doc_id, section.heading)
                assert cited <= known
                assert cited <= set(spec.controls) | set(spec.clauses) | set(doc.clauses)
                assert not LEGACY_CONTROL_REF.search(section.text)


def test_no_placeholders(drafts) -> None:  # type: ignore[no-untyped-def]
    for by_doc in drafts.values():
        for draft in by_doc.values():
            text = "\n".join(s.text for s in draft.sections)
            for pattern in PLACEHOLDERS:
                assert not pattern.search(text), (draft.doc_id, pattern.pattern)


def test_organisation_facts_are_used(engines, drafts) -> None:  # type: ignore[no-untyped-def]
    kestrel = "\n".join(s.text for s in drafts["kestrel-saas"]["access-control-policy"].sections)
    assert "Okta" in kestrel and "Daniel Okafor" in kestrel and "every 6 months" in kestrel
    meridian = "\n".join(s.text for s in drafts["meridian-payments"]["access-control-policy"].sections)
    assert "Entra ID" in meridian and "every 3 months" in meridian
    assert "Okta" not in meridian and "Entra" not in kestrel
    scope = "\n".join(s.text for s in drafts["meridian-payments"]["isms-scope"].sections)
    assert "Frankfurt" in scope and "PCI DSS" in scope
    report = "\n".join(s.text for s in drafts["kestrel-saas"]["risk-assessment-report"].sections)
    register = engines["kestrel-saas"].inputs.register
    assert all(r.id in report for r in register.risks)


def test_two_organisations_get_clearly_different_documents(drafts) -> None:  # type: ignore[no-untyped-def]
    for doc_id in ("access-control-policy", "incident-management-procedure", "information-security-policy"):
        a = {s.text for s in drafts["kestrel-saas"][doc_id].sections}
        b = {s.text for s in drafts["meridian-payments"][doc_id].sections}
        assert not a & b, doc_id
        words_a = set(re.findall(r"\w+", " ".join(a)))
        words_b = set(re.findall(r"\w+", " ".join(b)))
        assert len(words_a ^ words_b) > 100


def test_offline_drafter_is_deterministic(engines) -> None:  # type: ignore[no-untyped-def]
    engine = Engine(engines["kestrel-saas"].inputs)
    assert (
        engine.draft("cryptography-policy").sections
        == engines["kestrel-saas"].draft("cryptography-policy").sections
    )


def test_soa_rules_are_enforced(engines) -> None:  # type: ignore[no-untyped-def]
    for engine in engines.values():
        soa = engine.soa()
        threshold = engine.inputs.profile.risk_criteria.acceptance_threshold
        assert [r.control_id for r in soa.rows] == list(engine.inputs.corpus.controls)
        for risk in engine.inputs.register.risks:
            if risk.score > threshold and risk.treatment != "accept":
                for cid in risk.controls:
                    row = next(r for r in soa.rows if r.control_id == cid)
                    assert row.applicable == "yes" and risk.id in row.drivers
        for row in soa.rows:
            assert row.justification and row.drivers and row.owner and row.documents
        texts = [r.justification for r in soa.rows]
        assert len(set(texts)) == len(texts)


def test_soa_exclusions_come_from_the_scope_with_reasons(engines) -> None:  # type: ignore[no-untyped-def]
    engine = engines["kestrel-saas"]
    excluded = {r.control_id: r for r in engine.soa().rows if r.applicable == "no"}
    assert set(excluded) == {e.control for e in engine.inputs.profile.scope.exclusions}
    for row in excluded.values():
        assert row.justification.startswith("Excluded:") and row.implementation_status == "not_implemented"


def test_soa_document_has_the_table(engines) -> None:  # type: ignore[no-untyped-def]
    draft = engines["meridian-payments"].draft(SOA_DOC)
    text = "\n".join(s.text for s in draft.sections)
    assert text.count("| [A.") == 93


def test_implementation_status_comes_from_the_profile(engines) -> None:  # type: ignore[no-untyped-def]
    engine = engines["meridian-payments"]
    given = engine.inputs.profile.implementation
    for row in engine.soa().rows:
        if row.applicable == "yes" and row.control_id in given:
            assert row.implementation_status == given[row.control_id]


def test_cli_draft_writes_the_contract(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    from tests.conftest import invoke

    out = tmp_path / "out"
    result = invoke(
        runner,
        "draft",
        "access-control-policy",
        "--workspace",
        str(ws),
        "--out",
        str(out),
        "--provider",
        "offline",
    )
    assert result.exit_code == 0, result.output
    assert "provider offline" in result.output
    import frontmatter

    post = frontmatter.load(out / "access-control-policy.md")
    for key in CONTRACT_FRONT_MATTER:
        assert key in post.metadata, key
    assert post["generated_by"] == {
        "provider": "offline",
        "model": "offline-drafter",
        "prompt_version": OFFLINE_VERSION,
    }
    assert post["next_review"] > post["effective_date"]
    assert "[A.5.15]" in post.content
    # unchanged content keeps its version; the SoA writes soa.csv as well
    invoke(
        runner,
        "draft",
        "access-control-policy",
        "--workspace",
        str(ws),
        "--out",
        str(out),
    )
    assert frontmatter.load(out / "access-control-policy.md")["version"] == "0.1"
    result = invoke(runner, "draft", SOA_DOC, "--workspace", str(ws), "--out", str(out))
    assert result.exit_code == 0
    assert len((out / "soa.csv").read_text().splitlines()) == 94


def test_cli_draft_unknown_document(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    from tests.conftest import invoke

    result = invoke(runner, "draft", "no-such-policy", "--workspace", str(ws))
    assert result.exit_code == 2 and "unknown document id" in result.output


def test_cli_refine_a_section_offline(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    ws_dir = copy_example("kestrel-saas", tmp_path / "ws")
    from tests.conftest import invoke

    ws = ["--workspace", str(ws_dir), "--out", str(tmp_path / "out")]
    invoke(runner, "draft", "access-control-policy", *ws)
    before = (tmp_path / "out" / "access-control-policy.md").read_text()
    result = invoke(
        runner,
        "draft",
        "access-control-policy",
        "--section",
        "Authentication and credentials",
        "--instruction",
        "use Okta Identity Engine instead of Okta Workforce Identity; access reviews are quarterly",
        *ws,
    )
    assert result.exit_code == 0, result.output
    after = (tmp_path / "out" / "access-control-policy.md").read_text()
    import frontmatter

    assert frontmatter.loads(after)["version"] == "0.2"
    sections_before = before.split("\n## ")
    sections_after = after.split("\n## ")
    changed = [
        b.splitlines()[0] for b, a in zip(sections_before[1:], sections_after[1:], strict=True) if a != b
    ]
    assert changed == ["Authentication and credentials"]
    assert "Okta Identity Engine" in after and "Access reviews are quarterly." in after


def test_cli_refine_needs_an_existing_document(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    from tests.conftest import invoke

    result = invoke(
        runner,
        "draft",
        "access-control-policy",
        "--section",
        "1",
        "--instruction",
        "x",
        "--workspace",
        str(ws),
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 2 and "draft it first" in result.output
