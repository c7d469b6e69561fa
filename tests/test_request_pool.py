"""Throughput's shape on the LLM path (issue 17, item 8): one request pool, a warm-up before the first
request, requests bounded by the concurrency while the pool keeps every slot busy. Timings are measured in
bench/generate.py; these tests check the behaviour that makes them."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import SOA_DOC, Engine
from assistant.drafting.request_pool import RequestPool
from assistant.generation.runner import Generator
from tests.helpers import LOOPBACK_KEY, kestrel_copy
from tests.openai_server import FakeOpenAI, obliging_reply

DOCS = ["cryptography-policy", "access-control-policy", "clear-desk-and-screen-policy", SOA_DOC]


class Watch:
    """A responder that answers like a model after `hold` seconds and records what the drafting process
    looked like at each request: requests at the server at once, and the drafting threads alive."""

    def __init__(self, hold: float, on_first: Any = None) -> None:
        self.hold = hold
        self.on_first = on_first
        self.active = 0
        self.peak = 0
        self.threads: list[dict[str, int]] = []
        self.lock = threading.Lock()
        self.seen = 0

    def __call__(self, body: dict[str, Any]) -> str:
        with self.lock:
            self.seen += 1
            first = self.seen == 1
            self.active += 1
            self.peak = max(self.peak, self.active)
            names = [t.name for t in threading.enumerate()]
            self.threads.append(
                {
                    "request": sum(n.startswith("request") for n in names),
                    "document": sum(n.startswith("document") for n in names),
                    "other pools": sum(n.startswith("ThreadPoolExecutor") for n in names),
                }
            )
        if first and self.on_first is not None:
            self.on_first()
        time.sleep(self.hold)
        with self.lock:
            self.active -= 1
        return obliging_reply(body)


def _generator(ws: Path, url: str, concurrency: int) -> tuple[Engine, Generator]:
    inputs = load_inputs(ws, provider="openai", base_url=url, concurrency=concurrency)
    engine = Engine(inputs)
    return engine, Generator(inputs, engine, force=True)


def test_one_pool_fills_every_slot_and_never_more(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", LOOPBACK_KEY)
    ws = kestrel_copy(tmp_path)
    watch = Watch(hold=0.15)
    with FakeOpenAI() as server:
        server.responder = watch
        engine, generator = _generator(ws, server.base_url, concurrency=4)
        report = generator.run(DOCS)
    assert report.count("written") == len(DOCS), [r.reason for r in report.failed]
    assert watch.peak == 4  # the concurrency is reached (the pool keeps the slots busy) and never passed
    assert max(t["request"] for t in watch.threads) <= 8  # one pool: twice the slots, however many documents
    assert max(t["document"] for t in watch.threads) <= 4
    assert max(t["other pools"] for t in watch.threads) == 0  # no pool per document or per SoA


def test_the_client_and_every_plan_are_ready_before_the_first_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", LOOPBACK_KEY)
    ws = kestrel_copy(tmp_path)
    seen: dict[str, Any] = {}
    holder: dict[str, Engine] = {}

    def on_first() -> None:
        engine = holder["engine"]
        corpus = engine.inputs.corpus
        wanted = {(d, s.heading) for d in DOCS if d != SOA_DOC for s in corpus.documents[d].sections}
        seen["planned"] = wanted <= set(engine._plans)
        seen["client"] = engine.writer._chat is not None  # type: ignore[attr-defined]

    watch = Watch(hold=0.0, on_first=on_first)
    with FakeOpenAI() as server:
        server.responder = watch
        engine, generator = _generator(ws, server.base_url, concurrency=4)
        holder["engine"] = engine
        report = generator.run(DOCS)
    assert seen == {"planned": True, "client": True}
    assert report.warmup_seconds > 0 and report.drafting_seconds > 0
    assert abs(report.warmup_seconds + report.drafting_seconds - report.seconds) < 0.01


def test_an_unchanged_run_has_no_warm_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", LOOPBACK_KEY)
    ws = kestrel_copy(tmp_path)
    with FakeOpenAI() as server:
        _engine, generator = _generator(ws, server.base_url, concurrency=2)
        assert generator.run(["cryptography-policy"]).count("written") == 1
        inputs = load_inputs(ws, provider="openai", base_url=server.base_url)
        engine = Engine(inputs)
        report = Generator(inputs, engine).run(["cryptography-policy"])
        assert report.count("unchanged") == 1
        assert engine.writer._chat is None  # type: ignore[attr-defined]  # no client, no langchain loaded


def test_pool_map_keeps_order_and_raises_the_first_failure_after_dropping_the_queue() -> None:
    pool = RequestPool(2)  # four threads
    ran: list[int] = []
    lock = threading.Lock()

    def task(i: int) -> int:
        time.sleep(0.02)
        with lock:
            ran.append(i)
        if i == 1:
            raise ValueError("task 1 failed")
        return i * 10

    assert pool.map(lambda i: i * 10, range(12)) == [i * 10 for i in range(12)]
    with pytest.raises(ValueError, match="task 1 failed"):
        pool.map(task, range(40))
    assert len(ran) < 40  # queued tasks were dropped, not run for a document that has failed
    pool.close()


def test_pool_map_from_a_pool_thread_runs_in_line() -> None:
    pool = RequestPool(1)  # one thread: a nested map that queued its tasks would wait for ever

    def outer(i: int) -> list[int]:
        return pool.map(lambda j: i + j, [1, 2, 3])

    assert pool.map(outer, [0, 10]) == [[1, 2, 3], [11, 12, 13]]
    pool.close()


def test_concurrency_one_drafts_one_section_after_another() -> None:
    assert RequestPool(1).workers == 1
    assert RequestPool(4).workers == 8


def test_no_thread_lingers_once_the_work_is_done() -> None:
    pool = RequestPool(3)
    assert pool.map(lambda i: i, range(10)) == list(range(10))
    deadline = time.monotonic() + 5
    while any(t.name.startswith("request") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.name.startswith("request") for t in threading.enumerate())
