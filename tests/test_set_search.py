"""Search over the current document set (assistant/set_search.py) and its Search page under AppTest."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.cli.loading import load_inputs
from assistant.knowledge.loader import Corpus
from assistant.set_search import bolded, search, set_index
from tests.conftest import REPO
from tests.helpers import generate_example, private_copy

APP = str(REPO / "ui" / "app.py")
LOGGING = "logging-and-monitoring-policy"
RETENTION = "Protecting and retaining logs"  # the section saying how long logs are kept
QUESTION = "where do we say how long logs are kept?"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "set-search")


@pytest.fixture(scope="module")
def corpus(generated: Path) -> Corpus:
    return load_inputs(generated).corpus


def test_a_question_finds_the_retention_sentence(generated: Path, corpus: Corpus) -> None:
    results = search(generated / "out", corpus, QUESTION)
    top = [(h.doc_id, h.section) for h in results.sentences[:3]]
    assert (LOGGING, RETENTION) in top, top
    hit = next(h for h in results.sentences if (h.doc_id, h.section) == (LOGGING, RETENTION))
    assert "days" in hit.text and hit.title == "Logging, Monitoring and Capacity Policy"
    assert "A.8.15" in [e.id for e in results.entries]  # the control the question is about
    assert results.documents[0].doc_id == LOGGING and results.entries_from == "corpus"


def test_a_control_id_finds_the_control_and_the_documents_citing_it(generated: Path, corpus: Corpus) -> None:
    results = search(generated / "out", corpus, "A.8.15")
    control = results.entries[0]
    assert (control.id, control.kind, control.title) == ("A.8.15", "control", "Logging")
    citing = {c.doc_id for c in control.cited_by}
    assert LOGGING in citing
    for doc_id in citing:  # every one really cites it
        assert "[A.8.15]" in (generated / "out" / f"{doc_id}.md").read_text(encoding="utf-8")
    assert results.sentences and all("[A.8.15]" in h.text for h in results.sentences)
    assert search(generated / "out", corpus, "logging").entries[0].id == "A.8.15"


def test_the_index_is_built_once_per_state_of_the_folder(
    generated: Path, corpus: Corpus, tmp_path: Path
) -> None:
    ws = private_copy(generated, tmp_path)
    out = ws / "out"
    first = set_index(out)
    assert set_index(out) is first
    started = time.perf_counter()
    for _ in range(5):
        search(out, corpus, QUESTION)
    assert (time.perf_counter() - started) / 5 < 0.5  # about 5 ms here; the bound only catches a rebuild
    page = out / f"{LOGGING}.md"
    page.write_text(page.read_text(encoding="utf-8").replace("400 days", "13 months"), encoding="utf-8")
    assert set_index(out) is not first
    hit = next(h for h in search(out, corpus, QUESTION).sentences if h.doc_id == LOGGING)
    assert "13 months" in hit.text


def test_controls_come_from_the_workspace_index_once_built(
    generated: Path, corpus: Corpus, tmp_path: Path, fake_embedder: object
) -> None:
    from typer.testing import CliRunner

    from assistant.set_search import workspace_retriever
    from tests.conftest import invoke

    ws = private_copy(generated, tmp_path)
    data = load_inputs(ws)
    assert workspace_retriever(data.workspace, data.settings) is None  # no index: the corpus answers
    assert invoke(CliRunner(), "index", "build", "--workspace", str(ws)).exit_code == 0
    retriever = workspace_retriever(data.workspace, data.settings)
    assert retriever is not None and workspace_retriever(data.workspace, data.settings) is retriever
    results = search(ws / "out", corpus, "logging of events", retriever)
    assert results.entries_from == "index"
    assert all(e.kind in ("control", "clause") for e in results.entries)
    logging = next(e for e in results.entries if e.id == "A.8.15")
    assert LOGGING in {c.doc_id for c in logging.cited_by}


def test_query_words_are_bolded_and_markdown_is_escaped() -> None:
    assert bolded("Logs are kept for 400 days. [A.8.15] $5", "how long are logs kept A.8.15") == (
        r"**Logs** are **kept** for 400 days\. \[**A\.8\.15**\] \$5"
    )


def test_the_search_page_opens_the_hit_in_the_document_page(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISMS_WORKSPACE", str(private_copy(generated, tmp_path)))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["acting-person"] = "Daniel Okafor"
    at.run()
    at.switch_page("pages/search.py").run()
    assert not at.exception, at.exception
    at.text_input(key="search-query").set_value(QUESTION).run()
    assert not at.exception and not at.error, at.exception
    texts = [m.value for m in at.markdown]
    assert any("Logging, Monitoring and Capacity Policy" in t and RETENTION in t for t in texts), texts
    assert any("**Logs** are **kept**" in t for t in texts)
    assert any(t.startswith(r"**A\.8\.15** **Logging**") for t in texts), texts
    opens = [b for b in at.button if b.key and b.key.startswith("search-open-")]
    where = [t for t in texts if " › " in t]  # "**title** › section" above each sentence, in order
    assert len(where) == len(opens)
    opens[next(n for n, t in enumerate(where) if "Logging" in t and RETENTION in t)].click().run()
    assert not at.exception, at.exception
    assert at.query_params["doc"] == LOGGING and at.query_params["section"] == RETENTION
    assert any(RETENTION in m.value and "Found by search" in m.value for m in at.markdown)
    assert any(s.value == LOGGING for s in at.selectbox)


def test_a_misspelt_question_finds_the_same_sentence(generated: Path, corpus: Corpus) -> None:
    """Sentence search reads the query like the guidance search: one-slip misspellings of the set's own
    words are mended ("retenton" is "retention") and short forms spelled out."""
    right = search(generated / "out", corpus, "log retention period").sentences[0]
    slip = search(generated / "out", corpus, "log retenton period").sentences[0]
    assert (slip.doc_id, slip.text) == (right.doc_id, right.text)
