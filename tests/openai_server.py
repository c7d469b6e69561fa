"""A small OpenAI-compatible HTTP server on 127.0.0.1 for tests: scripted replies and injected faults.

By default it behaves like an obliging model: it answers section prompts with a valid section that cites
the first allowed id, and SoA prompts with one row per control asked for. A test can queue faults or
exact replies that are served first, one per chat request.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FIXED_USAGE = {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}


def obliging_reply(body: dict[str, Any]) -> str:
    """What a well-behaved model would return for our prompts."""
    messages = body["messages"]
    text = "\n".join(m["content"] for m in messages if isinstance(m.get("content"), str))
    rows = re.findall(r"^- (A\.\d+\.\d+) ", text, re.M)
    if "Decide these" in text:
        return json.dumps(
            {
                "rows": [
                    {
                        "control_id": cid,
                        "applicable": True,
                        "implementation_status": "partial",
                        "justification": f"Model justification for {cid}: it treats risks in the register.",
                        "evidence": f"records for {cid}",
                    }
                    for cid in rows
                ]
            }
        )
    headings = re.findall(r'"heading" \(exactly "([^"]+)"\)', text) or re.findall(
        r'(?:Write the section|Section:) "([^"]+)"', text
    )
    heading = headings[-1]
    allowed = re.findall(r"Allowed citations: (.+)", text)[-1].split(", ")
    cite = allowed[0].strip()
    # Like a model following the plan: every rule kept (reworded lightly), the first one cited.
    rules = re.search(r"Rules to keep:\n((?:- .*\n?)+)", text)
    kept = [line[2:].strip() for line in rules.group(1).splitlines()] if rules else []
    kept = [k for k in kept if not k.startswith("(none")]
    kept += re.findall(r"^<quoted source=\"[^\"]*\">(.*)</quoted>$", text, re.M)  # rules from docs/, kept
    if kept:
        body_text = "\n".join(f"- {k}" + (f" [{cite}]" if i == 0 else "") for i, k in enumerate(kept))
    else:
        body_text = (
            f"The organisation applies this section as described in its facts [{cite}]. " * 3
            + "Owners review it every year and keep the records for the auditor to see. " * 3
        )
    return json.dumps({"heading": heading, "text": body_text, "cited_ids": [cite]})


class FakeOpenAI:
    def __init__(self, latency: float = 0.0) -> None:
        self.script: deque[dict[str, Any]] = deque()
        self.chat_requests: list[dict[str, Any]] = []
        self.embedding_requests = 0
        self.embedding_bodies: list[dict[str, Any]] = []  # every embeddings request body, as sent
        self.responder = obliging_reply  # what an unscripted request is answered with
        self.reject: dict[str, str] = {}  # request mode -> the 400 message this server answers it with
        self.modes: list[str] = []  # the mode of each chat request: json_schema, tools, json_object, fenced
        self.latency = latency
        # The usage a chat answer reports: fixed, or computed from the request body (a model's real counts).
        self.usage: Callable[[dict[str, Any]], dict[str, int]] = lambda _body: dict(FIXED_USAGE)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # scripting ------------------------------------------------------------------------------------------
    def reply(self, content: str) -> None:
        self.script.append({"kind": "reply", "content": content})

    def fail(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.script.append({"kind": "status", "status": status, "headers": headers or {}})

    def truncate(self) -> None:
        """The next answer is cut off at the length limit (finish_reason "length")."""
        self.script.append({"kind": "truncated"})

    def stall(self, seconds: float) -> None:
        self.script.append({"kind": "stall", "seconds": seconds})

    # serving --------------------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.endswith("/embeddings"):
                    with fake._lock:
                        fake.embedding_requests += 1
                        fake.embedding_bodies.append(body)
                    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
                    data = [
                        {"object": "embedding", "index": i, "embedding": _vector(str(t))}
                        for i, t in enumerate(inputs)
                    ]
                    return self._json(
                        200,
                        {
                            "object": "list",
                            "data": data,
                            "model": body.get("model"),
                            "usage": {"prompt_tokens": 1, "total_tokens": 1},
                        },
                    )
                mode = request_mode(body)
                with fake._lock:
                    fake.chat_requests.append(body)
                    fake.modes.append(mode)
                    if mode in fake.reject:
                        step = {"kind": "refuse", "message": fake.reject[mode]}
                    else:
                        step = fake.script.popleft() if fake.script else {"kind": "obliging"}
                if step["kind"] == "refuse":
                    return self._json(
                        400, {"error": {"message": step["message"], "type": "invalid_request_error"}}
                    )
                if fake.latency:
                    time.sleep(fake.latency)
                if step["kind"] == "status":
                    return self._json(
                        step["status"], {"error": {"message": "injected", "type": "test"}}, step["headers"]
                    )
                if step["kind"] == "stall":
                    time.sleep(step["seconds"])
                    step = {"kind": "obliging"}
                content = step["content"] if step["kind"] == "reply" else fake.responder(body)
                finish = "length" if step["kind"] == "truncated" else "stop"
                if step["kind"] == "truncated":
                    content = content[: len(content) // 2]
                message: dict[str, Any] = {"role": "assistant", "content": content}
                if mode == "tools":
                    call = {
                        "id": "call-1",
                        "type": "function",
                        "function": {"name": "reply", "arguments": content},
                    }
                    message = {"role": "assistant", "content": None, "tool_calls": [call]}
                    finish = "tool_calls" if finish == "stop" else finish
                elif mode == "fenced":
                    message["content"] = f"Here is the JSON:\n```json\n{content}\n```"
                if body.get("stream"):
                    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                    return self._sse(stream_chunks(body, message, finish, include_usage))
                self._json(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "test"),
                        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                        "usage": fake.usage(body),
                    },
                )

            def _sse(self, chunks: list[dict[str, Any]]) -> None:
                """A streamed answer: one `data:` event per chunk, then `data: [DONE]`."""
                try:
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("cache-control", "no-cache")
                    self.end_headers()
                    for chunk in chunks:
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _json(
                self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


STREAM_PIECES = 8  # a streamed answer comes in this many pieces (at most)


def stream_chunks(
    body: dict[str, Any], message: dict[str, Any], finish: str, include_usage: bool
) -> list[dict[str, Any]]:
    """The chat.completion.chunk objects of a streamed answer: the message's content (or its tool call's
    arguments) split into several pieces, a last chunk with the finish_reason, and the usage when asked."""
    calls = message.get("tool_calls") or []
    text = str(calls[0]["function"]["arguments"] if calls else message.get("content") or "")
    size = max(1, -(-len(text) // STREAM_PIECES))
    pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    head = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "test"),
    }
    chunks = []
    for n, piece in enumerate(pieces):
        delta: dict[str, Any] = {"role": "assistant"} if n == 0 else {}
        if calls:
            call: dict[str, Any] = {"index": 0, "function": {"arguments": piece}}
            if n == 0:
                call.update(id=calls[0]["id"], type="function")
                call["function"]["name"] = calls[0]["function"]["name"]
            delta["tool_calls"] = [call]
        else:
            delta["content"] = piece
        chunks.append({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    chunks.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if include_usage:
        usage = dict(FIXED_USAGE)
        chunks.append({**head, "choices": [], "usage": usage})
    return chunks


def request_mode(body: dict[str, Any]) -> str:
    """How a chat request asks for JSON."""
    if body.get("tools"):
        return "tools"
    kind = (body.get("response_format") or {}).get("type")
    return {"json_schema": "json_schema", "json_object": "json_object"}.get(str(kind), "fenced")


def _vector(text: str, dims: int = 32) -> list[float]:
    vec = [0.0] * dims
    for token in re.findall(r"[a-z0-9]+", text.lower()):
        vec[int(hashlib.md5(token.encode()).hexdigest(), 16) % dims] += 1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


class FakeAzure(FakeOpenAI):
    """FakeOpenAI at Azure OpenAI's address: `endpoint` is what ISMS_AZURE_ENDPOINT is set to, and requests
    come to /openai/deployments/<deployment>/chat/completions?api-version=...; each chat request's path and
    headers (`api-key`, or `authorization` with an Entra ID token) are recorded."""

    def __init__(self, latency: float = 0.0) -> None:
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        super().__init__(latency)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeAzure:
        self.thread.start()
        return self

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        base: Any = super()._handler()

        class AzureHandler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:  # noqa: N802
                with fake._lock:
                    fake.paths.append(self.path)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                super().do_POST()

        return AzureHandler


class FakeOllama:
    """A loopback Ollama server: POST /api/chat with Ollama's request and answer JSON (streamed as NDJSON
    when the request asks for a stream, as ChatOllama does), an obliging model by default. Scripted replies,
    truncations (`done_reason: "length"`) and HTTP failures are served first, one per request."""

    def __init__(self) -> None:
        self.script: deque[dict[str, Any]] = deque()
        self.chat_requests: list[dict[str, Any]] = []
        self.responder = obliging_reply
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeOllama:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reply(self, content: str) -> None:
        self.script.append({"kind": "reply", "content": content})

    def truncate(self) -> None:
        """The next answer stops at its length limit (done_reason "length"), half written."""
        self.script.append({"kind": "truncated"})

    def fail(self, status: int, error: str = "injected") -> None:
        self.script.append({"kind": "status", "status": status, "error": error})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/api/chat":
                    return self._send(404, [{"error": f"no route {self.path}"}])
                with fake._lock:
                    fake.chat_requests.append(body)
                    step = fake.script.popleft() if fake.script else {"kind": "obliging"}
                if step["kind"] == "status":
                    return self._send(step["status"], [{"error": step["error"]}])
                content = step["content"] if step["kind"] == "reply" else fake.responder(body)
                reason = "stop"
                if step["kind"] == "truncated":
                    content, reason = content[: len(content) // 2], "length"
                model, now = body.get("model", "test"), "2025-01-01T00:00:00Z"
                done = {
                    "model": model,
                    "created_at": now,
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": reason,
                    "total_duration": 1000,
                    "prompt_eval_count": 100,
                    "eval_count": 50,
                }
                if not body.get("stream", True):
                    return self._send(200, [{**done, "message": {"role": "assistant", "content": content}}])
                half = len(content) // 2
                parts = [
                    {
                        "model": model,
                        "created_at": now,
                        "message": {"role": "assistant", "content": piece},
                        "done": False,
                    }
                    for piece in (content[:half], content[half:])
                ]
                self._send(200, [*parts, done], stream=True)

            def _send(self, status: int, payloads: list[dict[str, Any]], stream: bool = False) -> None:
                data = b"".join(json.dumps(p).encode() + b"\n" for p in payloads)
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/x-ndjson" if stream else "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
