from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.errors import CheckFailed, InputError
from assistant.ids import all_control_ids
from assistant.knowledge.checks import (
    MANDATORY_ITEMS,
    NEW_IN_2022,
    check_corpus,
    near_duplicates,
    official_titles,
    words,
)
from assistant.knowledge.loader import DEFAULT_CORPUS_DIR, Corpus, load_corpus
from tests.conftest import invoke


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, target)
    return target


def test_bundled_corpus_passes_every_check(corpus: Corpus) -> None:
    report = check_corpus(corpus)
    assert report.problems == []


def test_93_controls_split_by_theme(corpus: Corpus) -> None:
    assert list(corpus.controls) == all_control_ids()
    themes = [c.theme for c in corpus.controls.values()]
    assert (
        themes.count("organizational"),
        themes.count("people"),
        themes.count("physical"),
        themes.count("technological"),
    ) == (37, 8, 14, 34)


def test_titles_are_the_official_2022_titles(corpus: Corpus) -> None:
    titles = official_titles()
    assert {c.id: c.title for c in corpus.controls.values()} == titles


def test_new_in_2022_flags(corpus: Corpus) -> None:
    assert {c.id for c in corpus.controls.values() if c.new_in_2022} == NEW_IN_2022
    assert len(NEW_IN_2022) == 11


def test_every_control_has_substantial_guidance_and_evidence(corpus: Corpus) -> None:
    for control in corpus.controls.values():
        assert 150 <= words(control.guidance) <= 350, control.id
        assert len(control.evidence) >= 3, control.id
        assert control.applicability.triggers and control.applicability.exclusion_reasons, control.id


def test_every_control_is_addressed_by_a_document(corpus: Corpus) -> None:
    unaddressed = [cid for cid, docs in corpus.documents_for_control.items() if not docs]
    assert unaddressed == []


def test_mandatory_documented_information_uses_2022_numbering(corpus: Corpus) -> None:
    mapped = {
        clause.id: [i.document for i in clause.documented_information if i.mandatory]
        for clause in corpus.clauses.values()
    }
    for clause_id in MANDATORY_ITEMS:
        assert mapped[clause_id], clause_id
    assert "nonconformity-and-corrective-action-register" in mapped["10.2"]
    assert not mapped["10.1"], "10.1 is continual improvement, it has no mandatory record"
    assert "statement-of-applicability" in mapped["6.1.3"]
    assert not mapped.get("9.2.1"), "the standard requires no internal audit procedure"


def test_catalogue_has_mandatory_set_and_18_operational_documents(corpus: Corpus) -> None:
    mandatory = {d.id for d in corpus.mandatory_documents()}
    assert {
        "isms-scope",
        "information-security-policy",
        "statement-of-applicability",
        "risk-assessment-and-treatment-methodology",
    } <= mandatory
    assert len(corpus.documents) - len(mandatory) >= 18


def test_no_near_duplicate_guidance(corpus: Corpus) -> None:
    assert near_duplicates(corpus) == []


def test_near_duplicate_guidance_is_flagged(corpus_copy: Path) -> None:
    source = yaml.safe_load((corpus_copy / "controls" / "A.8.13.yaml").read_text())
    target_path = corpus_copy / "controls" / "A.8.14.yaml"
    target = yaml.safe_load(target_path.read_text())
    target["guidance"] = source["guidance"]
    target_path.write_text(yaml.safe_dump(target, sort_keys=False))
    pairs = near_duplicates(load_corpus(corpus_copy))
    assert [(a, b) for a, b, _ in pairs] == [("A.8.13", "A.8.14")]


def _plant(corpus_copy: Path, file: str, field: str, value: object) -> list[str]:
    path = corpus_copy / file
    data = yaml.safe_load(path.read_text())
    data[field] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return check_corpus(load_corpus(corpus_copy)).problems


def test_2013_id_in_guidance_is_flagged(corpus_copy: Path) -> None:
    guidance = yaml.safe_load((corpus_copy / "controls/A.5.15.yaml").read_text())["guidance"]
    problems = _plant(corpus_copy, "controls/A.5.15.yaml", "guidance", guidance + " See A.9.2.3 too.")
    assert any("A.9.2.3" in p and "2013-style" in p for p in problems)


def test_unknown_related_control_is_flagged(corpus_copy: Path) -> None:
    problems = _plant(corpus_copy, "controls/A.5.15.yaml", "related", ["A.5.99"])
    assert any("A.5.99" in p for p in problems)


def test_wrong_title_and_new_flag_are_flagged(corpus_copy: Path) -> None:
    problems = _plant(corpus_copy, "controls/A.5.7.yaml", "title", "Threat hunting")
    assert any("A.5.7" in p and "title" in p for p in problems)
    problems = _plant(corpus_copy, "controls/A.5.7.yaml", "new_in_2022", False)
    assert any("new_in_2022 should be True" in p for p in problems)


def test_wrong_clause_number_is_flagged(corpus_copy: Path) -> None:
    purpose = yaml.safe_load((corpus_copy / "documents/isms-scope.yaml").read_text())["purpose"]
    problems = _plant(corpus_copy, "documents/isms-scope.yaml", "purpose", purpose + " See clause 10.3.")
    assert any("clause 10.3" in p for p in problems)


def test_missing_control_and_unaddressed_control(corpus_copy: Path) -> None:
    (corpus_copy / "controls/A.7.4.yaml").unlink()
    problems = check_corpus(load_corpus(corpus_copy)).problems
    assert any("controls missing: A.7.4" in p for p in problems)
    assert any("theme physical: expected 14" in p for p in problems)


def test_document_citing_unknown_control(corpus_copy: Path) -> None:
    problems = _plant(corpus_copy, "documents/access-control-policy.yaml", "controls", ["A.5.15", "A.5.77"])
    assert any("A.5.77" in p for p in problems)


def test_schema_error_is_check_failure_naming_file_and_line(corpus_copy: Path) -> None:
    path = corpus_copy / "controls/A.5.1.yaml"
    path.write_text(path.read_text().replace("theme: organizational", "theme: organisational"))
    with pytest.raises(CheckFailed) as info:
        load_corpus(corpus_copy)
    assert any(f"{path}:" in d and "theme" in d for d in info.value.details)


def test_yaml_syntax_error_is_input_error_with_line(corpus_copy: Path) -> None:
    path = corpus_copy / "clauses/4.1.yaml"
    path.write_text('id: "4.1"\ntitle: [broken\n')
    with pytest.raises(InputError) as info:
        load_corpus(corpus_copy)
    assert any(f"{path}:" in d and "YAML syntax" in d for d in info.value.details)


def test_cli_corpus_check(runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "corpus", "check")
    assert result.exit_code == 0, result.output
    assert "93" in result.output and "corpus OK" in result.output


def test_cli_corpus_check_exit_codes(corpus_copy: Path, runner) -> None:  # type: ignore[no-untyped-def]
    _plant(corpus_copy, "controls/A.5.15.yaml", "related", ["A.5.99"])
    result = invoke(runner, "corpus", "check", "--corpus", str(corpus_copy))
    assert result.exit_code == 1 and "A.5.99" in result.output
    (corpus_copy / "clauses/4.1.yaml").write_text("id: [\n")
    result = invoke(runner, "corpus", "check", "--corpus", str(corpus_copy))
    assert result.exit_code == 2 and "4.1.yaml" in result.output and "Traceback" not in result.output


def test_cli_corpus_export_json(runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "corpus", "export", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["controls"]) == 93
    first = data["controls"][0]
    assert first["id"] == "A.5.1" and first["theme"] == "organizational" and first["title"]
    assert (
        first["documents"] == ["information-security-policy"]
        or "information-security-policy" in first["documents"]
    )
    assert {c["id"] for c in data["clauses"]} >= {"4.3", "6.1.2", "9.2.2", "10.2"}
    doc = next(d for d in data["documents"] if d["id"] == "access-control-policy")
    assert set(doc) >= {"id", "title", "mandatory", "clauses", "controls"} and "A.5.15" in doc["controls"]
