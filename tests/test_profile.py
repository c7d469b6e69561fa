from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.inputs.profile import load_profile
from tests.conftest import ALL_EXAMPLES, EXAMPLES, invoke
from tests.helpers import example_profile_data, write_yaml


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_examples_validate(name: str) -> None:
    profile = load_profile(EXAMPLES / name / "profile.yaml")
    assert profile.identity.name
    assert profile.roles.approvers
    assert profile.obligations


@pytest.mark.parametrize(
    ("first", "second"), [(a, b) for i, a in enumerate(ALL_EXAMPLES) for b in ALL_EXAMPLES[i + 1 :]]
)
def test_examples_differ_where_documents_should(first: str, second: str) -> None:
    a, b = (load_profile(EXAMPLES / n / "profile.yaml") for n in (first, second))
    assert a.identity.jurisdictions != b.identity.jurisdictions
    assert a.technology.identity.provider != b.technology.identity.provider
    assert a.technology.cloud_providers != b.technology.cloud_providers
    assert a.risk_criteria.acceptance_threshold != b.risk_criteria.acceptance_threshold
    assert {o.id for o in a.obligations} != {o.id for o in b.obligations}


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_profile(path)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(err) and "not found" in str(err)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text("  \n", encoding="utf-8")
    assert "empty" in str(_error(path))


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "binary" in str(_error(path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_bytes("identity:\n  name: Caf\xe9\n".encode("latin-1"))
    assert "UTF-8" in str(_error(path))


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text("identity:\n  name: Acme\n  sector: [unclosed\nroles: {}\n", encoding="utf-8")
    err = _error(path)
    assert "YAML syntax error" in str(err)
    assert f"{path}:4" in str(err) or f"{path}:3" in str(err)


def test_top_level_not_mapping(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    assert "mapping" in str(_error(path))


def test_unknown_field_suggests_closest(tmp_path: Path) -> None:
    data = example_profile_data()
    data["roles"]["isms_ownr"] = data["roles"].pop("isms_owner")
    err = _error(write_yaml(tmp_path / "profile.yaml", data))
    text = str(err)
    assert "roles.isms_ownr: unknown field; did you mean 'isms_owner'?" in text
    assert "roles.isms_owner: required field is missing" in text


def test_unknown_top_level_field_suggests(tmp_path: Path) -> None:
    data = example_profile_data()
    data["supliers"] = data.pop("suppliers")
    assert "did you mean 'suppliers'" in str(_error(write_yaml(tmp_path / "profile.yaml", data)))


def test_wrong_type_names_field_line_and_value(tmp_path: Path) -> None:
    data = example_profile_data()
    data["identity"]["headcount"] = "about sixty"
    path = write_yaml(tmp_path / "profile.yaml", data)
    text = str(_error(path))
    line = next(i for i, text_line in enumerate(path.read_text().splitlines(), 1) if "headcount" in text_line)
    assert f"{path}:{line}: identity.headcount:" in text
    assert "'about sixty'" in text


def test_out_of_range_threshold(tmp_path: Path) -> None:
    data = example_profile_data()
    data["risk_criteria"]["acceptance_threshold"] = 40
    assert "risk_criteria.acceptance_threshold" in str(_error(write_yaml(tmp_path / "p.yaml", data)))


def test_scale_needs_five_levels(tmp_path: Path) -> None:
    data = example_profile_data()
    data["risk_criteria"]["impact_scale"].pop(5)
    assert "levels 1 to 5" in str(_error(write_yaml(tmp_path / "p.yaml", data)))


def test_approver_must_be_named_in_roles(tmp_path: Path) -> None:
    data = example_profile_data()
    data["roles"]["approvers"] = ["Somebody Unknown"]
    assert "Somebody Unknown" in str(_error(write_yaml(tmp_path / "p.yaml", data)))


def test_bad_exclusion_control_id(tmp_path: Path) -> None:
    data = example_profile_data()
    data["scope"]["exclusions"] = [
        {"control": "A.11.1.1", "justification": "We have no premises of our own."}
    ]
    assert "A.11.1.1" in str(_error(write_yaml(tmp_path / "p.yaml", data)))


def test_cli_profile_check_ok(runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "profile", "check", "--workspace", str(EXAMPLES / "kestrel-saas"))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01\x02binary", b"a: [1, 2\n", b"identity: {name: 3}\nfoo: 1\n"]
)
def test_cli_bad_profile_exit_2_without_traceback(tmp_path: Path, runner, content: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "profile.yaml"
    path.write_bytes(content)
    result = invoke(runner, "profile", "check", str(path))
    assert result.exit_code == 2
    assert str(path) in result.output.replace("\n", "")
    assert "Traceback" not in result.output


def test_cli_missing_workspace_exit_2(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "profile", "check", "--workspace", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "workspace folder not found" in result.output
