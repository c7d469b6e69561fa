"""The ollama provider: the chat writer on Ollama's native API (ISMS_BASE_URL, default
http://127.0.0.1:11434), with ISMS_OLLAMA_NUM_CTX and the reply's JSON schema as Ollama's `format`."""

from __future__ import annotations

from assistant.drafting.chat_writer import ChatWriter


class OllamaWriter(ChatWriter):
    name = "ollama"
