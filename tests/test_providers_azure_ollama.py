"""The azure and ollama providers: Azure OpenAI's deployment paths, api-version and credentials (an API key or
an Entra ID token) with strict json_schema output; Ollama's native /api/chat with the reply's schema as its
`format` and ISMS_OLLAMA_NUM_CTX; both draft documents recorded under their provider, and both keep the
length check, settings errors (exit 2) and redaction of the openai provider."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import frontmatter
import pytest
from typer.testing import CliRunner

from tests.conftest import invoke
from tests.helpers import kestrel_copy
from tests.openai_server import FakeAzure, FakeOllama

DOC = "cryptography-policy"
KEY = "azure-test-loopback-key-000000"
TOKEN = "entra-test-token-000000"
DEPLOYMENT = "isms-gpt4o"
VERSION = "2024-06-01"
AWS = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return kestrel_copy(tmp_path)


@pytest.fixture(autouse=True)
def _no_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ISMS_MAX_RETRIES", "0")
    monkeypatch.setenv("ISMS_CONCURRENCY", "1")


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with FakeAzure() as fake:
        monkeypatch.setenv("ISMS_AZURE_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("ISMS_AZURE_DEPLOYMENT", DEPLOYMENT)
        monkeypatch.setenv("ISMS_AZURE_API_VERSION", VERSION)
        yield fake


def _draft(ws: Path, provider: str, *extra: str) -> object:
    return invoke(CliRunner(), "draft", DOC, "--provider", provider, "--workspace", str(ws), *extra)


def _recorded(ws: Path, provider: str, model: str) -> None:
    """The document is written, and its front matter and the manifest name the provider and model."""
    post = frontmatter.load(ws / "out" / f"{DOC}.md")
    assert post.content.count("## ") >= 3
    assert post["generated_by"]["provider"] == provider and post["generated_by"]["model"] == model
    manifest = json.loads((ws / "out" / "manifest.json").read_text(encoding="utf-8"))
    docs = manifest["documents"]
    entry = next(d for d in (docs.values() if isinstance(docs, dict) else docs) if d["id"] == DOC)
    assert entry["provider"] == provider and entry["model"] == model
    assert entry["prompt_tokens"] > 0 and entry["completion_tokens"] > 0


# Azure OpenAI ---------------------------------------------------------------------------------------------


def test_azure_drafts_through_the_deployment_path_with_the_api_key(
    ws: Path, azure: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    result = _draft(ws, "azure")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert azure.paths
    for path, headers, body in zip(azure.paths, azure.headers, azure.chat_requests, strict=True):
        url = urlsplit(path)
        assert url.path == f"/openai/deployments/{DEPLOYMENT}/chat/completions"
        assert parse_qs(url.query) == {"api-version": [VERSION]}
        assert headers.get("api-key") == KEY and "authorization" not in headers
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
        assert fmt["json_schema"]["schema"]["additionalProperties"] is False
    assert set(azure.modes) == {"json_schema"}
    _recorded(ws, "azure", "gpt-4o-mini")
    for path in ws.rglob("*"):  # the key is written nowhere in the workspace
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_azure_with_an_entra_id_token_sends_it_as_a_bearer(
    ws: Path, azure: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISMS_AZURE_AD_TOKEN", TOKEN)
    monkeypatch.setenv("ISMS_MODEL", "gpt-4o")
    monkeypatch.delenv("ISMS_AZURE_DEPLOYMENT")  # the deployment defaults to the model name
    result = _draft(ws, "azure")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert {urlsplit(p).path for p in azure.paths} == {"/openai/deployments/gpt-4o/chat/completions"}
    assert {h.get("authorization") for h in azure.headers} == {f"Bearer {TOKEN}"}
    assert not any("api-key" in h for h in azure.headers)
    _recorded(ws, "azure", "gpt-4o")


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        ("ISMS_AZURE_ENDPOINT", ["ISMS_AZURE_ENDPOINT"]),
        ("AZURE_OPENAI_API_KEY", ["AZURE_OPENAI_API_KEY", "ISMS_AZURE_AD_TOKEN"]),
    ],
)
def test_azure_without_endpoint_or_credentials_stops_before_any_request(
    ws: Path, azure: FakeAzure, monkeypatch: pytest.MonkeyPatch, unset: str, named: list[str]
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ISMS_BASE_URL", azure.base_url)  # not a stand-in for the Azure endpoint
    monkeypatch.delenv(unset)
    result = _draft(ws, "azure")
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 2, out  # type: ignore[attr-defined]
    assert all(name in out for name in named) and "Traceback" not in out
    assert not azure.chat_requests and not (ws / "out" / f"{DOC}.md").exists()


def test_azure_keeps_local_only(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ISMS_AZURE_ENDPOINT", "https://contoso.openai.azure.com")
    monkeypatch.setenv("ISMS_LOCAL_ONLY", "true")
    result = _draft(ws, "azure")
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 2 and "ISMS_LOCAL_ONLY" in out and "contoso" in out  # type: ignore[attr-defined]


# Ollama ---------------------------------------------------------------------------------------------------


def test_ollama_asks_with_the_schema_as_format_and_num_ctx(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_OLLAMA_NUM_CTX", "16384")
    monkeypatch.setenv("ISMS_MODEL", "llama3.1:8b")
    with FakeOllama() as ollama:
        result = _draft(ws, "ollama", "--base-url", ollama.base_url)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert ollama.chat_requests
    for body in ollama.chat_requests:
        assert body["model"] == "llama3.1:8b" and body["options"]["num_ctx"] == 16384
        fmt = body["format"]  # the section reply's own strict schema: the text and the ids it cites
        assert fmt["type"] == "object" and fmt["additionalProperties"] is False
        assert set(fmt["properties"]) == set(fmt["required"]) == {"text", "cited_ids"}
        assert body["options"]["num_predict"] > 0  # the chain's answer limit
        assert "response_format" not in body and not body.get("tools")
    _recorded(ws, "ollama", "llama3.1:8b")
    capabilities = json.loads((ws / ".isms" / "llm-capabilities.json").read_text(encoding="utf-8"))
    assert capabilities == {f"{ollama.base_url}|llama3.1:8b": "ollama_format"}


def test_ollama_default_num_ctx_and_the_v1_suffix(ws: Path) -> None:
    with FakeOllama() as ollama:  # the OpenAI-compatible /v1 URL of the same server still reaches /api/chat
        result = _draft(ws, "ollama", "--base-url", f"{ollama.base_url}/v1")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert {b["options"]["num_ctx"] for b in ollama.chat_requests} == {8192}


def test_ollama_cut_off_answer_is_an_error_naming_the_limit(ws: Path) -> None:
    with FakeOllama() as ollama:
        ollama.truncate()
        result = _draft(ws, "ollama", "--base-url", ollama.base_url)
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 1, out  # type: ignore[attr-defined]
    assert "ISMS_MAX_OUTPUT_TOKENS" in out and "Traceback" not in out
    assert len(ollama.chat_requests) == 1  # not re-asked: the same limit would cut it again
    assert not (ws / "out" / f"{DOC}.md").exists()


def test_ollama_missing_model_names_the_setting(ws: Path) -> None:
    with FakeOllama() as ollama:
        ollama.fail(404, "model 'llama3.1' not found, try pulling it first")
        result = _draft(ws, "ollama", "--base-url", ollama.base_url, "--model", "llama3.1")
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 2 and "ISMS_MODEL" in out and "ollama pull llama3.1" in out  # type: ignore[attr-defined]
    assert "Traceback" not in out


def test_ollama_prompts_are_redacted(ws: Path) -> None:
    from assistant.cli.loading import load_inputs
    from assistant.drafting.cache import ResponseCache
    from assistant.drafting.chat_clients import endpoint_url
    from assistant.drafting.llm import ChatModel
    from assistant.drafting.models import SectionDraft
    from assistant.redact import redactor_for
    from assistant.settings import load_settings

    profile = load_inputs(ws, provider="offline").profile
    with FakeOllama() as ollama:
        settings = load_settings(base_url=ollama.base_url, provider="ollama")
        redact = redactor_for(settings, profile, endpoint_url("ollama", settings))
        chat = ChatModel(settings, ResponseCache(ws / ".isms" / "c"), redact=redact, provider="ollama")
        ollama.reply(
            json.dumps({"heading": "Access", "text": "Access is approved [A.5.15].", "cited_ids": []})
        )
        user = f'Write the section "Access". Allowed citations: A.5.15\n- Use the break-glass key {AWS}.'
        parsed, usage = chat.structured(SectionDraft, "system", user, "test.v1", lambda _p: [])
        body = json.dumps(ollama.chat_requests[0])
    assert AWS not in body and "[REDACTED:" in body and "break-glass key" in body
    assert parsed.text == "Access is approved [A.5.15]."
    assert (usage.prompt_tokens, usage.completion_tokens, usage.calls) == (100, 50, 1)  # Ollama's counts


def test_ollama_keeps_local_only(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_LOCAL_ONLY", "true")
    result = _draft(ws, "ollama", "--base-url", "http://gpu-box.example.com:11434")
    out = " ".join(result.output.split())  # type: ignore[attr-defined]
    assert result.exit_code == 2 and "ISMS_LOCAL_ONLY" in out  # type: ignore[attr-defined]


def test_auto_still_means_openai_or_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.providers import provider_names
    from assistant.settings import load_settings

    assert {"azure", "ollama", "openai", "offline"} <= set(provider_names())
    monkeypatch.setenv("ISMS_AZURE_ENDPOINT", "https://contoso.openai.azure.com")
    assert load_settings().resolved_provider == "offline"
    assert load_settings(base_url="http://127.0.0.1:11434").resolved_provider == "openai"
    assert load_settings(provider="ollama").resolved_provider == "ollama"
