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


# New structured inputs: each bad value is rejected with the field named.
@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["notifications"][0].update(notifier="nobody_here"), "notifications[0].notifier"),
        (lambda d: d["notifications"][0].update(deadline_hours=0), "notifications[0].deadline_hours"),
        (lambda d: d["notifications"][0].update(kind="police"), "notifications[0].kind"),
        (lambda d: d["notifications"][0].update(obligation="no-such-law"), "notifications[0].obligation"),
        (lambda d: d["locations"]["offices"][0].update(in_scope=False), "out of scope: give the reason"),
        (lambda d: d["identity"].update(legal_name="Other Ltd"), "legal_name 'Other Ltd' is not one of"),
        (lambda d: d["identity"]["legal_entities"][0].update(in_scope=False, reason=None), "give the reason"),
        (lambda d: d["objectives"][0].update(owner="ceo"), "objectives[0].owner 'ceo'"),
        (lambda d: d["objectives"][0].update(due="next spring"), "objectives[0].due"),
        (lambda d: d["objectives"][0].update(id="Bad Id"), "objectives[0].id"),
        (lambda d: d["services"][0].update(rto_hours=0), "services[0].rto_hours"),
        (lambda d: d["services"].append(dict(d["services"][0])), "services must be unique"),
        (
            lambda d: d["practices"]["reviews"].update(privileged_access=48),
            "practices.reviews.privileged_access",
        ),
        (lambda d: d["practices"]["reviews"].pop("user_access"), "practices.reviews.user_access"),
        (lambda d: d["context"]["issues"][0].update(kind="global"), "context.issues[0].kind"),
        (lambda d: d["context"]["interested_parties"][0].update(requirements=[]), "requirements"),
        (
            lambda d: d["context"]["interested_parties"][0].update(obligations=["nope"]),
            "interested_parties[0].obligations",
        ),
        (
            lambda d: d["roles"]["other"].append(
                {"id": "dpo", "role": "Privacy", "name": "A B", "title": "X"}
            ),
            "standard role",
        ),
        (
            lambda d: d["roles"]["other"].append(
                {"id": "Reg Lead", "role": "Reg", "name": "A B", "title": "X"}
            ),
            "roles.other",
        ),
    ],
)
def test_new_fields_reject_bad_values_naming_the_field(tmp_path: Path, change, named: str) -> None:  # type: ignore[no-untyped-def]
    data = example_profile_data()
    data["roles"].setdefault("other", [])
    change(data)
    assert named in str(_error(write_yaml(tmp_path / "p.yaml", data)))


def _old_format(tmp_path: Path) -> tuple[Path, dict]:  # type: ignore[type-arg]
    """An example profile written in the earlier format; returns its path and the review cadences."""
    data = example_profile_data()
    reviews = data["practices"].pop("reviews")
    data["practices"]["access_review_months"] = reviews["user_access"]
    data["practices"]["breach_notification_hours"] = 72
    data.pop("notifications")
    return write_yaml(tmp_path / "profile.yaml", data), reviews


def test_old_format_profile_names_each_field_to_change(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    path, _reviews = _old_format(tmp_path)
    err = str(_error(path))
    assert "practices.access_review_months" in err and "practices.breach_notification_hours" in err
    assert "isms profile upgrade" in err
    result = invoke(runner, "profile", "check", str(path))
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_profile_upgrade_converts_keeps_comments_and_a_backup(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    path, reviews = _old_format(tmp_path)
    original = "# Our profile, kept by the security lead\n" + path.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    dry = invoke(runner, "profile", "upgrade", str(path), "--dry-run")
    assert dry.exit_code == 0 and path.read_text(encoding="utf-8") == original
    result = invoke(runner, "profile", "upgrade", str(path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "profile.yaml.bak").read_text(encoding="utf-8") == original
    upgraded = path.read_text(encoding="utf-8")
    assert upgraded.startswith("# Our profile, kept by the security lead")
    profile = load_profile(path)
    assert profile.practices.reviews.user_access == reviews["user_access"]
    duty = profile.notifications[0]
    assert duty.deadline_hours == 72 and duty.kind == "personal_data_breach"
    again = invoke(runner, "profile", "upgrade", str(path))
    assert again.exit_code == 0 and "already in the current format" in again.output
    assert not (tmp_path / "profile.yaml.bak2").exists()


def test_answered_decision_is_not_asked_and_its_answer_is_written(tmp_path: Path) -> None:
    from assistant.cli.loading import load_inputs
    from assistant.drafting.engine import Engine
    from assistant.inputs.profile import Answer

    inputs = load_inputs(EXAMPLES / "kestrel-saas", provider="offline")
    question = "How long are approved management review minutes kept?"
    assert question in Engine(inputs).draft("management-review-minutes").decisions
    answered = inputs.profile.model_copy(
        update={
            "answers": [Answer(question=question.upper(), answer="Approved minutes are kept for six years")]
        }
    )
    import dataclasses

    draft = Engine(dataclasses.replace(inputs, profile=answered)).draft("management-review-minutes")
    assert question not in draft.decisions
    assert "Approved minutes are kept for six years." in "\n".join(s.text for s in draft.sections)
