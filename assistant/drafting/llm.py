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
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assistant.drafting.cache import ResponseCache
from assistant.drafting.models import Usage
from assistant.errors import CheckFailed, InputError
from assistant.settings import API_KEY_VARS, Price, Settings, auth_message, endpoint, require_api_key
from assistant.tokens import count_tokens, encoding_for

M = TypeVar("M", bound=BaseModel)
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
    """One configured endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, LM Studio ...)."""

    name = "openai"

    def __init__(self, settings: Settings, cache: ResponseCache | None, max_reasks: int = 2) -> None:
        from langchain_openai import ChatOpenAI

        given = settings.api_key.get_secret_value() if settings.api_key else ""
        require_api_key("the openai provider", given, settings.base_url)
        key = given or "not-needed"
        self.model = settings.model
        self.settings = settings
        self.cache = cache
        self.max_reasks = max_reasks
        self.limiter = RateLimiter(settings.requests_per_minute)
        self.price: Price | None = settings.prices.get(settings.model)
        self.tokenizer = encoding_for(settings.model)[1]
        self._chat = ChatOpenAI(
            model=settings.model,
            api_key=key,
            base_url=settings.base_url,  # type: ignore[arg-type]
            timeout=settings.timeout_seconds,
            max_retries=settings.max_retries,
            temperature=0.2,
        )
        self._json_chat = self._chat.bind(response_format={"type": "json_object"})
        self.requests = 0
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
    ) -> tuple[M, Usage]:
        """Ask for `schema`; re-ask on invalid output; cache the accepted answer.

        `repairable` finds problems the caller can mend on its own (an SoA row falls back to the offline row):
        they are re-asked once, then a reply that still has them is accepted and cached (a re-run mends it the
        same way without a request). The caller must check such a reply again before using its text.
        """
        from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

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
        # JSON mode on the chat model itself, parsed here: langchain's structured-output chain runs each
        # call through a parallel runnable that starts threads, which cost more CPU than the request.
        runnable = self._json_chat
        messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(user)]
        problems: list[str] = []
        repair_asks = 1 if repairable is not None else 0
        for attempt in range(self.max_reasks + 1):
            raw, parsed, problems = self._invoke(runnable, messages, schema, usage)
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

    def _invoke(
        self, runnable: Any, messages: list[Any], schema: type[M], usage: Usage
    ) -> tuple[str, M | None, list[str]]:
        import openai

        try:
            with self._inflight:
                self.limiter.wait()
                with self._count_lock:
                    self.requests += 1
                result = runnable.invoke(messages)
        except openai.AuthenticationError:
            raise ProviderAuthError(
                auth_message("model", self.settings.base_url, bool(self.settings.api_key))
            ) from None
        except openai.PermissionDeniedError:
            raise ProviderAuthError(
                f"the API key ({API_KEY_VARS}) may not use model {self.model} at {endpoint(self.settings.base_url)}; "
                "check its permissions or set ISMS_MODEL / --model"
            ) from None
        except openai.NotFoundError:
            raise ProviderAuthError(
                f"model {self.model!r} was not found at {endpoint(self.settings.base_url)}; set ISMS_MODEL / --model "
                "(or ISMS_BASE_URL / --base-url)"
            ) from None
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise DraftStepFailed(
                f"no answer from the model endpoint after retries ({exc.__class__.__name__})"
            ) from None
        except openai.RateLimitError:
            raise DraftStepFailed("the model endpoint kept rate-limiting (429) after retries") from None
        except openai.APIStatusError as exc:
            raise DraftStepFailed(
                f"the model endpoint failed with HTTP {exc.status_code} after retries"
            ) from None
        except (ValidationError, json.JSONDecodeError, ValueError) as exc:
            return "", None, [f"the reply could not be parsed: {exc}"]
        content = result.content if isinstance(result.content, str) else ""
        self._account(result, messages, content, usage)
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            return content, None, [f"the reply was not valid JSON for the schema: {str(exc)[:300]}"]
        try:
            parsed = schema.model_validate(data)
        except ValidationError as exc:
            return content, None, [f"the JSON did not match the schema: {exc.errors()[:3]}"]
        return content, parsed, []

    def _account(self, raw: Any, messages: list[Any], content: str, usage: Usage) -> None:
        meta = getattr(raw, "usage_metadata", None) or {}
        prompt = int(meta.get("input_tokens") or 0)
        completion = int(meta.get("output_tokens") or 0)
        if not prompt:
            prompt = sum(count_tokens(str(m.content), self.model) for m in messages)
        if not completion:
            completion = count_tokens(content, self.model)
        usage.prompt_tokens += prompt
        usage.completion_tokens += completion
        usage.calls += 1
        if self.price is not None:
            usage.cost_usd += (prompt * self.price.prompt + completion * self.price.completion) / 1_000_000
