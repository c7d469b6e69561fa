"""Issue 15: profile.yaml edited from the UI keeps the user's comments and layout; decisions answered into it."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.errors import InputError
from assistant.generation.decisions import collect
from assistant.inputs.profile import load_profile, question_key
from assistant.inputs.profile_yaml import (
    TMP_PREFIX,
    record_answer,
    replace_section,
    sections,
    set_values,
    update_profile,
    with_answer,
)
from assistant.inputs.workspace import Workspace
from assistant.inputs.yaml_roundtrip import RoundTrip
from tests.conftest import ALL_EXAMPLES, EXAMPLES, copy_example, invoke
from tests.helpers import generate_example, private_copy

THRESHOLD = ("risk_criteria", "acceptance_threshold")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(copy_example("kestrel-saas", tmp_path / "kestrel"))


def _changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def _leftovers(ws: Workspace) -> list[Path]:
    return [p for p in ws.profile_path.parent.iterdir() if p.name.startswith(TMP_PREFIX)]


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_a_round_trip_without_changes_is_byte_identical(name: str) -> None:
    text = (EXAMPLES / name / "profile.yaml").read_text(encoding="utf-8")
    assert RoundTrip(text).dump() == text
    assert (
        set_values(
            text,
            {THRESHOLD: load_profile(EXAMPLES / name / "profile.yaml").risk_criteria.acceptance_threshold},
        )
        == text
    )
    for key, section in sections(text).items():
        assert section.startswith((key + ":", "#"))
        assert replace_section(text, key, section) == text


def test_changing_the_threshold_changes_only_that_line(ws: Workspace) -> None:
    before = ws.profile_path.read_text(encoding="utf-8")
    assert update_profile(ws, values={THRESHOLD: 5}) is True
    after = ws.profile_path.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == ["-  acceptance_threshold: 8", "+  acceptance_threshold: 5"]
    assert _comments(after) == _comments(before)
    assert load_profile(ws.profile_path).risk_criteria.acceptance_threshold == 5
    [kept] = list((ws.state_dir / "profile-history").glob("profile-*.yaml"))
    assert kept.read_text(encoding="utf-8") == before
    assert update_profile(ws, values={THRESHOLD: 5}) is False  # nothing changed: nothing written or kept
    assert len(list((ws.state_dir / "profile-history").iterdir())) == 1


def test_a_quoted_value_stays_quoted_and_keeps_its_comment() -> None:
    text = "identity:\n  name: 'Kestrel'    # short name\n  headcount: 62\n"
    out = set_values(text, {("identity", "name"): "Kestrel Analytics"})
    # the comment keeps its column while the value fits before it, then follows it
    assert out == "identity:\n  name: 'Kestrel Analytics' # short name\n  headcount: 62\n"
    assert (
        set_values(text, {("identity", "name"): "Kes"})
        == "identity:\n  name: 'Kes'        # short name\n  headcount: 62\n"
    )


def test_an_invalid_change_is_refused_and_the_file_left_alone(ws: Workspace) -> None:
    before = ws.profile_path.read_bytes()
    with pytest.raises(InputError) as caught:
        update_profile(ws, values={("identity", "headcount"): "lots"})
    message = str(caught.value)
    assert "identity.headcount" in message and "lots" in message
    assert f"{ws.profile_path}:" in message and TMP_PREFIX not in message  # names the user's file
    assert ws.profile_path.read_bytes() == before
    assert not _leftovers(ws)
    assert not (ws.state_dir / "profile-history").exists()


def test_a_section_typed_with_comments_replaces_only_that_section(ws: Workspace) -> None:
    before = ws.profile_path.read_text(encoding="utf-8")
    typed = sections(before)["document_control"].replace(
        "document_control:", "document_control:\n  # reviewed with the CEO in March", 1
    )
    assert update_profile(ws, section_texts={"document_control": typed})
    after = ws.profile_path.read_text(encoding="utf-8")
    assert _changed_lines(before, after) == ["+  # reviewed with the CEO in March"]
    assert sections(after)["document_control"] == typed.rstrip("\n") + "\n"


def test_a_yaml_error_in_a_section_names_the_section_and_its_line(ws: Workspace) -> None:
    before = ws.profile_path.read_bytes()
    typed = "risk_criteria:\n  acceptance_threshold: 8\n  review_months: [12\n"
    with pytest.raises(InputError, match=r"section `risk_criteria`, line \d+: YAML syntax error"):
        update_profile(ws, section_texts={"risk_criteria": typed})
    with pytest.raises(InputError, match="must start with `risk_criteria:`"):
        replace_section(before.decode(), "risk_criteria", "review_months: 12\n")
    assert ws.profile_path.read_bytes() == before
    assert not _leftovers(ws)


def test_an_answer_is_appended_and_replaced_never_duplicated(ws: Workspace) -> None:
    before = ws.profile_path.read_text(encoding="utf-8")
    question = "Which generative AI tools are approved for work use?"
    with pytest.raises(InputError, match="generative AI tools"):
        record_answer(ws, question, "   ", "Priya Raman")
    record_answer(ws, question, "Only the company's ChatGPT Enterprise workspace.", "Priya Raman")
    middle = ws.profile_path.read_text(encoding="utf-8")
    assert middle.startswith(before)  # everything above the new `answers:` stays byte-identical
    assert "# answered by Priya Raman" in middle
    record_answer(ws, question.lower().rstrip("?"), "None until the review in June.", "Tom Hughes")
    profile = load_profile(ws.profile_path)
    assert [(a.question, a.answer) for a in profile.answers] == [(question, "None until the review in June.")]
    after = ws.profile_path.read_text(encoding="utf-8")
    assert "# answered by Tom Hughes" in after and "Priya Raman, " not in after[len(before) :]
    assert not _leftovers(ws)


def test_an_answer_lands_after_the_existing_ones_and_their_comments() -> None:
    text = "a: 1\nanswers:\n  - question: first question here\n    answer: yes indeed\n# about b\nb: 2\n"
    out = with_answer(text, "second question here", "no thanks", "# answered by Sam, 2025-01-01")
    assert out == (
        "a: 1\nanswers:\n  - question: first question here\n    answer: yes indeed\n"
        "  - question: second question here\n    answer: no thanks # answered by Sam, 2025-01-01\n"
        "# about b\nb: 2\n"
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "profile-roundtrip")


def test_an_answered_question_is_no_longer_asked(generated: Path, tmp_path: Path) -> None:
    root = private_copy(generated, tmp_path)
    ws = Workspace.open(root)
    asked = collect(ws.out_dir)
    question = next(q for qs in asked.values() for q in qs if "generative AI" in q)
    record_answer(ws, question, "Only ChatGPT Enterprise, for information up to Internal.", "Priya Raman")
    assert invoke(CliRunner(), "generate", "--workspace", str(root), "--provider", "offline").exit_code == 0
    again = collect(ws.out_dir)
    assert all(question_key(q) != question_key(question) for qs in again.values() for q in qs)
    assert sum(map(len, again.values())) < sum(map(len, asked.values()))


def test_an_author_name_cannot_break_out_of_its_comment(ws: Workspace) -> None:
    record_answer(ws, "Which generative AI tools are approved?", "None at all.", "Eve\nimplementation: {}")
    text = ws.profile_path.read_text(encoding="utf-8")
    assert "# answered by Eve implementation: {}" in text
    assert load_profile(ws.profile_path).implementation  # still the example's statuses
