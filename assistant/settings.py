"""One settings object for the whole product: environment (prefix ISMS_), `.env`, then CLI overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import InputError
from assistant.providers import provider_names

REPO_ROOT = Path(__file__).resolve().parents[1]


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
        env_prefix="ISMS_", env_file=".env", env_file_encoding="utf-8", extra="forbid", populate_by_name=True
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
    corpus_dir: Path = REPO_ROOT / "corpus"
    prompts_dir: Path = REPO_ROOT / "prompts"
    docx_template: Path | None = None
    embedding_model: str = "all-MiniLM-L6-v2"
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        names = ["auto", *provider_names()]
        if value.strip().lower() not in names:
            raise ValueError(f"must be one of {', '.join(names)}, found {value!r}")
        return value.strip().lower()

    @property
    def resolved_provider(self) -> str:
        """`auto` means openai when a key or base URL is configured, else the offline drafter."""
        if self.provider.strip().lower() == "auto":
            return "openai" if (self.api_key or self.base_url) else "offline"
        return self.provider.strip().lower()

    def masked(self) -> dict[str, Any]:
        """The effective settings for display: the API key is never shown."""
        data = self.model_dump(mode="json", exclude={"api_key", "prices"})
        data["api_key"] = _mask(self.api_key)
        data["resolved_provider"] = self.resolved_provider
        data["prices"] = {k: v.model_dump() for k, v in self.prices.items()}
        return data


def _mask(key: SecretStr | None) -> str:
    if key is None:
        return "(not set)"
    return "set (hidden)" if key.get_secret_value() else "(empty)"


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment and `.env`, with explicit overrides (CLI options) on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        details = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(settings)"
            if err["type"] == "extra_forbidden":
                details.append(f"{field}: unknown setting (check ISMS_ variables and .env)")
            else:
                details.append(f"ISMS_{field.upper()}: {err['msg']}")
        raise InputError("settings are not valid", details=details) from None
