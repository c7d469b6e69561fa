"""Exact incrementality and the context a model reads (issue 17, items 5 and 6).

A document is redrafted exactly when what it is drafted from changed: its plan (with the passages and rules
of docs/ it used, by content hash) and, for a model, the text of its prompt templates. Two copies of a
workspace give byte-identical prompts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import Engine
from assistant.drafting.plan import MIN_DOC_SHARED, DocsPassages
from assistant.generation.manifest import Manifest
from tests.conftest import copy_example, invoke
from tests.openai_server import FakeOpenAI

RUNBOOK = "docs/engineering-on-call-and-incident-runbook.md"
DOCS = [
    "incident-management-procedure",
    "acceptable-use-policy",
    "cryptography-policy",
    "logging-and-monitoring-policy",
]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key-000000")
    monkeypatch.setenv("ISMS_MAX_RETRIES", "2")
    monkeypatch.setenv("ISMS_CONCURRENCY", "1")  # requests in a known order
    with FakeOpenAI() as fake:
        yield fake


def _generate(runner, ws: Path, server: FakeOpenAI | None, docs: list[str] = DOCS):  # type: ignore[no-untyped-def]
    provider = (
        ["--provider", "openai", "--base-url", server.base_url] if server else ["--provider", "offline"]
    )
    result = invoke(runner, "generate", *provider, "--workspace", str(ws), "--only", ",".join(docs))
    assert result.exit_code == 0, result.output
    return result


def _snapshot(ws: Path) -> dict[str, tuple[int, bytes]]:
    out = ws / "out"
    return {
        str(p.relative_to(out)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _titles(server: FakeOpenAI) -> list[str]:
    """The document each chat request drafted (its prompt starts "Document: <title> (<kind>)")."""
    found = []
    for body in server.chat_requests:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        found.append(user.split("\n", 1)[0].removeprefix("Document: ").rsplit(" (", 1)[0])
    return found


def _engine(ws: Path, provider: str = "offline") -> Engine:
    return Engine(load_inputs(ws, provider=provider))


def _passage_users(ws: Path, source: str) -> set[str]:
    """The documents of DOCS whose model plans used a passage of `source`."""
    engine = _engine(ws)
    planner = engine.planner
    planner.docs = DocsPassages.of_folder(ws / "docs", ws)
    corpus = engine.inputs.corpus
    return {
        d
        for d in DOCS
        for s in corpus.documents[d].sections
        if any(p.source == source for p in planner.plan(corpus.documents[d], s).passages)
    }


def test_identical_rerun_sends_nothing_and_rewrites_nothing(
    runner, tmp_path: Path, server: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "k")
    _generate(runner, ws, server)
    assert server.chat_requests
    before = _snapshot(ws)
    server.chat_requests.clear()
    _generate(runner, ws, server)
    assert server.chat_requests == []
    assert _snapshot(ws) == before  # same bytes, same mtimes: nothing written again
    manifest = Manifest(ws / "out")
    assert all(manifest.documents[d]["status"] == "unchanged" for d in DOCS), manifest.documents
    assert manifest.run["written"] == 0 and manifest.run["unchanged"] == len(DOCS)


def test_docs_edit_redrafts_exactly_the_documents_that_used_it(
    runner, tmp_path: Path, server: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "k")
    _generate(runner, ws, server)
    users = _passage_users(ws, RUNBOOK)
    assert users and users != set(DOCS)  # some documents used the runbook, some did not
    before = _snapshot(ws)
    # Every section of the runbook changes, in words that move no passage across the relevance floor
    # (none is a content word) and make no rule.
    path = ws / RUNBOOK
    lines = path.read_text().splitlines()
    edited = []
    for line in lines:
        edited.append(line)
        if line.startswith("#"):
            edited += ["", "It is so.", ""]
    path.write_text("\n".join(edited) + "\n")
    assert _passage_users(ws, RUNBOOK) == users

    stale = invoke(runner, "generate", "--provider", "openai", "--base-url", server.base_url,
                   "--workspace", str(ws), "--only", ",".join(DOCS), "--dry-run")  # fmt: skip
    assert stale.exit_code == 0, stale.output
    server.chat_requests.clear()
    _generate(runner, ws, server)
    after = _snapshot(ws)
    changed = {name.split(".")[0] for name in after if after[name] != before.get(name)}
    assert changed == users
    corpus = load_inputs(ws, provider="offline").corpus
    titles = {corpus.documents[d].title for d in users}
    assert server.chat_requests and set(_titles(server)) <= titles  # only those documents asked the model
    for d in DOCS:
        if d not in users:
            assert d not in stale.output
    assert "existing documents in docs/ changed" in stale.output


def test_prompt_template_edit_redrafts_model_documents_only(  # type: ignore[no-untyped-def]
    runner, tmp_path: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(Path(__file__).resolve().parents[1] / "prompts", prompts)
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(prompts))
    model_ws = copy_example("kestrel-saas", tmp_path / "model")
    offline_ws = copy_example("kestrel-saas", tmp_path / "offline")
    _generate(runner, model_ws, server)
    _generate(runner, offline_ws, None)
    model_before, offline_before = _snapshot(model_ws), _snapshot(offline_ws)

    template = prompts / "draft_section" / "user.v3.md.j2"
    template.write_text(template.read_text() + "\nKeep each sentence short.\n")  # edited in place: still v3
    server.chat_requests.clear()
    _generate(runner, model_ws, server)
    _generate(runner, offline_ws, None)
    assert server.chat_requests  # the new prompt text is not answered from the cache
    assert all("Keep each sentence short." in b["messages"][-1]["content"] for b in server.chat_requests)
    manifest = Manifest(model_ws / "out")
    model_after = _snapshot(model_ws)
    for d in DOCS:  # every model document was redrafted: its front matter records the new inputs hash
        assert model_after[f"{d}.md"] != model_before[f"{d}.md"]
        assert manifest.documents[d]["status"] == "written"
    assert _snapshot(offline_ws) == offline_before  # prompts are nothing to the offline writer


def test_two_copies_give_byte_identical_prompts(runner, tmp_path: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    prompts = []
    for name in ("one", "two"):
        ws = copy_example("kestrel-saas", tmp_path / name)
        server.chat_requests.clear()
        _generate(runner, ws, server)
        prompts.append(json.dumps(server.chat_requests, sort_keys=True))
    assert prompts[0] == prompts[1]
    assert RUNBOOK in prompts[0]  # the passages of docs/ are in the prompts


def test_relevance_floor_keeps_a_passage_out_of_most_sections(tmp_path: Path) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "k")
    engine = _engine(ws)
    planner = engine.planner
    docs = DocsPassages.of_folder(ws / "docs", ws)
    corpus = engine.inputs.corpus
    sections = [(d, s) for d in corpus.documents.values() for s in d.sections]
    landed: dict[str, int] = {}
    for d, s in sections:
        for p in docs.for_section(planner.query(d, s)):
            landed[p.id] = landed.get(p.id, 0) + 1
    assert landed and max(landed.values()) < len(sections) * 0.2
    # the query is the title, the heading and the controls' keywords, not the section's instruction
    doc = corpus.documents["cryptography-policy"]
    query = planner.query(doc, doc.sections[0])
    assert doc.title in query and doc.sections[0].heading in query
    assert doc.sections[0].establishes not in query
    # a passage that shares fewer than the floor's words is dropped however well it ranks
    kept = {p.id for p in docs.for_section(query)}
    assert all(n >= MIN_DOC_SHARED for p, _s, n in docs.ranked(query) if p.id in kept)


def test_risk_documents_see_the_whole_register(tmp_path: Path) -> None:
    from assistant.drafting.plan import fit_plan

    ws = copy_example("kestrel-saas", tmp_path / "k")
    engine = _engine(ws)
    register = engine.inputs.register
    assert register is not None
    corpus = engine.inputs.corpus
    for doc_id in (
        "risk-assessment-report",
        "risk-treatment-plan",
        "risk-assessment-and-treatment-methodology",
    ):
        doc = corpus.documents[doc_id]
        for section in doc.sections:
            plan = engine.planner.plan(doc, section, context=True)
            assert len(plan.risks) == len(register.risks) > 8
            shown: list[str] = []

            def render(step, shown=shown):  # type: ignore[no-untyped-def]
                shown[:] = list(step.risks)
                return "", "\n".join([*step.rules, *step.risks, *(p.text for p in step.passages)])

            fit_plan(plan, render, budget=1500)
            assert len(shown) == len(register.risks)  # shortened to fit, never dropped
    other = corpus.documents["cryptography-policy"]
    assert all(len(engine.planner.plan(other, s, context=True).risks) <= 8 for s in other.sections)


def test_exact_search_is_deterministic(tmp_path: Path, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.index import workspace_index as wi
    from assistant.inputs.workspace import Workspace
    from assistant.settings import load_settings

    rankings = []
    for name in ("one", "two"):
        ws = copy_example("kestrel-saas", tmp_path / name)
        wi.build_workspace_index(Workspace.open(ws), load_settings())
        retriever = wi.open_retriever(Workspace.open(ws), load_settings())
        scores = retriever.dense_scores("encryption keys rotation")
        assert retriever._exact is not None  # a small index is searched exhaustively
        rounded = [round(s, 9) for _c, s in scores]  # scores equal to 9 places are tied and ordered by id
        assert rounded == sorted(rounded, reverse=True)
        rankings.append([(c, round(s, 9)) for c, s in scores])
    assert rankings[0] == rankings[1]


def test_each_soa_batch_reads_the_facts_about_its_own_controls(
    runner, tmp_path: Path, server: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    _generate(runner, ws, server, ["statement-of-applicability"])
    batches: dict[str, list[str]] = {}
    for body in server.chat_requests:
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        if "Decide these" not in user:
            continue
        facts = user.split("Organisation facts:\n", 1)[1].split("\n\nDecide these", 1)[0]
        first = user.split("Decide these", 1)[1].split("\n- ", 1)[1].split(" ", 1)[0]
        batches.setdefault(first, [line[2:] for line in facts.splitlines() if line.startswith("- ")])
    assert len(batches) == 8  # 93 controls, twelve at a time
    assert len({tuple(f) for f in batches.values()}) == 8  # not the same facts pasted into every batch
    assert all(
        f[0].startswith("Kestrel Analytics Ltd (Kestrel Analytics) works in") for f in batches.values()
    )
    physical = next(f for first, f in batches.items() if first == "A.5.37")  # A.5.37 to A.7.3
    governance = batches["A.5.1"]
    office = "Lockable private office for 14 desks"
    assert any(office in fact for fact in physical) and not any(office in fact for fact in governance)
    assert any("Top management is represented by Priya Raman" in fact for fact in governance)
