"""One settings object for the whole product: environment (prefix ISMS_), `.env`, then CLI overrides."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from assistant.errors import InputError
from assistant.providers import provider_names
from assistant.resources import REPO_ROOT as REPO_ROOT  # re-exported: tests copy the checkout's folders
from assistant.resources import data_dir

OFFLINE_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"
ENV_FILE = ".env"
API_KEY_VARS = "OPENAI_API_KEY or ISMS_API_KEY"
AZURE_KEY_VARS = "AZURE_OPENAI_API_KEY, OPENAI_API_KEY or ISMS_API_KEY"
_KEY_FIELDS = {"api_key", "ISMS_API_KEY", "OPENAI_API_KEY"}
_AZURE_KEY_FIELDS = {"azure_api_key", "AZURE_OPENAI_API_KEY"}
_SECRETS = ("api_key", "azure_api_key", "azure_ad_token")
_SOURCE_ERROR = re.compile(r'field "(?P<field>\w+)" from source "(?P<source>\w+)"')


class Price(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")
    prompt: float = Field(ge=0)
    completion: float = Field(ge=0)


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(prompt=0.15, completion=0.60),
    "gpt-4o": Price(prompt=2.50, completion=10.00),
    "gpt-4.1-mini": Price(prompt=0.40, completion=1.60),
    "gpt-4.1": Price(prompt=2.00, completion=8.00),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ISMS_",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        extra="forbid",
        populate_by_name=True,
    )

    provider: str = "auto"  # auto or a provider registered in assistant/providers.py
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ISMS_API_KEY", "OPENAI_API_KEY", "api_key")
    )
    workspace: Path = Path(".")
    concurrency: int = Field(default=4, ge=1, le=64)
    requests_per_minute: int = Field(default=500, ge=1, le=100_000)
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    max_output_tokens: int | None = Field(default=None, ge=64, le=200_000)  # None: each chain's own limit
    max_cost: float | None = Field(default=None, ge=0)  # US dollars one run may spend (--max-cost)
    corpus_dir: Path = data_dir("corpus")  # the installed package's copy, else the checkout's corpus/
    prompts_dir: Path = data_dir("prompts")
    docx_template: Path | None = None
    embedding_model: str = OFFLINE_EMBEDDING_MODEL
    embedding_provider: Literal["offline", "openai"] = "offline"  # separate from the chat provider
    embedding_base_url: str | None = None  # unset: the chat base URL (ISMS_BASE_URL)
    redact_pii: bool | None = None  # unset: redact personal data for every endpoint off this machine
    local_only: bool = False  # refuse any request to an endpoint that is not loopback
    # The azure provider: Azure OpenAI's endpoint, API version and deployment (default: the model name), with
    # an API key (the key settings above or AZURE_OPENAI_API_KEY) or an Entra ID token.
    azure_endpoint: str | None = None
    azure_deployment: str | None = None
    azure_api_version: str = "2024-10-21"
    azure_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_API_KEY", "azure_api_key")
    )
    azure_ad_token: SecretStr | None = None
    # The ollama provider: the context window each request asks for (its base URL is ISMS_BASE_URL).
    ollama_num_ctx: int = Field(default=8192, ge=512, le=1_048_576)
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        names = ["auto", *provider_names()]
        if value.strip().lower() not in names:
            raise ValueError(f"must be one of {', '.join(names)}, found {value!r}")
        return value.strip().lower()

    @field_validator("api_key", "azure_api_key", "azure_ad_token")
    @classmethod
    def _usable_key(cls, value: SecretStr | None) -> SecretStr | None:
        """Surrounding whitespace (a pasted newline) is dropped; a key an HTTP header cannot carry is refused
        here, by name, rather than failing inside the HTTP client. The key itself is never echoed."""
        if value is None:
            return None
        key = value.get_secret_value().strip()
        if any(not (33 <= ord(c) <= 126) for c in key):
            raise ValueError("the key contains spaces or characters other than printable ASCII")
        return SecretStr(key)

    @field_validator("embedding_provider", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("redact_pii", mode="before")
    @classmethod
    def _auto_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() in {"", "auto"} else value

    @field_validator("base_url", "embedding_base_url", "azure_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(
                f"must be an http:// or https:// URL such as http://127.0.0.1:11434/v1, found {value!r}"
            )
        return value

    @property
    def resolved_provider(self) -> str:
        """`auto` means openai when a key or base URL is configured, else the offline drafter."""
        if self.provider.strip().lower() == "auto":
            return "openai" if (self.api_key or self.base_url) else "offline"
        return self.provider.strip().lower()

    @property
    def resolved_embedding_model(self) -> str:
        """The embedding model: with the openai embedding provider the offline default means OpenAI's."""
        if self.embedding_provider == "openai" and self.embedding_model == OFFLINE_EMBEDDING_MODEL:
            return OPENAI_EMBEDDING_MODEL
        return self.embedding_model

    @property
    def resolved_embedding_base_url(self) -> str | None:
        return self.embedding_base_url or self.base_url

    def masked(self) -> dict[str, Any]:
        """The effective settings for display: the API key is never shown."""
        data = self.model_dump(mode="json", exclude={*_SECRETS, "prices"})
        for name in _SECRETS:
            data[name] = _mask(getattr(self, name))
        data["resolved_provider"] = self.resolved_provider
        data["resolved_embedding_model"] = self.resolved_embedding_model
        data["prices"] = {k: v.model_dump() for k, v in self.prices.items()}
        return data


def _mask(key: SecretStr | None) -> str:
    if key is None:
        return "(not set)"
    return "set (hidden)" if key.get_secret_value() else "(empty)"


def endpoint(base_url: str | None, setting: str = "ISMS_BASE_URL / --base-url") -> str:
    """Where OpenAI-compatible requests go, and the setting that says so."""
    if base_url:
        return f"{base_url} ({setting})"
    if os.environ.get("OPENAI_BASE_URL"):
        return f"{os.environ['OPENAI_BASE_URL']} (OPENAI_BASE_URL)"
    return "api.openai.com (no ISMS_BASE_URL set)"


def auth_message(what: str, base_url: str | None, has_key: bool) -> str:
    """A 401: the key is missing or wrong for this endpoint. Names the settings; never shows the key."""
    state = "the key that is set" if has_key else "no key is set"
    return (
        f"the {what} endpoint at {endpoint(base_url)} rejected the API key ({state}); set {API_KEY_VARS} to a "
        "key valid for that endpoint, or use the offline provider (--provider offline or ISMS_PROVIDER=offline)"
    )


def require_api_key(what: str, api_key: str | None, base_url: str | None) -> None:
    """A call to api.openai.com needs a key; a local endpoint (a base URL) may do without one."""
    if api_key or base_url or os.environ.get("OPENAI_BASE_URL"):
        return
    raise InputError(
        f"{what} needs an API key and none is set: set {API_KEY_VARS} (or ISMS_BASE_URL / --base-url for a "
        "local endpoint that needs none), or use the offline provider (--provider offline or "
        "ISMS_PROVIDER=offline)"
    )


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment and `.env`, with explicit overrides (CLI options) on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    _check_env_file()
    try:
        return Settings(**clean)
    except ValidationError as exc:
        details = []
        for err in exc.errors():
            details.append(_detail(err, clean))
        raise InputError("settings are not valid", details=details) from None
    except SettingsError as exc:
        raise InputError("settings are not valid", details=[_source_detail(exc)]) from None


def _setting_name(field: str, overrides: dict[str, Any]) -> str:
    if field in _KEY_FIELDS:
        return API_KEY_VARS
    if field in _AZURE_KEY_FIELDS:
        return "AZURE_OPENAI_API_KEY"
    if field in overrides:
        return f"--{field.replace('_', '-')}"
    return f"ISMS_{field.upper()}"


def _detail(err: Any, overrides: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    if err["type"] == "extra_forbidden":
        return f"{'.'.join(loc) or '(settings)'}: unknown setting (check ISMS_ variables and {ENV_FILE})"
    if not loc:
        return f"settings: {err['msg']}"
    where = "".join(f"[{p!r}]" for p in loc[1:])  # inside a JSON setting: ISMS_PRICES['gpt-4o']['prompt']
    return f"{_setting_name(loc[0], overrides)}{where}: {err['msg']}"


def _source_detail(exc: SettingsError) -> str:
    """pydantic-settings could not parse a value (a JSON setting such as ISMS_PRICES that is not JSON)."""
    match = _SOURCE_ERROR.search(str(exc))
    if match is None:
        return str(exc)
    name = _setting_name(match["field"], {})
    origin = f" in {Path(ENV_FILE).resolve()}" if match["source"] == "DotEnvSettingsSource" else ""
    cause = exc.__cause__
    if isinstance(cause, json.JSONDecodeError):
        reason = f"not valid JSON ({cause.msg} at line {cause.lineno}, column {cause.colno})"
    else:
        reason = f"could not be read ({cause})" if cause else "could not be read"
    example = (
        ' e.g. {"gpt-4o-mini": {"prompt": 0.15, "completion": 0.6}}' if match["field"] == "prices" else ""
    )
    return f"{name}{origin}: {reason}{';' if example else ''}{example}"


def _check_env_file() -> None:
    """The `.env` in the current folder must be UTF-8 text: say so by path and line, not with a traceback."""
    path = Path(ENV_FILE)
    if not path.is_file():
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path.resolve()}: cannot read the settings file ({exc.strerror or exc})") from None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path.resolve()}: the settings file is not UTF-8 text (line {line}); save it as UTF-8"
        ) from None
