"""The openai path: the real openai client over real HTTP against a loopback OpenAI-compatible server."""

from __future__ import annotations

import json
import re
from pathlib import Path

import frontmatter
import pytest

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import Engine
from assistant.drafting.llm import DraftStepFailed
from assistant.tokens import count_tokens
from tests.conftest import invoke
from tests.helpers import kestrel_copy, loopback_openai
from tests.openai_server import FakeOpenAI

DOC = "cryptography-policy"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return kestrel_copy(tmp_path)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with loopback_openai(monkeypatch, retries=2) as fake:
        yield fake


def _sections(ws: Path) -> int:
    return len(load_inputs(ws, provider="offline").corpus.documents[DOC].sections)


def _draft(runner, ws: Path, server: FakeOpenAI, doc: str = DOC, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(
        runner,
        "draft",
        doc,
        "--provider",
        "openai",
        "--base-url",
        server.base_url,
        "--workspace",
        str(ws),
        *extra,
    )


def test_normal_structured_reply(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    result = _draft(runner, ws, server)
    assert result.exit_code == 0, result.output
    assert f"provider openai, model gpt-4o-mini at {server.base_url}" in result.output
    post = frontmatter.load(ws / "out" / f"{DOC}.md")
    assert post["generated_by"] == {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "prompt_version": "draft_section.v3",
    }
    assert len(server.chat_requests) == _sections(ws)
    allowed = [
        line for b in server.chat_requests for m in b["messages"] for line in m["content"].splitlines()
        if line.startswith("Allowed citations: ")
    ]  # fmt: skip
    assert allowed and any("A.8.24" in line for line in allowed)
    for body in server.chat_requests:
        fmt = body["response_format"]  # strict structured output: the schema, not pasted JSON rules
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        schema = fmt["json_schema"]["schema"]
        assert schema["required"] == ["text", "cited_ids"] and schema["additionalProperties"] is False
        assert "heading" not in schema["properties"]  # the code knows the heading: never echoed
        assert schema["properties"]["cited_ids"]["items"]["enum"]  # only the allowed ids can be cited
        assert 0 < body["max_completion_tokens"] <= 4096  # langchain's name for max_tokens
        prompt = "\n".join(m["content"] for m in body["messages"])
        assert "Allowed citations: " in prompt and "Kestrel Analytics" in prompt
        assert "Rules to keep:" in prompt
        assert count_tokens(prompt) <= 6000
    assert re.search(r"\[(?:A\.)?\d+\.\d+(?:\.\d+)?\]", post.content)  # every section cites
    assert "sk-test-loopback" not in (ws / "out" / f"{DOC}.md").read_text()


def test_429_then_success(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    server.fail(429, {"retry-after-ms": "20"})
    result = _draft(runner, ws, server)
    assert result.exit_code == 0, result.output
    assert len(server.chat_requests) == _sections(ws) + 1


def test_500_fails_the_document_after_retries(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        server.fail(500, {"retry-after-ms": "10"})
    result = _draft(runner, ws, server)
    assert result.exit_code == 1
    assert "HTTP 500" in result.output and "Traceback" not in result.output
    assert len(server.chat_requests) == 3  # first try + 2 retries
    assert not (ws / "out" / f"{DOC}.md").exists()


def test_timeout_is_retried(runner, ws: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ISMS_TIMEOUT_SECONDS", "1")
    server.stall(2.5)
    result = _draft(runner, ws, server)
    assert result.exit_code == 0, result.output
    assert len(server.chat_requests) == _sections(ws) + 1


def test_malformed_json_is_re_asked(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    server.reply("{this is not json")
    result = _draft(runner, ws, server)
    assert result.exit_code == 0, result.output
    assert len(server.chat_requests) == _sections(ws) + 1
    second = server.chat_requests[1]["messages"]
    assert second[-2]["role"] == "assistant" and "not valid" in second[-1]["content"]


def test_invalid_citation_is_re_asked(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    heading = load_inputs(ws, provider="offline").corpus.documents[DOC].sections[0].heading
    bad = {
        "heading": heading,
        "cited_ids": ["A.9.1.1"],
        "text": "Kestrel Analytics encrypts data as required by [A.9.1.1] and [A.5.15]. " * 6,
    }
    server.reply(json.dumps(bad))
    result = _draft(runner, ws, server)
    assert result.exit_code == 0, result.output
    feedback = server.chat_requests[1]["messages"][-1]["content"]
    assert "A.9.1.1" in feedback and "not in the provided context" in feedback
    assert "A.9.1.1" not in (ws / "out" / f"{DOC}.md").read_text()


def test_invented_vendor_is_re_asked(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    heading = load_inputs(ws, provider="offline").corpus.documents[DOC].sections[0].heading
    server.reply(
        json.dumps(
            {
                "heading": heading,
                "cited_ids": ["A.8.24"],
                "text": "Keys are kept in HashiCorp Vault and Intune manages laptops [A.8.24]. " * 6,
            }
        )
    )
    result = _draft(runner, ws, server)
    assert result.exit_code == 0
    assert "HashiCorp Vault" in server.chat_requests[1]["messages"][-1]["content"]


def test_auth_failure_is_exit_2(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    server.fail(401)
    result = _draft(runner, ws, server)
    assert result.exit_code == 2
    assert "rejected the API key" in result.output and "OPENAI_API_KEY" in result.output
    assert "sk-test-loopback" not in result.output


def test_second_identical_run_sends_zero_requests(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    assert _draft(runner, ws, server).exit_code == 0
    chats, embeddings = len(server.chat_requests), server.embedding_requests
    result = _draft(runner, ws, server)
    assert result.exit_code == 0
    assert (len(server.chat_requests), server.embedding_requests) == (chats, embeddings)
    assert f"0 model call(s), {_sections(ws)} cached" in result.output.replace("\n", " ")


def test_malformed_output_fails_one_document_and_others_complete(ws: Path, server: FakeOpenAI) -> None:
    inputs = load_inputs(ws, provider="openai", base_url=server.base_url)
    engine = Engine(inputs)
    for _ in range(3):
        server.reply("not json at all")
    with pytest.raises(DraftStepFailed) as info:
        engine.draft(DOC)
    assert "still invalid after 3 attempts" in str(info.value)
    assert engine.draft("clear-desk-and-screen-policy").sections


def test_soa_rules_override_the_model(ws: Path, server: FakeOpenAI) -> None:
    inputs = load_inputs(ws, provider="openai", base_url=server.base_url)
    engine = Engine(inputs)
    threshold = inputs.profile.risk_criteria.acceptance_threshold
    first_batch = list(inputs.corpus.controls)[:12]
    must = next(
        c
        for c in first_batch
        if any(r.score > threshold and r.treatment != "accept" for r in inputs.register.treating(c))
    )
    rows = [
        {
            "control_id": c,
            "applicable": c != must,
            "implementation_status": "partial",
            "justification": f"Model view of {c}.",
            "evidence": "records",
        }
        for c in first_batch
    ]
    server.reply(json.dumps({"rows": rows}))
    soa = engine.soa()
    row = next(r for r in soa.rows if r.control_id == must)
    assert row.applicable == "yes"
    assert any(must in note and "made applicable" in note for note in soa.notes)
    assert len(soa.rows) == 93 and len(server.chat_requests) == 8  # 93 controls in batches of 12


def test_refine_through_the_model(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    assert _draft(runner, ws, server).exit_code == 0
    before = len(server.chat_requests)
    heading = load_inputs(ws, provider="offline").corpus.documents[DOC].sections[0].heading
    server.reply(
        json.dumps(
            {
                "heading": heading,
                "cited_ids": ["A.8.24"],
                "text": "Kestrel Analytics rotates encryption keys every year [A.8.24]. " * 8,
            }
        )
    )
    result = _draft(
        runner, ws, server, DOC, "--section", "1", "--instruction", "Mention that keys rotate yearly"
    )
    assert result.exit_code == 0, result.output
    assert len(server.chat_requests) == before + 1
    prompt = server.chat_requests[-1]["messages"][-1]["content"]
    assert "Reviewer's instruction: Mention that keys rotate yearly" in prompt
    post = frontmatter.load(ws / "out" / f"{DOC}.md")
    assert post["version"] == "0.2" and "rotates encryption keys every year" in post.content


def test_drafting_notes_from_the_model_are_re_asked(runner, ws: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    """The evaluation's register rules are part of the one checker: a model that describes the document
    instead of stating its rules is asked again, and the note never reaches the file."""
    heading = load_inputs(ws, provider="offline").corpus.documents[DOC].sections[0].heading
    note = "This policy sets out how Kestrel Analytics approaches encryption across its systems [A.8.24]."
    server.reply(json.dumps({"heading": heading, "cited_ids": ["A.8.24"], "text": note}))
    result = _draft(runner, ws, server)
    assert result.exit_code == 0, result.output
    feedback = server.chat_requests[1]["messages"][-1]["content"]
    assert "drafting note (self-description)" in feedback and "state the rule itself" in feedback
    assert note not in (ws / "out" / f"{DOC}.md").read_text()
