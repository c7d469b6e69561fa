from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.settings import load_settings
from tests.conftest import invoke


def test_defaults_pick_offline_without_key_or_url() -> None:
    settings = load_settings()
    assert settings.provider == "auto"
    assert settings.resolved_provider == "offline"
    assert settings.concurrency == 4


def test_env_prefix_and_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_MODEL", "llama3.1")
    monkeypatch.setenv("ISMS_CONCURRENCY", "8")
    settings = load_settings(concurrency=2)
    assert settings.model == "llama3.1"
    assert settings.concurrency == 2  # explicit (CLI) override wins over the environment


@pytest.mark.parametrize("var", ["OPENAI_API_KEY", "ISMS_API_KEY"])
def test_api_key_from_either_variable_selects_openai(monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "sk-test-0123456789abcdefghij")
    settings = load_settings()
    assert settings.api_key is not None
    assert settings.resolved_provider == "openai"
    assert "0123456789" not in json.dumps(settings.masked())


def test_base_url_alone_selects_openai() -> None:
    assert load_settings(base_url="http://127.0.0.1:11434/v1").resolved_provider == "openai"


def test_explicit_offline_wins_over_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-zzzzzzzzzzzzzzzzzz")
    assert load_settings(provider="offline").resolved_provider == "offline"


def test_dotenv_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ISMS_MODEL=qwen2.5\nISMS_PROVIDER=openai\n", encoding="utf-8")
    settings = load_settings()
    assert settings.model == "qwen2.5"
    assert settings.provider == "openai"


def test_invalid_setting_is_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_PROVIDER", "anthropic")
    with pytest.raises(InputError) as info:
        load_settings()
    assert "ISMS_PROVIDER" in str(info.value)


def test_config_show_masks_key(monkeypatch: pytest.MonkeyPatch, runner) -> None:  # type: ignore[no-untyped-def]
    secret = "sk-test-supersecretvalue1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    result = invoke(runner, "config", "show", "--json")
    assert result.exit_code == 0
    assert secret not in result.output and "1234567890" not in result.output
    data = json.loads(result.output)
    assert data["api_key"] == "set (hidden)"
    assert data["resolved_provider"] == "openai"


def test_config_show_bad_setting_exit_2(monkeypatch: pytest.MonkeyPatch, runner) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ISMS_CONCURRENCY", "lots")
    result = invoke(runner, "config", "show")
    assert result.exit_code == 2
    assert "ISMS_CONCURRENCY" in result.output
    assert "Traceback" not in result.output
