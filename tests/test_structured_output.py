"""Structured output on real endpoints (issue 17, item 1): strict json_schema first, then tool calling, then
json_object, then fenced JSON, each tried when the endpoint refuses the one before with a 400; the mode that
works is remembered per base URL and model in the workspace; a truncated answer is an error that says so."""

from __future__ import annotations

import json
from pathlib import Path

import frontmatter
import pytest
from typer.testing import CliRunner

from tests.conftest import invoke
from tests.helpers import kestrel_copy, loopback_openai
from tests.openai_server import FakeOpenAI

DOC = "cryptography-policy"
LM_STUDIO = "'response_format.type' must be 'json_schema' or 'text'"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return kestrel_copy(tmp_path)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with loopback_openai(monkeypatch, retries=0) as fake:
        yield fake


def _draft(ws: Path, server: FakeOpenAI) -> object:
    return invoke(
        CliRunner(),
        "draft",
        DOC,
        "--provider",
        "openai",
        "--base-url",
        server.base_url,
        "--workspace",
        str(ws),
    )


def _capabilities(ws: Path) -> dict[str, str]:
    return dict(json.loads((ws / ".isms" / "llm-capabilities.json").read_text(encoding="utf-8")))


def test_strict_json_schema_is_asked_first_and_remembered(ws: Path, server: FakeOpenAI) -> None:
    result = _draft(ws, server)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert set(server.modes) == {"json_schema"}
    assert _capabilities(ws) == {f"{server.base_url}|gpt-4o-mini": "json_schema"}
    assert frontmatter.load(ws / "out" / f"{DOC}.md").content.count("## ") >= 3


@pytest.mark.parametrize(
    ("refused", "used"),
    [
        ({"json_schema": "response_format json_schema is not supported"}, "tools"),
        ({"json_schema": "no json_schema", "tools": "tools are not supported by this model"}, "json_object"),
        ({"json_schema": "no", "tools": "no", "json_object": LM_STUDIO}, "fenced"),  # LM Studio's answer
    ],
)
def test_each_refused_mode_falls_back_to_the_next(
    ws: Path, server: FakeOpenAI, refused: dict[str, str], used: str
) -> None:
    server.reject = refused
    result = _draft(ws, server)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    # each refused mode is asked once, then every request uses the mode that worked
    assert server.modes[: len(refused)] == list(refused)
    assert set(server.modes[len(refused) :]) == {used}
    assert _capabilities(ws)[f"{server.base_url}|gpt-4o-mini"] == used
    server.modes.clear()
    (ws / "out" / f"{DOC}.md").unlink()
    for cached in (ws / ".isms" / "cache" / "llm").rglob("*.json"):
        cached.unlink()
    result = _draft(ws, server)  # a later run asks the remembered way at once
    assert result.exit_code == 0 and set(server.modes) == {used}  # type: ignore[attr-defined]


def test_an_endpoint_refusing_every_mode_shows_its_own_words(ws: Path, server: FakeOpenAI) -> None:
    server.reject = {m: f"nope for {m}" for m in ("json_schema", "tools", "json_object", "fenced")}
    result = _draft(ws, server)
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 1 and "Traceback" not in out  # type: ignore[attr-defined]
    assert "refused every way of asking" in out and "nope for json_object" in out and "HTTP 400" in out
    assert not (ws / "out" / f"{DOC}.md").exists()


def test_a_truncated_answer_is_an_error_that_says_so(ws: Path, server: FakeOpenAI) -> None:
    server.truncate()
    result = _draft(ws, server)
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 1, out  # type: ignore[attr-defined]
    assert "finish_reason=length" in out and "ISMS_MAX_OUTPUT_TOKENS" in out and "Traceback" not in out
    assert len(server.chat_requests) == 1  # not re-asked: the same limit would cut it again
    assert not (ws / "out" / f"{DOC}.md").exists()


def test_max_output_tokens_setting_reaches_the_request(
    ws: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISMS_MAX_OUTPUT_TOKENS", "900")
    assert _draft(ws, server).exit_code == 0  # type: ignore[attr-defined]
    assert {body["max_completion_tokens"] for body in server.chat_requests} == {900}


def test_a_damaged_capabilities_file_is_only_a_lost_hint(ws: Path, server: FakeOpenAI) -> None:
    (ws / ".isms").mkdir(exist_ok=True)
    (ws / ".isms" / "llm-capabilities.json").write_text("{not json", encoding="utf-8")
    assert _draft(ws, server).exit_code == 0  # type: ignore[attr-defined]
    assert server.modes[0] == "json_schema"
