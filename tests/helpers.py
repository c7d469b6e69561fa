"""Small builders shared by tests."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import EXAMPLES


def example_profile_data(name: str = "kestrel-saas") -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / name / "profile.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


RISK_HEADER = "id,title,description,owner,likelihood,impact,treatment,controls\n"


def write_risks(path: Path, *rows: str) -> Path:
    path.write_text(RISK_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


# The front matter fields of ARCHITECTURE.md's output contract, written out here on purpose: tests state
# the contract independently of the code that implements it.
CONTRACT_FRONT_MATTER = {
    "id",
    "title",
    "version",
    "status",
    "owner",
    "approver",
    "classification",
    "effective_date",
    "next_review",
    "clauses",
    "controls",
    "generated_by",
    "inputs_hash",
}


def generate_example(tmp_path_factory: Any, label: str, name: str = "kestrel-saas") -> Path:
    """A generated copy of an example workspace (offline), made once per test module."""
    from typer.testing import CliRunner

    from tests.conftest import copy_example, invoke

    ws = tmp_path_factory.mktemp(label) / "kestrel"
    copy_example(name, ws)
    assert invoke(CliRunner(), "generate", "--workspace", str(ws), "--provider", "offline").exit_code == 0
    return ws


def private_copy(generated: Path, tmp_path: Path) -> Path:
    """A test's own copy of a generated workspace."""
    import shutil

    target = tmp_path / "kestrel"
    shutil.copytree(generated, target)
    return target


def kestrel_copy(tmp_path: Path, docs: dict[str, str] | None = None) -> Path:
    """A copy of the kestrel-saas example at tmp_path/kestrel, with `docs` (file name -> text) added to docs/."""
    from tests.conftest import copy_example

    target = tmp_path / "kestrel"
    copy_example("kestrel-saas", target)
    for name, text in (docs or {}).items():
        (target / "docs" / name).write_text(text, encoding="utf-8")
    return target


LOOPBACK_KEY = "sk-test-loopback-key-000000"


@contextmanager
def loopback_openai(monkeypatch: Any, retries: int | None = None) -> Iterator[Any]:
    """A loopback OpenAI-compatible server with a test key; requests go one at a time (scripted replies meet
    them in a known order), and `retries` transport retries when given."""
    from tests.openai_server import FakeOpenAI

    monkeypatch.setenv("OPENAI_API_KEY", LOOPBACK_KEY)
    monkeypatch.setenv("ISMS_CONCURRENCY", "1")
    if retries is not None:
        monkeypatch.setenv("ISMS_MAX_RETRIES", str(retries))
    with FakeOpenAI() as fake:
        yield fake
