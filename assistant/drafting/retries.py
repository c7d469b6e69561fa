"""When a failed request to a model endpoint is worth another try, and how long to wait first."""

from __future__ import annotations

import random


def retryable(exc: Exception) -> bool:
    """429s, timeouts, lost connections and 5xx (and 408/409) are worth another try; other answers are not."""
    import openai  # the client library loads only when a request has failed

    if isinstance(exc, (openai.RateLimitError, openai.APITimeoutError, openai.APIConnectionError)):
        return True
    status = getattr(exc, "status_code", 0) or 0
    return status >= 500 or status in (408, 409)


def retry_delay(exc: Exception, attempt: int) -> float:
    """The server's Retry-After (retry-after-ms or retry-after seconds) when it gives one, else exponential
    backoff with jitter; never more than a minute."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name, ""))
        except (TypeError, ValueError):
            continue
        if 0 <= value * scale <= 60:
            return value * scale
    return min(8.0, 0.5 * 2**attempt) * (1 + random.random() / 4)  # noqa: S311 - jitter, not security


__all__ = ["retry_delay", "retryable"]
