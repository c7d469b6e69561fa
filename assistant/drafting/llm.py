"""Structured calls to any OpenAI-compatible chat model through langchain-openai.

Every call returns a validated pydantic model. Transport failures (429, 5xx, timeouts) are retried by the
openai client itself, with exponential backoff and jitter, honouring Retry-After. Invalid output (malformed
JSON, schema or content validation failures) is re-asked with the problems attached, a bounded number of
times, then reported as a failure of that one step.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assistant.drafting.budget import Budget
from assistant.drafting.cache import ResponseCache
from assistant.drafting.models import Usage
from assistant.drafting.retries import retry_delay, retryable
from assistant.drafting.streaming import OnText, TextStream, as_stream, collect
from assistant.drafting.structured import (
    Capabilities,
    ReplySchema,
    answer_text,
    bind,
    finish_reason,
    modes_from,
    reply_for_model,
    server_message,
)
from assistant.errors import CheckFailed, InputError
from assistant.settings import Price, Settings
from assistant.tokens import count_tokens, encoding_for

M = TypeVar("M", bound=BaseModel)
CAPABILITIES_FILE = "llm-capabilities.json"
DEFAULT_ANSWER_ALLOWANCE = 4096  # what a request without max_tokens is assumed able to cost, under --max-cost
# langchain-openai warns when an endpoint refuses json_schema; we fall back to the next mode ourselves.
warnings.filterwarnings("ignore", message=r"(?s).*structured output feature.*")
Validator = Callable[[Any], list[str]]


class ProviderAuthError(InputError):
    """The endpoint refused the credentials: a configuration problem, exit 2."""


class DraftStepFailed(CheckFailed):
    """One drafting step could not produce valid output; its document fails, the others go on."""


class RateLimiter:
    """At most `per_minute` requests in any rolling 60 seconds, shared by all drafting threads.

    Bursts up to the limit go straight through, as providers count requests per window too.
    """

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.per_minute:
                    self._sent.append(now)
                    return
                delay = self.window - (now - self._sent[0])
            time.sleep(max(delay, 0.01))


class ChatModel:
    """One configured endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio ...) of a provider whose
    client `assistant/drafting/chat_clients.py` makes."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        cache: ResponseCache | None,
        max_reasks: int = 2,
        state_dir: Path | None = None,
        redact: Callable[[str], str] | None = None,
        provider: str = "openai",
    ) -> None:
        from assistant.drafting.chat_clients import capability_model, endpoint_url, make_client, where

        self.name = provider
        self._chat, self.modes = make_client(provider, settings)  # exit 2 on a missing or refused setting
        self.where = where(provider, settings)
        # Secrets always, and personal data of people the profile does not name, leave no prompt unredacted.
        self.redact = redact or (lambda text: text)
        self.model = settings.model
        self.settings = settings
        self.cache = cache
        self.max_reasks = max_reasks
        self.limiter = RateLimiter(settings.requests_per_minute)
        self.price: Price | None = settings.prices.get(settings.model)
        self.budget: Budget | None = None
        if settings.max_cost is not None:
            if self.price is None:
                raise InputError(
                    f"--max-cost (ISMS_MAX_COST) needs a price for model {settings.model!r}: set ISMS_PRICES "
                    '(e.g. {"' + settings.model + '": {"prompt": 0.15, "completion": 0.6}})'
                )
            self.budget = Budget(settings.max_cost, self.price)
        self.tokenizer = encoding_for(settings.model)[1]
        # How this endpoint takes a schema (strict json_schema, tools, json_object, fenced), remembered per
        # base URL and model in the workspace (see `structured`).
        self.capabilities = Capabilities(state_dir / CAPABILITIES_FILE if state_dir is not None else None)
        self._capability = Capabilities.key(
            endpoint_url(provider, settings), capability_model(provider, settings)
        )
        self.mode: str | None = self.capabilities.get(self._capability)
        self.requests = 0
        self.total = Usage(tokenizer=self.tokenizer)  # every answer of the run, failed documents' included
        self._count_lock = threading.Lock()
        # Bounds requests in flight across every drafting thread (documents and SoA batches alike).
        self._inflight = threading.Semaphore(settings.concurrency)

    def structured(
        self,
        schema: type[M],
        system: str,
        user: str,
        prompt_version: str,
        validate: Validator,
        repairable: Validator | None = None,
        *,
        reply: ReplySchema | None = None,
        max_tokens: int | None = None,
        on_text: OnText | None = None,
    ) -> tuple[M, Usage]:
        """Ask for `schema`; re-ask on invalid output; cache the accepted answer.

        With `on_text` the answer is streamed and the value of its "text" field passed on as it grows (see
        `assistant/drafting/streaming.py`); the whole answer is then checked exactly as one asked at once.

        `repairable` finds problems the caller can mend on its own (an SoA row falls back to the offline row):
        they are re-asked once, then a reply that still has them is accepted and cached (a re-run mends it the
        same way without a request). The caller must check such a reply again before using its text.
        """
        from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

        system, user = self.redact(system), self.redact(user)
        messages_key = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        key = ResponseCache.key(self.name, self.model, prompt_version, messages_key)
        usage = Usage(tokenizer=self.tokenizer)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                try:
                    cached = schema.model_validate(hit["output"])
                    if not validate(cached):
                        usage.cached_calls = 1
                        return cached, usage
                except ValidationError:
                    pass
        # The schema is bound on the chat model itself and the answer parsed here: langchain's structured-output
        # chain runs each call through a parallel runnable that starts threads, which cost more CPU than the
        # request.
        reply = reply or reply_for_model(schema)
        limit = self.settings.max_output_tokens or max_tokens
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        problems: list[str] = []
        repair_asks = 1 if repairable is not None else 0
        stream = as_stream(on_text) if on_text is not None else None
        for attempt in range(self.max_reasks + 1):
            raw, parsed, problems = self._ask(messages, schema, reply, limit, usage, stream)
            if parsed is not None and not problems:
                problems = validate(parsed)
            if parsed is not None and not problems and repairable is not None and repair_asks:
                if attempt < self.max_reasks:
                    problems = repairable(parsed)
                    repair_asks -= bool(problems)
            if parsed is not None and not problems:
                if self.cache is not None:
                    self.cache.put(
                        key, {"output": parsed.model_dump(mode="json"), "prompt_version": prompt_version}
                    )
                return parsed, usage
            if attempt < self.max_reasks:
                if stream is not None:
                    stream.note(f"re-asking: {problems[0][:200]}")
                messages += [
                    AIMessage(raw or "(no content)"),
                    HumanMessage(
                        "That reply was not valid:\n- "
                        + "\n- ".join(problems)
                        + "\nReply again with the complete, corrected JSON object only."
                    ),
                ]
        raise DraftStepFailed(
            f"the model's output was still invalid after {self.max_reasks + 1} attempts", details=problems
        )

    def _ask(
        self,
        messages: list[Any],
        schema: type[M],
        reply: ReplySchema,
        max_tokens: int | None,
        usage: Usage,
        stream: TextStream | None = None,
    ) -> tuple[str, M | None, list[str]]:
        """One answer (streamed to `stream` when given), asked in the mode this endpoint takes: a 400 for a
        mode moves on to the next one (strict json_schema, tools, json_object, fenced JSON) and the mode that
        works is remembered."""
        import openai

        refused: list[str] = []
        for mode in modes_from(self.mode, self.modes):
            held = self._hold(messages, max_tokens)
            before = usage.cost_usd
            try:
                result = self._send(bind(self._chat, mode, reply, max_tokens), messages, stream, mode)
            except openai.LengthFinishReasonError:  # the parse API's way of saying finish_reason=length
                self._settle(held, held)  # cut off at its limit: the whole allowance was spent
                raise DraftStepFailed(_cut_off(max_tokens)) from None
            except BaseException as exc:
                self._settle(held, 0.0)  # no answer: nothing billed
                if not isinstance(exc, openai.BadRequestError):
                    raise
                message = server_message(exc)
                if _context_overflow(message):
                    raise DraftStepFailed(
                        f"the prompt is longer than model {self.model} accepts at {self.where} "
                        f"(the server said: {message})"
                    ) from None
                refused.append(f"{mode}: {message}")
                continue
            if mode != self.mode:
                self.mode = mode
                self.capabilities.remember(self._capability, mode)
            content = answer_text(result, mode)
            self._account(result, messages, content, usage)
            self._settle(held, usage.cost_usd - before)
            if finish_reason(result) == "length":
                raise DraftStepFailed(_cut_off(max_tokens))
            return self._parse(content, schema, reply)
        raise DraftStepFailed(
            f"{self.where} refused every way of asking model {self.model} for JSON "
            f"(HTTP 400): " + " | ".join(refused)
        )

    def _parse(self, content: str, schema: type[M], reply: ReplySchema) -> tuple[str, M | None, list[str]]:
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            return content, None, [f"the reply was not valid JSON for the schema: {str(exc)[:300]}"]
        if not isinstance(data, dict):
            return content, None, ["the reply must be one JSON object"]
        wanted = set(reply.schema.get("properties", {}))
        data = reply.finish({k: v for k, v in data.items() if k in wanted} if wanted else data)
        try:
            parsed = schema.model_validate(data)
        except ValidationError as exc:
            return content, None, [f"the JSON did not match the schema: {exc.errors()[:3]}"]
        return content, parsed, []

    def _send(
        self, runnable: Any, messages: list[Any], stream: TextStream | None = None, mode: str = ""
    ) -> Any:
        """One request through the concurrency slot and the rate limiter, retried (429, 5xx, timeouts) with
        backoff and the server's Retry-After while the slot is free; transport and credential failures become
        our errors with the server's own words (a 400 is left to the caller). With `stream` the answer is
        streamed (with its usage, except from Ollama, whose last chunk has it anyway) and returned whole."""
        import openai

        extra = {} if self.name == "ollama" else {"stream_usage": True}

        attempt = 0
        while True:
            try:
                with self._inflight:
                    self.limiter.wait()
                    with self._count_lock:
                        self.requests += 1
                    if stream is None:
                        return runnable.invoke(messages)
                    return collect(runnable, messages, mode, stream, **extra)
            except (
                openai.RateLimitError,
                openai.APITimeoutError,
                openai.APIConnectionError,
                openai.APIStatusError,
            ) as exc:
                if attempt >= self.settings.max_retries or not retryable(exc):
                    return self._failed(exc)
                if stream is not None and stream.shown:
                    stream.note("the connection failed; asking again")
                time.sleep(retry_delay(exc, attempt))  # outside the slot: another request goes meanwhile
                attempt += 1
            except Exception as exc:
                return self._failed(exc)

    def _failed(self, exc: Exception) -> Any:
        """A request that failed for good, in our words (a 400 is re-raised for the mode fallback)."""
        import openai

        from assistant.drafting.chat_clients import ollama_failure, refused

        try:
            raise exc
        except openai.AuthenticationError:
            raise ProviderAuthError(refused("auth", self.name, self.settings)) from None
        except openai.PermissionDeniedError:
            raise ProviderAuthError(refused("denied", self.name, self.settings)) from None
        except openai.NotFoundError:
            raise ProviderAuthError(refused("not_found", self.name, self.settings)) from None
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise DraftStepFailed(
                f"no answer from the model endpoint after retries ({exc.__class__.__name__})"
            ) from None
        except openai.RateLimitError:
            raise DraftStepFailed("the model endpoint kept rate-limiting (429) after retries") from None
        except openai.BadRequestError:
            raise
        except openai.APIStatusError as exc:
            raise DraftStepFailed(
                f"the model endpoint failed with HTTP {exc.status_code} after retries: {server_message(exc)}"
            ) from None
        except Exception as exc:  # another client's failure (Ollama's), in our words
            failure = ollama_failure(exc, self.settings) if self.name == "ollama" else None
            if failure is None:
                raise
            config, message = failure
            raise (ProviderAuthError if config else DraftStepFailed)(message) from None

    def _hold(self, messages: list[Any], max_tokens: int | None) -> float:
        """Set aside the most the next request can cost under --max-cost (see `assistant/drafting/budget.py`)."""
        if self.budget is None:
            return 0.0
        prompt = sum(count_tokens(str(m.content), self.model) for m in messages)
        return self.budget.hold(prompt, max_tokens or DEFAULT_ANSWER_ALLOWANCE)

    def _settle(self, held: float, actual: float) -> None:
        if self.budget is not None:
            self.budget.settle(held, actual)

    def _account(self, raw: Any, messages: list[Any], content: str, usage: Usage) -> None:
        meta = getattr(raw, "usage_metadata", None) or {}
        prompt = int(meta.get("input_tokens") or 0)
        completion = int(meta.get("output_tokens") or 0)
        if not prompt:
            prompt = sum(count_tokens(str(m.content), self.model) for m in messages)
        if not completion:
            completion = count_tokens(content, self.model)
        cost = (
            (prompt * self.price.prompt + completion * self.price.completion) / 1_000_000
            if self.price
            else 0.0
        )
        this = Usage(prompt_tokens=prompt, completion_tokens=completion, calls=1, cost_usd=cost)
        usage.add(this)
        with self._count_lock:
            self.total.add(this)


def _context_overflow(message: str) -> bool:
    lowered = message.lower()
    return any(
        k in lowered
        for k in ("context_length_exceeded", "context length", "maximum context", "prompt is too long")
    )


def _cut_off(max_tokens: int | None) -> str:
    return (
        f"the model's answer was cut off at its length limit ({max_tokens or 'the server default'} tokens, "
        "finish_reason=length); set ISMS_MAX_OUTPUT_TOKENS higher or use a model with more room"
    )
