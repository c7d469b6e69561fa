"""Cost before a run (issue 17, item 7): `isms generate --dry-run` renders the exact prompts the run would
send (nothing is sent) and prints requests, tokens and cost; `--max-cost` refuses a run estimated over it;
a model with no known price is a warning, not a silent $0."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.tokens import count_tokens
from tests.conftest import invoke
from tests.helpers import kestrel_copy, loopback_openai
from tests.openai_server import FakeOpenAI

ONLY = "access-control-policy,statement-of-applicability"
ESTIMATE = re.compile(
    r"estimate with (\S+): (\d+) request\(s\) \((\d+) answered from the cache\), (\d+) prompt"
)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return kestrel_copy(tmp_path)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with loopback_openai(monkeypatch) as fake:
        yield fake


def _generate(ws: Path, server: FakeOpenAI, *extra: str) -> object:
    return invoke(
        CliRunner(), "generate", "--only", ONLY, "--provider", "openai", "--base-url", server.base_url,
        "--workspace", str(ws), *extra,
    )  # fmt: skip


def _sent_prompt_tokens(server: FakeOpenAI) -> int:
    return sum(
        count_tokens(m["content"], "gpt-4o-mini")
        for body in server.chat_requests
        for m in body["messages"]
        if isinstance(m.get("content"), str)
    )


def test_dry_run_estimate_matches_the_run_and_sends_nothing(ws: Path, server: FakeOpenAI) -> None:
    dry = _generate(ws, server, "--dry-run")
    out = " ".join(dry.output.split())  # type: ignore[attr-defined]
    assert dry.exit_code == 0, out  # type: ignore[attr-defined]
    assert server.chat_requests == [] and not (ws / "out" / "access-control-policy.md").exists()
    found = ESTIMATE.search(out)
    assert found, out
    model, calls, cached, prompt = (
        found.group(1),
        int(found.group(2)),
        int(found.group(3)),
        int(found.group(4)),
    )
    assert model == "gpt-4o-mini" and cached == 0 and "cost $" in out
    run = _generate(ws, server)
    assert run.exit_code == 0, run.output  # type: ignore[attr-defined]
    assert len(server.chat_requests) == calls
    sent = _sent_prompt_tokens(server)
    assert abs(prompt - sent) <= 0.10 * sent  # within 10% (the same prompts, counted the same way)
    again = " ".join(_generate(ws, server, "--dry-run").output.split())  # type: ignore[attr-defined]
    assert "0 of 2 document(s) would be drafted again" in again and "estimate with" not in again


def test_max_cost_refuses_a_run_over_it_before_any_request(ws: Path, server: FakeOpenAI) -> None:
    refused = _generate(ws, server, "--max-cost", "0.001")
    out = " ".join(refused.output.split())  # type: ignore[attr-defined]
    assert refused.exit_code == 2 and "over --max-cost $0.0010" in out and "nothing was sent" in out  # type: ignore[attr-defined]
    assert server.chat_requests == [] and not (ws / "out" / "access-control-policy.md").exists()
    allowed = _generate(ws, server, "--max-cost", "5")
    assert allowed.exit_code == 0 and server.chat_requests  # type: ignore[attr-defined]


def test_an_unpriced_model_is_a_warning_not_a_silent_zero(
    ws: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISMS_MODEL", "local-llama-3")
    dry = _generate(ws, server, "--dry-run")
    out = " ".join(dry.output.split())  # type: ignore[attr-defined]
    assert (
        dry.exit_code == 0 and "cost unknown" in out and "no price is known for model 'local-llama-3'" in out
    )  # type: ignore[attr-defined]
    refused = _generate(ws, server, "--max-cost", "1")
    assert refused.exit_code == 2 and "ISMS_PRICES" in refused.output  # type: ignore[attr-defined]


def test_offline_dry_run_has_no_estimate(ws: Path) -> None:
    dry = invoke(CliRunner(), "generate", "--dry-run", "--provider", "offline", "--workspace", str(ws))
    assert dry.exit_code == 0 and "estimate with" not in dry.output  # type: ignore[attr-defined]


def _long_answers(body: dict[str, object]) -> dict[str, int]:
    """A model that answers at the full length allowed: far more than the estimate's offline wording."""
    messages = body["messages"]
    assert isinstance(messages, list)
    prompt = sum(
        count_tokens(m["content"], "gpt-4o-mini") for m in messages if isinstance(m.get("content"), str)
    )
    answer = int(body["max_completion_tokens"])  # type: ignore[call-overload]
    return {"prompt_tokens": prompt, "completion_tokens": answer, "total_tokens": prompt + answer}


def _billed(server: FakeOpenAI) -> float:
    """What the requests the server answered cost at gpt-4o-mini's price ($0.15 / $0.60 per million)."""
    return sum(
        (u["prompt_tokens"] * 0.15 + u["completion_tokens"] * 0.60) / 1_000_000
        for u in map(_long_answers, server.chat_requests)
    )


def test_max_cost_stops_a_run_that_costs_more_than_estimated_before_exceeding_it(
    ws: Path, server: FakeOpenAI
) -> None:
    server.usage = _long_answers
    dry = " ".join(_generate(ws, server, "--dry-run").output.split())  # type: ignore[attr-defined]
    estimate = float(re.search(r"cost \$([\d.]+)", dry).group(1))  # type: ignore[union-attr]
    cap = round(estimate * 1.3, 4)  # the estimate passes; the real answers, several times as long, do not
    run = _generate(ws, server, "--max-cost", str(cap))
    out = " ".join(run.output.split())  # type: ignore[attr-defined]
    assert run.exit_code == 1, out  # type: ignore[attr-defined]
    assert f"of --max-cost ${cap:.4f} is spent" in out and "raise --max-cost" in out
    sent = len(server.chat_requests)
    assert 0 < sent and _billed(server) <= cap  # stopped in time: never over the cap
    assert (
        not (ws / "out" / "statement-of-applicability.md").exists()
        or not (ws / "out" / "access-control-policy.md").exists()
    )  # the run did not finish the set
    # Every answer received is cached: a run with room completes the set without asking them again.
    done = _generate(ws, server, "--max-cost", "5")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    again = server.chat_requests[sent:]
    assert (ws / "out" / "statement-of-applicability.md").exists() and (
        ws / "out" / "access-control-policy.md"
    ).exists()
    assert not {json.dumps(b["messages"]) for b in again} & {
        json.dumps(b["messages"]) for b in server.chat_requests[:sent]
    }
