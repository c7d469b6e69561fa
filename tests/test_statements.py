"""Statement templates: filled from the profile, left out (with their decision) when a fact is missing,
chosen by conditions; the corpus check refuses fields the profile schema does not have."""

from __future__ import annotations

import pytest

from assistant.drafting.statements import (
    TemplateError,
    holds,
    profile_data,
    render_statements,
    schema_paths,
    unknown_fields,
)
from assistant.inputs.profile import load_profile
from assistant.knowledge.models import DecisionTemplate, StatementTemplate
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def kestrel():  # type: ignore[no-untyped-def]
    return load_profile(EXAMPLES / "kestrel-saas" / "profile.yaml")


def _render(profile, *statements: StatementTemplate, decisions=()):  # type: ignore[no-untyped-def]
    return render_statements(list(statements), profile, list(decisions))


def test_fields_people_lists_and_filters(kestrel) -> None:  # type: ignore[no-untyped-def]
    out = _render(
        kestrel,
        StatementTemplate(
            text="Critical fixes within {practices.patch_days.critical} days, by {roles.security_lead}."
        ),
        StatementTemplate(
            text="Tickets live in {technology.ticketing|short}; offices: {locations.offices[].city}."
        ),
        StatementTemplate(text="{org} has {suppliers|count} suppliers; {roles.dpo.title|lower} is named."),
    )
    assert out.lines == [
        "Critical fixes within 7 days, by Daniel Okafor (Head of Security).",
        "Tickets live in Linear; offices: Manchester.",
        "Kestrel Analytics has 10 suppliers; general counsel and data protection officer is named.",
    ]
    assert out.decisions == []


def test_missing_fact_leaves_the_statement_out_and_records_its_decision(kestrel) -> None:  # type: ignore[no-untyped-def]
    out = _render(
        kestrel,
        StatementTemplate(
            text="Facilities are run by {roles.facilities_lead}.", decision="Who runs facilities?"
        ),
        StatementTemplate(
            text="Facilities are run by {roles.isms_owner.name}.", when="not roles.facilities_lead"
        ),
        decisions=[
            DecisionTemplate(question="How long are CCTV recordings kept?"),
            DecisionTemplate(question="Who is the DPO?", unless="roles.dpo"),
        ],
    )
    assert out.lines == ["Facilities are run by Claire Whitfield."]
    assert out.decisions == ["How long are CCTV recordings kept?", "Who runs facilities?"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("roles.dpo", True),
        ("not roles.dpo", False),
        ("technology.endpoints.byod == mobile_only", True),
        ("technology.endpoints.byod != mobile_only", False),
        ("technology.cloud_providers contains amazon", True),
        ("technology.cloud_providers contains azure", False),
        ("obligations[].id contains uk-gdpr", True),
    ],
)
def test_conditions(kestrel, condition: str, expected: bool) -> None:  # type: ignore[no-untyped-def]
    assert holds(condition, profile_data(kestrel)) is expected


def test_unreadable_condition_is_an_error(kestrel) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TemplateError):
        holds("roles.dpo is set", profile_data(kestrel))


def test_unknown_fields_are_named() -> None:
    known = schema_paths()
    assert unknown_fields("{practices.patch_days.critical} {roles.security_lead.name} {org}", known) == []
    assert unknown_fields("{practices.rto_hours} {roles.ciso}", known) == [
        "practices.rto_hours",
        "roles.ciso",
    ]


NEW_DOCUMENT = """id: visitor-procedure
title: Visitor Procedure
kind: procedure
purpose: How visitors are admitted to the organisation's premises and escorted.
mandatory: false
controls: [A.7.2]
owner_role: security_lead
review_cycle_months: 12
sections:
  - heading: Admission
    establishes: Who admits visitors and how they are identified.
    controls: [A.7.2]
    statements:
      - text: "Visitors are admitted only by a member of staff at {locations.offices[].name}."
      - text: "Screens lock after {practices.screen_lock_minutes} minutes."
  - heading: Escort
    establishes: How visitors are escorted while on the premises.
    blocks: [no_such_block]
  - heading: Records
    establishes: Which records of visits are kept and by whom.
    statements:
      - text: "{roles.security_lead} keeps the visitor records."
        when: "locations.offices is set"
"""


def test_a_document_is_one_yaml_file_and_the_corpus_check_reads_its_content(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from assistant.knowledge.checks import check_corpus
    from assistant.knowledge.loader import load_corpus
    from tests.conftest import REPO

    root = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", root)
    (root / "documents" / "visitor-procedure.yaml").write_text(NEW_DOCUMENT, encoding="utf-8")
    corpus = load_corpus(root)
    assert "visitor-procedure" in corpus.documents
    problems = check_corpus(corpus).problems
    assert any("unknown profile field {practices.screen_lock_minutes}" in p for p in problems), problems
    assert any("unknown block 'no_such_block'" in p for p in problems), problems
    assert any("locations.offices is set" in p for p in problems), problems
