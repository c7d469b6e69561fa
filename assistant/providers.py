"""The registry of drafting providers: a name, and the writer class that drafts for it.

Adding a provider is one module with a writer class (see `assistant/drafting/writers.py` for what it
provides) and one line here. `auto` is not a provider: it means `openai` when a key or base URL is
configured, else `offline`.
"""

from __future__ import annotations

PROVIDERS: dict[str, str] = {
    "azure": "assistant.drafting.azure_writer:AzureWriter",
    "offline": "assistant.drafting.offline:OfflineWriter",
    "ollama": "assistant.drafting.ollama_writer:OllamaWriter",
    "openai": "assistant.drafting.chat_writer:ChatWriter",
}


def provider_names() -> list[str]:
    return sorted(PROVIDERS)
