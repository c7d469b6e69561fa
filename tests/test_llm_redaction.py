"""Secrets and personal data never reach a chat endpoint (issue 17, item 4): prompts are redacted before
every request, ISMS_LOCAL_ONLY refuses an endpoint off this machine, and the API key is written nowhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke
from tests.helpers import kestrel_copy
from tests.openai_server import FakeOpenAI

DOC = "access-control-policy"
KEY = "sk-test-loopback-key-000000"
AWS = "AKIAIOSFODNN7EXAMPLE"
STRANGER = "jo.bloggs@gmail.com"
PLANTED = f"""# Access rules (2023)

## Administrator access

- Administrators must sign in to the AWS console with the break-glass key {AWS} only when Okta is down.
- Administrator access requests must be approved by the Head of Security before access is granted.
- Questions about administrator access must go to {STRANGER} or 07700 900123 before access is granted.
- password: Winter2023!Admin must never be shared outside the administrator access group.
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return kestrel_copy(tmp_path, {"access-rules-2023.md": PLANTED})


def _draft(ws: Path, base_url: str) -> object:
    return invoke(
        CliRunner(), "draft", DOC, "--provider", "openai", "--base-url", base_url, "--workspace", str(ws)
    )


def test_no_secret_or_strangers_contact_reaches_the_model(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ISMS_REDACT_PII", "true")
    with FakeOpenAI() as server:
        result = _draft(ws, server.base_url)
        bodies = [json.dumps(b) for b in server.chat_requests]
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert bodies
    for body in bodies:
        assert AWS not in body and STRANGER not in body and "Winter2023!Admin" not in body
        assert "07700 900123" not in body
    for path in ws.rglob("*"):  # the API key is written nowhere in the workspace
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_local_only_refuses_a_remote_endpoint_before_any_request(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ISMS_LOCAL_ONLY", "true")
    result = _draft(ws, "https://api.example.com/v1")
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 2 and "ISMS_LOCAL_ONLY" in out and "Traceback" not in out  # type: ignore[attr-defined]
    with FakeOpenAI() as server:  # a loopback endpoint is fine
        assert _draft(ws, server.base_url).exit_code == 0  # type: ignore[attr-defined]
        assert server.chat_requests


def test_every_prompt_is_redacted_before_it_is_sent(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The model client itself: whatever a prompt carries (a docs/ rule, a reviewer's instruction), the
    request body holds the redacted text, and the cache is keyed by it."""
    from assistant.cli.loading import load_inputs
    from assistant.drafting.cache import ResponseCache
    from assistant.drafting.llm import ChatModel
    from assistant.drafting.models import SectionDraft
    from assistant.redact import redactor_for
    from assistant.settings import load_settings

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    profile = load_inputs(ws, provider="offline").profile
    with FakeOpenAI() as server:
        settings = load_settings(base_url=server.base_url, redact_pii=True)
        chat = ChatModel(settings, ResponseCache(ws / ".isms" / "c"), redact=redactor_for(settings, profile))
        server.reply(
            json.dumps({"text": "Access is approved by the Head of Security [A.5.15].", "cited_ids": []})
        )
        user = 'Write the section "Access". Allowed citations: A.5.15\n' + PLANTED
        chat.structured(SectionDraft, "system", user, "test.v1", lambda _p: [])
        body = json.dumps(server.chat_requests[0])
    assert AWS not in body and STRANGER not in body and "Winter2023!Admin" not in body
    assert "07700 900123" not in body and "[REDACTED:" in body
    assert "Head of Security" in body  # ordinary text is untouched
