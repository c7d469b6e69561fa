"""A spending cap for one run (`isms generate --max-cost USD`, or ISMS_MAX_COST).

Before each request the most it can cost is set aside: its prompt's tokens (counted) plus the whole answer
allowance (`max_tokens`), at the model's price. A request that would take what is spent plus what is set
aside for the requests in flight over the cap is not sent; when its answer comes back, what it really cost
replaces what was set aside. So the run stops before the cap is exceeded, however many requests run at once.
"""

from __future__ import annotations

import threading

from assistant.errors import CheckFailed
from assistant.settings import Price


class BudgetReached(CheckFailed):
    """The next request could take the run over its cap: the run stops; finished documents are kept."""


class Budget:
    def __init__(self, limit_usd: float, price: Price) -> None:
        self.limit = limit_usd
        self.price = price
        self.spent = 0.0
        self.held = 0.0  # set aside for the requests in flight
        self._lock = threading.Lock()

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.price.prompt + completion_tokens * self.price.completion) / 1_000_000

    def hold(self, prompt_tokens: int, max_completion_tokens: int) -> float:
        """Set aside the most this request can cost, or raise `BudgetReached` if that could pass the cap."""
        most = self.cost(prompt_tokens, max_completion_tokens)
        with self._lock:
            if self.spent + self.held + most > self.limit:
                raise BudgetReached(
                    f"not sent: ${self.spent:.4f} of --max-cost ${self.limit:.4f} is spent"
                    + (f", ${self.held:.4f} is held for the requests in flight," if self.held else "")
                    + f" and the next request could cost up to ${most:.4f} ({prompt_tokens} prompt tokens and up "
                    f"to {max_completion_tokens} answer tokens)"
                )
            self.held += most
        return most

    def settle(self, held: float, actual: float) -> None:
        """The request's answer came back (or it failed, `actual` 0): its real cost replaces what was held."""
        with self._lock:
            self.held = max(0.0, self.held - held)
            self.spent += actual
