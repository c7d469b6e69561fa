"""How a chat endpoint is asked for JSON, and how the answer is read back.

Endpoints differ: OpenAI honours a strict JSON schema (`response_format: json_schema`), many compatible
servers only tool calls, some only `json_object`, and some (LM Studio) reject `json_object` but answer plain
text. Each mode is tried in that order until the endpoint accepts one; the mode found is remembered per base
URL and model in the workspace (`.isms/llm-capabilities.json`), so later runs ask the right way at once.
Ollama's native API has a mode of its own: the schema goes in the request's `format` (its structured outputs).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MODES = ("json_schema", "tools", "json_object", "fenced")
OLLAMA_FORMAT = "ollama_format"
KNOWN_MODES = (*MODES, OLLAMA_FORMAT)
TOOL_NAME = "reply"
_FENCE = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.S)


@dataclass(frozen=True)
class ReplySchema:
    """What a chain asks for: a strict JSON schema (every field required, no others) and how an answer in
    that shape becomes the data of the chain's pydantic model (e.g. adding the heading the code knows)."""

    name: str
    schema: dict[str, Any]
    finish: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda data: data, compare=False)

    def text(self) -> str:
        return json.dumps(self.schema)


def strict_object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object schema in the form strict structured output accepts: every property required, no others."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _strict(node: Any) -> Any:
    """A pydantic JSON schema made strict: every object's properties required, no others, no defaults."""
    if isinstance(node, dict):
        out = {k: _strict(v) for k, v in node.items() if k not in ("default", "title")}
        if out.get("type") == "object" and "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def reply_for_model(model: Any) -> ReplySchema:
    """The strict reply schema of a pydantic model (for chains without a schema of their own)."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
    return ReplySchema(name, _strict(model.model_json_schema()))


def bind(chat: Any, mode: str, reply: ReplySchema, max_tokens: int | None) -> Any:
    """The chat model bound to ask for `reply` in `mode`, its answer at most `max_tokens` long."""
    if mode == OLLAMA_FORMAT:
        return _bind_ollama(chat, reply, max_tokens)
    limit = {"max_tokens": max_tokens} if max_tokens else {}
    if mode == "json_schema":
        fmt = {
            "type": "json_schema",
            "json_schema": {"name": reply.name, "strict": True, "schema": reply.schema},
        }
        return chat.bind(response_format=fmt, **limit)
    if mode == "tools":
        tool = {
            "type": "function",
            "function": {
                "name": TOOL_NAME,
                "description": f"Return the {reply.name.replace('_', ' ')}",
                "parameters": reply.schema,
                "strict": True,
            },
        }
        return chat.bind(
            tools=[tool], tool_choice={"type": "function", "function": {"name": TOOL_NAME}}, **limit
        )
    if mode == "json_object":
        return chat.bind(response_format={"type": "json_object"}, **limit)
    return chat.bind(**limit) if limit else chat


def _bind_ollama(chat: Any, reply: ReplySchema, max_tokens: int | None) -> Any:
    """ChatOllama asked for `reply` as its `format`; a length limit is Ollama's `num_predict` option, which
    must go with the model's other options (a bound `options` replaces them all)."""
    if not max_tokens:
        return chat.bind(format=reply.schema)
    options = {
        k: getattr(chat, k, None) for k in ("num_ctx", "temperature", "seed", "top_k", "top_p", "stop")
    }
    options = {k: v for k, v in options.items() if v is not None}
    return chat.bind(format=reply.schema, options={**options, "num_predict": max_tokens})


def answer_text(result: Any, mode: str) -> str:
    """The JSON text of an answer: the tool call's arguments in tools mode, else the message content (in
    fenced mode the object inside a ```json fence or the outermost braces)."""
    if mode == "tools":
        calls = getattr(result, "tool_calls", None) or []
        if calls:
            return json.dumps(calls[0].get("args") or {})
        broken = getattr(result, "invalid_tool_calls", None) or []  # arguments that were not JSON
        if broken:
            return str(broken[0].get("args") or "")
        raw = (getattr(result, "additional_kwargs", None) or {}).get("tool_calls") or []
        if raw:
            return str(raw[0].get("function", {}).get("arguments") or "")
    content = result.content if isinstance(result.content, str) else ""
    if mode == OLLAMA_FORMAT:
        return content.strip()
    if mode == "fenced":
        fenced = _FENCE.search(content)
        if fenced:
            return fenced.group(1)
        start, end = content.find("{"), content.rfind("}")
        if start != -1 and end > start:
            return content[start : end + 1]
    return content


def finish_reason(result: Any) -> str:
    """Why the answer ended: OpenAI's `finish_reason`, or Ollama's `done_reason` ("length" when cut off)."""
    meta = getattr(result, "response_metadata", None) or {}
    return str(meta.get("finish_reason") or meta.get("done_reason") or "")


def server_message(exc: Any) -> str:
    """The endpoint's own error text, short."""
    body = getattr(exc, "body", None)
    message = ""
    if isinstance(body, dict):
        error = body.get("error", body)
        message = str(error.get("message", "") if isinstance(error, dict) else error)
    message = message or str(getattr(exc, "message", "") or exc)
    return " ".join(message.split())[:300]


class Capabilities:
    """The structured-output mode each endpoint and model accepted, kept in the workspace."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self._known = {str(k): str(v) for k, v in data.items() if v in KNOWN_MODES}
            except (OSError, ValueError, AttributeError):
                self._known = {}  # a damaged file is only a lost hint: the modes are tried again

    @staticmethod
    def key(base_url: str | None, model: str) -> str:
        return f"{(base_url or 'https://api.openai.com/v1').rstrip('/')}|{model}"

    def get(self, key: str) -> str | None:
        return self._known.get(key)

    def remember(self, key: str, mode: str) -> None:
        with self._lock:
            if self._known.get(key) == mode:
                return
            self._known[key] = mode
            if self.path is None:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".caps-", suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(self._known, handle, indent=2, sort_keys=True)
                os.replace(tmp, self.path)
            except OSError:
                pass  # a read-only workspace: the mode is found again next run


def modes_from(start: str | None, modes: tuple[str, ...] = MODES) -> list[str]:
    """The modes to try (of those the provider has), from the remembered one on."""
    if start in modes:
        return list(modes[modes.index(start) :])
    return list(modes)


__all__ = [
    "KNOWN_MODES",
    "MODES",
    "OLLAMA_FORMAT",
    "Capabilities",
    "ReplySchema",
    "answer_text",
    "bind",
    "finish_reason",
    "modes_from",
    "reply_for_model",
    "server_message",
    "strict_object",
]
