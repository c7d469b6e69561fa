"""Test isolation: no real keys, no user .env, no network; everything in temp folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
EXAMPLE_NAMES = ["kestrel-saas", "meridian-payments"]  # the examples the generation tests draft
ALL_EXAMPLES = [*EXAMPLE_NAMES, "harrow-precision"]  # every bundled workspace (inputs validated)


def copy_example(name: str, target: Path) -> Path:
    """A private copy of an example workspace: tests never write into examples/ (store, index, output)."""
    shutil.copytree(EXAMPLES / name, target, ignore=shutil.ignore_patterns(".isms", "out"))
    return target


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("ISMS_") or key in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    # A .env in the developer's folder must not leak into tests.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str):  # type: ignore[no-untyped-def]
    from assistant.cli.main import app

    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def fake_embedder(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A fast, deterministic embedder in place of the model: indexing tests stay quick and offline."""
    from assistant.index import workspace_index as wi
    from tests.fakes import HashingEmbedder

    embedder = HashingEmbedder()
    monkeypatch.setattr(
        wi, "embedder_for", lambda settings, cache_dir=None: (embedder.name, lambda: embedder)
    )
    return embedder
