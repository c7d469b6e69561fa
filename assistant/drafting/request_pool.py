"""The one pool of threads that drafts with a model: every section and SoA batch of a run is a task here.

The model client bounds the requests in flight to the configured concurrency (its slot); the pool has twice
as many threads, so while that many requests wait on the network the others render their prompts, check the
answers that came back or sleep before a retry, and a slot is never held for anything but the request.
Documents are coordinated elsewhere (their threads only wait here and then write files), so no thread that
holds a slot waits for another task, and there is one pool however many documents run side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


class RequestPool:
    def __init__(self, concurrency: int) -> None:
        # Concurrency 1 drafts strictly one section after another, in order (a local model with one slot,
        # or a reproducible order of requests).
        self.workers = 1 if concurrency <= 1 else 2 * concurrency
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._active = 0  # maps running: the threads stop when the last one ends (no idle threads linger)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="request", initializer=self._mark
                )
            return self._pool

    def _mark(self) -> None:
        self._local.worker = True

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`fn` over `items` on the pool, results in order; the first failure (in order) is raised once every
        task has finished, so nothing is left running for a document that failed. Called from one of the
        pool's own threads it runs in line, so a task never waits for tasks queued behind it."""
        items = list(items)
        if getattr(self._local, "worker", False) or len(items) <= 1:
            return [fn(item) for item in items]
        with self._lock:
            self._active += 1
        try:
            futures: list[Future[R]] = [self._executor().submit(fn, item) for item in items]
            for future in futures:
                exc = future.exception()  # waits
                if exc is not None:
                    for other in futures:
                        other.cancel()
                    for other in futures:
                        if not other.cancelled():
                            other.exception()
                    raise exc
            return [f.result() for f in futures]
        finally:
            with self._lock:
                self._active -= 1
                idle, pool = self._active == 0, self._pool
                if idle:
                    self._pool = None
            if idle and pool is not None:
                pool.shutdown(wait=False)  # its threads end; the next map starts new ones

    def close(self) -> None:
        """Drop the queued tasks and let the running ones finish (a later `map` starts the threads again)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
