"""Real embeddings (all-MiniLM-L6-v2 from the pip package), real chromadb, the labelled set."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ids import is_clause_id, is_control_id
from eval.retrieval.metrics import load_queries, score
from eval.retrieval.score import evaluate
from tests.conftest import copy_example


def test_labelled_set_is_large_and_valid() -> None:
    queries = load_queries()
    assert len(queries) >= 80
    assert len({q.text for q in queries}) == len(queries)
    for q in queries:
        assert all(is_control_id(i) or is_clause_id(i) for i in q.relevant)
        assert not any(q.text.lower().startswith(t) for t in ("a.5", "a.8", "clause"))


def test_metrics_on_known_rankings() -> None:
    labels = [frozenset({"A.8.13"}), frozenset({"A.5.15", "A.8.2"}), frozenset({"6.1.2"})]
    rankings = [["A.8.13", "A.8.14"], ["A.5.1", "A.8.2"], ["A.5.1"] * 5]
    result = score(rankings, labels)
    assert result.recall_at_1 == pytest.approx(1 / 3)
    assert result.recall_at_5 == pytest.approx(2 / 3)
    assert result.mrr == pytest.approx((1 + 0.5 + 0) / 3)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("ws") / "kestrel"
    copy_example("kestrel-saas", target)
    return Path(target)


@pytest.fixture(scope="module")
def results(ws: Path):  # type: ignore[no-untyped-def]
    return evaluate(ws)


def test_hybrid_meets_the_targets_and_is_the_best_default(results) -> None:  # type: ignore[no-untyped-def]
    hybrid = results["hybrid"]
    assert hybrid.recall_at_5 >= 0.92  # issue 19: the labelled set does not regress
    assert hybrid.mrr >= 0.75
    assert hybrid.mrr >= max(results["dense"].mrr, results["lexical"].mrr)


def test_the_harder_set_meets_its_targets(ws: Path) -> None:
    """Issue 19, on the harder set (paraphrases, auditor questions, scenarios, confusable controls, short
    forms, typos): recall@5 >= 0.90 and MRR >= 0.75 overall, recall@5 >= 0.85 for paraphrases."""
    from eval.retrieval.score import evaluate_by_category

    overall, by_category = evaluate_by_category(ws, modes=("hybrid",))
    assert overall["hybrid"].recall_at_5 >= 0.90 and overall["hybrid"].mrr >= 0.75
    assert by_category["hybrid"]["paraphrase"].recall_at_5 >= 0.85


def test_questions_are_routed_by_intent(ws: Path, results) -> None:  # type: ignore[no-untyped-def]
    """A question about "our" practice ranks the organisation's facts, risks and documents first; a
    guidance question ranks controls and clauses (and the catalogue) first. `results` built the index."""
    from assistant.index.search import GUIDANCE_KINDS
    from assistant.index.workspace_index import open_retriever
    from assistant.inputs.workspace import Workspace
    from assistant.settings import load_settings

    retriever = open_retriever(Workspace.open(ws), load_settings(workspace=ws, provider="offline"))
    ours = retriever.search("our MFA for admins", k=5)
    assert [h.kind for h in ours[:3]] == ["org", "org", "org"], [h.id for h in ours]
    assert ours[0].kind == "org" and any(h.id == "A.8.5" for h in ours)  # the guidance still in the five
    guidance = retriever.search("how long should logs be kept", k=5)
    assert all(h.kind in GUIDANCE_KINDS for h in guidance), [h.id for h in guidance]
    assert "A.8.15" in [h.id for h in guidance]
