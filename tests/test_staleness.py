"""Stale flags: which documents the next generation redrafts, and why, named before anything is redrafted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import Engine
from assistant.drafting.inputs_hash import RISK_DOCS
from assistant.generation.runner import select_documents
from assistant.generation.staleness import NOT_GENERATED, Stale, stale_documents
from tests.conftest import copy_example, invoke
from tests.helpers import generate_example, private_copy


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "stale")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def _stale(ws: Path) -> dict[str, Stale]:
    data = load_inputs(ws)
    return {s.doc_id: s for s in stale_documents(data, Engine(data), select_documents(data, None))}


def _generate(ws: Path) -> str:
    result = invoke(CliRunner(), "generate", "--workspace", str(ws), "--provider", "offline")
    assert result.exit_code == 0, result.output
    return result.output


def test_a_fresh_set_is_up_to_date_and_a_missing_one_is_not_generated(ws: Path, tmp_path: Path) -> None:
    assert _stale(ws) == {}
    fresh = copy_example("kestrel-saas", tmp_path / "fresh")
    found = _stale(fresh)
    assert len(found) == len(select_documents(load_inputs(fresh), None))
    assert all(s.reasons == (NOT_GENERATED,) for s in found.values())


def test_a_profile_change_names_the_section_and_regenerating_clears_it(ws: Path) -> None:
    profile = ws / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    assert "headcount: " in text
    profile.write_text(text.replace("headcount: ", "headcount: 1", 1), encoding="utf-8")
    found = _stale(ws)
    assert "information-security-policy" in found
    assert all(s.reasons == ("profile changed: identity",) for s in found.values()), found
    _generate(ws)
    assert _stale(ws) == {}


def test_a_risk_change_names_the_risk_and_only_its_documents(ws: Path) -> None:
    register = ws / "risks.csv"
    lines = register.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("R-001,")
    lines[1] = lines[1].replace("AWS administrator credential compromise", "AWS admin credential theft", 1)
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = _stale(ws)
    assert "risk-treatment-plan" in found
    assert "risk register: R-001 changed" in found["risk-treatment-plan"].reasons
    # Only the documents drafted from R-001 are touched: the risk documents and those sharing its controls.
    data = load_inputs(ws)
    assert data.register is not None
    r001 = next(r for r in data.register.risks if r.id == "R-001")
    for doc_id, stale in found.items():
        doc = data.corpus.documents[doc_id]
        assert doc_id in RISK_DOCS or set(doc.controls) & set(r001.controls), doc_id
        assert stale.reasons == ("risk register: R-001 changed",)
    assert 0 < len(found) < len(data.corpus.documents)


def test_a_damaged_output_and_an_older_manifest_still_get_a_reason(ws: Path) -> None:
    (ws / "out" / "cryptography-policy.docx").unlink()
    assert _stale(ws)["cryptography-policy"].reasons == ("an output file is missing or damaged",)
    manifest = ws / "out" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for entry in data["documents"]:
        entry.pop("inputs_parts", None)
    manifest.write_text(json.dumps(data), encoding="utf-8")
    profile = ws / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("headcount: ", "headcount: 1", 1))
    assert _stale(ws)["isms-scope"].reasons == ("its inputs changed since it was generated",)


def test_generate_dry_run_says_what_and_why_and_writes_nothing(ws: Path) -> None:
    profile = ws / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("headcount: ", "headcount: 1", 1))
    before = {p: p.read_bytes() for p in (ws / "out").iterdir()}
    result = invoke(CliRunner(), "generate", "--workspace", str(ws), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would be drafted again" in result.output
    assert "information-security-policy: profile changed: identity" in result.output
    assert {p: p.read_bytes() for p in (ws / "out").iterdir()} == before
