from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.index import store
from assistant.index import workspace_index as wi
from assistant.index.search import Filters
from assistant.inputs.workspace import Workspace
from assistant.settings import load_settings
from tests.conftest import copy_example, invoke
from tests.fakes import HashingEmbedder


@pytest.fixture
def fake(fake_embedder: HashingEmbedder) -> HashingEmbedder:
    return fake_embedder


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    target = tmp_path / "kestrel"
    copy_example("kestrel-saas", target)
    return target


def _build(ws: Path):  # type: ignore[no-untyped-def]
    return wi.build_workspace_index(Workspace.open(ws), load_settings())


def test_build_indexes_every_source(ws: Path, fake: HashingEmbedder) -> None:
    report, sources = _build(ws)
    assert report.rebuilt and report.added == report.total and sources.documents == 2
    kinds = {c.kind for c in sources.chunks}
    assert kinds == {"control", "clause", "document", "org"}
    refs = {c.ref for c in sources.chunks}
    assert {"A.8.24", "6.1.2", "doc:access-control-policy", "risk:R-001", "org:profile.technology"} <= refs
    assert any(r.startswith("file:docs/") for r in refs)
    assert any(r.startswith("org:legal:") for r in refs)
    meta = next(c for c in sources.chunks if c.ref == "A.8.24").metadata
    assert meta["theme"] == "technological" and meta["source"].endswith("A.8.24.yaml") and meta["location"]


def test_unchanged_rebuild_embeds_nothing(ws: Path, fake: HashingEmbedder) -> None:
    _build(ws)
    calls = fake.calls
    report, _ = _build(ws)
    assert (report.added, report.updated, report.removed, report.rebuilt) == (0, 0, 0, False)
    assert fake.calls == calls


def test_incremental_counts(ws: Path, fake: HashingEmbedder) -> None:
    _build(ws)
    (ws / "docs" / "engineering-on-call-and-incident-runbook.md").unlink()
    (ws / "docs" / "new-policy.md").write_text("# Travel\n\nTake only your work laptop abroad.\n")
    risks = (ws / "risks.csv").read_text().replace("R-001,", "R-001,Changed ", 1)
    (ws / "risks.csv").write_text(risks)
    before = fake.texts
    report, _ = _build(ws)
    assert report.added >= 1 and report.updated == 1 and report.removed >= 1
    assert fake.texts - before == report.added + report.updated


def test_settings_change_rebuilds(ws: Path, fake: HashingEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(ws)
    other = HashingEmbedder(name="test/other")
    monkeypatch.setattr(wi, "embedder_for", lambda settings, cache_dir=None: (other.name, lambda: other))
    report, _ = _build(ws)
    assert report.rebuilt and "embedding model" in report.reason


def test_failure_mid_build_leaves_previous_index_usable(
    ws: Path, fake: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(ws)
    index = ws / ".isms" / "index"
    manifest_before = (index / store.MANIFEST).read_text()
    (ws / "docs" / "extra.md").write_text("# Extra\n\nSomething new to embed.\n")
    broken = HashingEmbedder(name=fake.name, fail_after=0)
    monkeypatch.setattr(wi, "embedder_for", lambda settings, cache_dir=None: (broken.name, lambda: broken))
    with pytest.raises(RuntimeError):
        _build(ws)
    assert (index / store.MANIFEST).read_text() == manifest_before
    assert not (ws / ".isms" / "index.staging").exists()
    monkeypatch.setattr(wi, "embedder_for", lambda settings, cache_dir=None: (fake.name, lambda: fake))
    retriever = wi.open_retriever(Workspace.open(ws), load_settings())
    assert retriever.search("encryption keys", k=3)


def test_interrupted_swap_is_recovered(ws: Path, fake: HashingEmbedder) -> None:
    _build(ws)
    index = ws / ".isms" / "index"
    index.rename(index.with_name("index.old"))  # as if killed between the two renames
    assert store.read_manifest(index) is not None
    assert index.exists()


def test_filters_and_hybrid_modes(ws: Path, fake: HashingEmbedder) -> None:
    _build(ws)
    retriever = wi.open_retriever(Workspace.open(ws), load_settings())
    hits = retriever.search("backup restore test", k=5, filters=Filters(kinds=("control",)))
    assert hits and all(h.kind == "control" for h in hits)
    hits = retriever.search("backup", k=5, filters=Filters(themes=("physical",)))
    assert all(h.id.startswith("A.7.") for h in hits)
    hits = retriever.search("anything", k=3, filters=Filters(ids=("A.8.13",)))
    assert [h.id for h in hits] == ["A.8.13"]
    for mode in ("dense", "lexical", "hybrid"):
        assert retriever.search("laptop encryption", k=5, mode=mode)  # type: ignore[arg-type]
    risk_hits = retriever.search("risk R-001", k=5, filters=Filters(kinds=("org",)))
    assert any(h.id == "risk:R-001" for h in risk_hits)


def test_search_without_index_is_input_error(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "search", "laptops", "--workspace", str(ws))
    assert result.exit_code == 2 and "isms index build" in result.output


def test_cli_build_and_search_json(ws: Path, fake: HashingEmbedder, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "skipped" in result.output
    result = invoke(
        runner, "search", "key management for encryption", "--k", "3", "--json", "--workspace", str(ws)
    )
    assert result.exit_code == 0
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and set(hits[0]) == {"id", "kind", "title", "score"}
    assert hits[0]["kind"] in {"control", "clause", "document", "org"}


def test_cli_batch_queries(ws: Path, fake: HashingEmbedder, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    invoke(runner, "index", "build", "--workspace", str(ws))
    queries = tmp_path / "q.txt"
    queries.write_text("laptop stolen\n\nprod database restore drill\nvisitor badges\n")
    result = invoke(runner, "search", "--queries", str(queries), "--json", "--workspace", str(ws))
    assert result.exit_code == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3 and all(isinstance(json.loads(line), list) for line in lines)
    assert fake.calls <= 2 + 3  # build batch(es) + one embedding per query: the model is loaded once


def test_cli_strict_and_skips(ws: Path, fake: HashingEmbedder, runner) -> None:  # type: ignore[no-untyped-def]
    (ws / "docs" / "empty.md").write_bytes(b"")
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    assert result.exit_code == 0 and "skipped docs/empty.md: empty file" in result.output
    assert "1 file(s) skipped" in result.output
    result = invoke(runner, "index", "build", "--strict", "--workspace", str(ws))
    assert result.exit_code == 2 and "--strict" in result.output


def test_cli_search_usage_errors(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "search", "--workspace", str(ws)).exit_code == 2
    assert invoke(runner, "search", "x", "--mode", "fuzzy", "--workspace", str(ws)).exit_code == 2
    assert invoke(runner, "search", "x", "--kind", "policy", "--workspace", str(ws)).exit_code == 2
