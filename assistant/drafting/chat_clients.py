"""The chat client of each model provider, where its requests go, and how its failures are worded.

- **openai**: any OpenAI-compatible endpoint through langchain-openai's `ChatOpenAI` (ISMS_BASE_URL);
- **azure**: Azure OpenAI through `AzureChatOpenAI` (ISMS_AZURE_ENDPOINT, ISMS_AZURE_API_VERSION,
  ISMS_AZURE_DEPLOYMENT), with an API key or an Entra ID token (ISMS_AZURE_AD_TOKEN, used when set);
- **ollama**: Ollama's native API through langchain-ollama's `ChatOllama` (ISMS_BASE_URL, default
  http://127.0.0.1:11434), with ISMS_OLLAMA_NUM_CTX and the reply's JSON schema as its `format`.

Each client comes with the structured-output modes to try with it (see `assistant/drafting/structured.py`).
A missing setting or an endpoint ISMS_LOCAL_ONLY refuses stops here, with exit 2, before any request.
"""

from __future__ import annotations

from typing import Any

from assistant.drafting.structured import MODES, OLLAMA_FORMAT
from assistant.errors import InputError
from assistant.settings import (
    API_KEY_VARS,
    AZURE_KEY_VARS,
    Settings,
    auth_message,
    endpoint,
    require_api_key,
)

OLLAMA_URL = "http://127.0.0.1:11434"
TEMPERATURE = 0.2
OFFLINE_HINT = "or use the offline provider (--provider offline or ISMS_PROVIDER=offline)"


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def ollama_url(base_url: str | None) -> str:
    """Ollama's native API root: ISMS_BASE_URL, without the `/v1` of its OpenAI-compatible API."""
    url = (base_url or OLLAMA_URL).rstrip("/")
    return url.removesuffix("/v1")


def deployment(settings: Settings) -> str:
    return settings.azure_deployment or settings.model


def endpoint_url(provider: str, settings: Settings) -> str | None:
    """Where this provider's requests go (None: the OpenAI client's own default)."""
    if provider == "azure":
        return settings.azure_endpoint
    if provider == "ollama":
        return ollama_url(settings.base_url)
    return settings.base_url


def capability_model(provider: str, settings: Settings) -> str:
    """What the structured-output mode is remembered for beside the URL (an Azure deployment is its model)."""
    return deployment(settings) if provider == "azure" else settings.model


def where(provider: str, settings: Settings) -> str:
    """The endpoint in a message, with the setting that says so."""
    if provider == "azure":
        return f"{settings.azure_endpoint} (ISMS_AZURE_ENDPOINT), deployment {deployment(settings)!r}"
    if provider == "ollama":
        said = (
            "ISMS_BASE_URL / --base-url"
            if settings.base_url
            else "Ollama's default; ISMS_BASE_URL / --base-url"
        )
        return f"{ollama_url(settings.base_url)} ({said})"
    return endpoint(settings.base_url)


def make_client(provider: str, settings: Settings) -> tuple[Any, tuple[str, ...]]:
    """The langchain chat model for `provider`, and the structured-output modes to try with it."""
    from assistant.redact import check_local_only

    if provider == "azure":
        return _azure(settings), MODES
    if provider == "ollama":
        check_local_only(settings, ollama_url(settings.base_url), "drafting")
        return _ollama(settings), (OLLAMA_FORMAT,)
    from langchain_openai import ChatOpenAI

    given = _secret(settings.api_key)
    require_api_key("the openai provider", given, settings.base_url)
    check_local_only(settings, settings.base_url, "drafting")
    chat = ChatOpenAI(
        model=settings.model,
        api_key=given or "not-needed",  # type: ignore[arg-type]
        base_url=settings.base_url,  # type: ignore[arg-type]
        timeout=settings.timeout_seconds,
        max_retries=0,  # retried by ChatModel._send, outside the concurrency slot
        temperature=TEMPERATURE,
    )
    return chat, MODES


def _azure(settings: Settings) -> Any:
    from langchain_openai import AzureChatOpenAI

    from assistant.redact import check_local_only

    key = _secret(settings.api_key) or _secret(settings.azure_api_key)
    token = _secret(settings.azure_ad_token)
    missing = []
    if not settings.azure_endpoint:
        missing.append("ISMS_AZURE_ENDPOINT (e.g. https://NAME.openai.azure.com)")
    if not key and not token:
        missing.append(f"an API key ({AZURE_KEY_VARS}) or an Entra ID token (ISMS_AZURE_AD_TOKEN)")
    if missing:
        raise InputError(f"the azure provider needs {' and '.join(missing)}; set them, {OFFLINE_HINT}")
    check_local_only(settings, settings.azure_endpoint, "drafting")
    return AzureChatOpenAI(  # type: ignore[call-arg]
        azure_endpoint=settings.azure_endpoint,
        azure_deployment=deployment(settings),
        api_version=settings.azure_api_version,
        api_key=key or None,  # type: ignore[arg-type]
        azure_ad_token=token or None,  # type: ignore[arg-type]
        base_url=None,
        model=settings.model,
        timeout=settings.timeout_seconds,
        max_retries=0,  # retried by ChatModel._send, outside the concurrency slot
        temperature=TEMPERATURE,
    )


def _ollama(settings: Settings) -> Any:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=settings.model,
        base_url=ollama_url(settings.base_url),
        num_ctx=settings.ollama_num_ctx,
        temperature=TEMPERATURE,
        client_kwargs={"timeout": settings.timeout_seconds},
    )


def refused(kind: str, provider: str, settings: Settings) -> str:
    """An OpenAI-style endpoint refused a request: `auth` (401), `denied` (403) or `not_found` (404)."""
    at = where(provider, settings)
    if provider == "azure":
        creds = f"{AZURE_KEY_VARS}, or ISMS_AZURE_AD_TOKEN"
        if kind == "auth":
            return f"the Azure OpenAI endpoint at {at} rejected the credentials; set {creds} to ones valid for it, {OFFLINE_HINT}"
        if kind == "denied":
            return f"the credentials ({creds}) may not use deployment {deployment(settings)!r} at {at}; check their role assignment"
        return (
            f"deployment {deployment(settings)!r} or API version {settings.azure_api_version!r} was not found at "
            f"{at}; set ISMS_AZURE_DEPLOYMENT (default: ISMS_MODEL) or ISMS_AZURE_API_VERSION"
        )
    if kind == "auth":
        return auth_message("model", settings.base_url, bool(settings.api_key))
    if kind == "denied":
        return (
            f"the API key ({API_KEY_VARS}) may not use model {settings.model} at {at}; "
            "check its permissions or set ISMS_MODEL / --model"
        )
    return f"model {settings.model!r} was not found at {at}; set ISMS_MODEL / --model (or ISMS_BASE_URL / --base-url)"


def ollama_failure(exc: Exception, settings: Settings) -> tuple[bool, str] | None:
    """An Ollama client failure as (a configuration problem?, message); None for anything else."""
    import httpx
    import ollama

    at = where("ollama", settings)
    if isinstance(exc, ollama.ResponseError):
        said = " ".join(str(exc.error).split())[:300]
        if exc.status_code == 404:
            return True, (
                f"model {settings.model!r} was not found at {at} (the server said: {said}); "
                f"pull it (ollama pull {settings.model}) or set ISMS_MODEL / --model"
            )
        if exc.status_code in (401, 403):
            return True, f"the Ollama server at {at} refused the request (HTTP {exc.status_code}: {said})"
        status = f"HTTP {exc.status_code}" if exc.status_code > 0 else "an error"
        return False, f"the Ollama server at {at} answered with {status}: {said}"
    if isinstance(exc, ConnectionError | httpx.TransportError):
        return (
            False,
            f"no answer from the Ollama server at {at} ({exc.__class__.__name__}); is `ollama serve` running?",
        )
    return None
