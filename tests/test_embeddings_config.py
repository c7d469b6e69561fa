"""Embeddings are configured apart from the chat model; remote embedding texts are redacted first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.index import store
from assistant.index import workspace_index as wi
from assistant.index.embeddings import offline_embedder
from assistant.settings import load_settings
from tests.conftest import copy_example, invoke
from tests.fakes import HashingEmbedder
from tests.openai_server import FakeOpenAI
from tests.test_redact import PERSON_EMAIL, PLANTED, SECRETS, STRANGER_EMAIL, STRANGER_PHONE

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    target = copy_example("kestrel-saas", tmp_path / "kestrel")
    (target / "docs" / "deploy-notes.md").write_text(PLANTED, encoding="utf-8")
    return target


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def local_model(monkeypatch: pytest.MonkeyPatch) -> HashingEmbedder:
    """Stands in for the MiniLM model itself (loading it takes seconds); the choice of it is what is tested."""
    fake = HashingEmbedder()
    monkeypatch.setattr(wi, "offline_embedder", lambda: fake)
    return fake


def _manifest_embedder(ws: Path) -> str:
    manifest = store.read_manifest(ws / ".isms" / "index")
    assert manifest is not None
    return str(manifest["settings"]["embedder"])


def test_settings_defaults_and_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.embedding_provider, settings.resolved_embedding_model) == ("offline", "all-MiniLM-L6-v2")
    assert settings.redact_pii is None and settings.local_only is False
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "OpenAI")
    monkeypatch.setenv("ISMS_BASE_URL", "http://127.0.0.1:9/v1")
    settings = load_settings()
    assert settings.resolved_embedding_model == "text-embedding-3-small"
    assert settings.resolved_embedding_base_url == "http://127.0.0.1:9/v1"  # falls back to the chat URL
    monkeypatch.setenv("ISMS_EMBEDDING_MODEL", "nomic-embed-text")
    monkeypatch.setenv("ISMS_EMBEDDING_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("ISMS_REDACT_PII", "auto")
    settings = load_settings()
    assert settings.resolved_embedding_model == "nomic-embed-text" and settings.redact_pii is None
    assert settings.resolved_embedding_base_url == "http://127.0.0.1:11434/v1"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ISMS_EMBEDDING_PROVIDER", "foo"),
        ("ISMS_EMBEDDING_BASE_URL", "not a url"),
        ("ISMS_REDACT_PII", "perhaps"),
        ("ISMS_LOCAL_ONLY", "perhaps"),
    ],
)
def test_bad_values_are_exit_2_naming_the_setting(
    runner, ws: Path, monkeypatch, name: str, value: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, value)
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 2, result.output
    assert name in result.output and "Traceback" not in result.output


def test_offline_embedding_model_other_than_minilm_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_EMBEDDING_MODEL", "text-embedding-3-small")
    with pytest.raises(InputError, match="ISMS_EMBEDDING_PROVIDER=openai"):
        wi.embedder_for(load_settings())


def test_chat_provider_openai_still_embeds_offline(
    runner, ws: Path, server: FakeOpenAI, monkeypatch, local_model
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key-000000")
    monkeypatch.setenv("ISMS_BASE_URL", server.base_url)
    settings = load_settings()
    assert settings.resolved_provider == "openai"
    name, make = wi.embedder_for(settings)
    assert name == MINILM and make() is local_model
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    assert server.embedding_requests == 0 and local_model.texts > 0
    assert _manifest_embedder(ws) == MINILM


def test_embedder_for_default_is_the_minilm_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key-000000")
    name, make = wi.embedder_for(load_settings(provider="openai"))
    assert (name, make) == (MINILM, offline_embedder)


def test_remote_embeddings_are_redacted(
    runner, ws: Path, server: FakeOpenAI, monkeypatch, local_model
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("ISMS_EMBEDDING_BASE_URL", server.base_url)
    monkeypatch.setenv("ISMS_REDACT_PII", "true")
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    assert server.embedding_requests > 0
    assert all(body["model"] == "text-embedding-3-small" for body in server.embedding_bodies)
    sent = json.dumps(server.embedding_bodies, ensure_ascii=False)
    assert "Deploy notes" in sent and "[REDACTED:" in sent  # the planted file was sent, cleaned
    for planted in [*SECRETS, STRANGER_EMAIL, STRANGER_PHONE]:
        assert planted not in sent, planted
    assert PERSON_EMAIL in sent  # a person the profile names keeps their address
    assert _manifest_embedder(ws) == "openai/text-embedding-3-small"

    requests = server.embedding_requests  # unchanged re-run: cached, nothing sent
    assert invoke(runner, "index", "build", "--workspace", str(ws)).exit_code == 0
    assert server.embedding_requests == requests

    monkeypatch.delenv("ISMS_EMBEDDING_PROVIDER")  # switching provider rebuilds, never mixes vectors
    monkeypatch.delenv("ISMS_EMBEDDING_BASE_URL")
    rebuilt = invoke(runner, "index", "build", "--workspace", str(ws))
    assert rebuilt.exit_code == 0 and "rebuilt" in rebuilt.output, rebuilt.output
    assert _manifest_embedder(ws) == MINILM and server.embedding_requests == requests


def test_index_from_another_embedder_is_named_on_search(
    runner, ws: Path, server: FakeOpenAI, monkeypatch, local_model
) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "index", "build", "--workspace", str(ws)).exit_code == 0
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("ISMS_EMBEDDING_BASE_URL", server.base_url)
    result = invoke(runner, "search", "encryption keys", "--workspace", str(ws))
    assert result.exit_code == 2
    assert "ISMS_EMBEDDING_PROVIDER" in result.output and "isms index build" in result.output
    assert server.embedding_requests == 0


def test_local_only_refuses_a_remote_embedding_endpoint(runner, ws: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    made: list[object] = []
    monkeypatch.setattr(wi, "OpenAIEmbedder", lambda *a, **k: made.append(a))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key-000000")
    monkeypatch.setenv("ISMS_LOCAL_ONLY", "true")
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("ISMS_EMBEDDING_BASE_URL", "https://api.example.com/v1")
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 2
    assert "ISMS_LOCAL_ONLY" in result.output and "api.example.com" in result.output
    assert made == [] and not (ws / ".isms" / "index").exists()


def test_local_only_allows_a_loopback_embedding_endpoint(
    runner, ws: Path, server: FakeOpenAI, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ISMS_LOCAL_ONLY", "true")
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")
    monkeypatch.setenv("ISMS_EMBEDDING_BASE_URL", server.base_url)
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    assert server.embedding_requests > 0
    sent = json.dumps(server.embedding_bodies)
    assert all(secret not in sent for secret in SECRETS)  # secrets go even to a loopback endpoint
    assert STRANGER_EMAIL in sent  # personal data stays for a loopback endpoint (ISMS_REDACT_PII unset)
