"""The corpus as the JSON contract of `isms corpus export --json`."""

from __future__ import annotations

from typing import Any

from assistant.knowledge.loader import Corpus


def corpus_to_json(corpus: Corpus) -> dict[str, Any]:
    controls = []
    for control in corpus.ordered_controls():
        entry = control.model_dump(mode="json")
        entry["documents"] = corpus.documents_for_control.get(control.id, [])
        controls.append(entry)
    return {
        "clauses": [c.model_dump(mode="json") for c in corpus.ordered_clauses()],
        "controls": controls,
        "documents": [d.model_dump(mode="json") for d in sorted(corpus.documents.values(), key=_doc_order)],
    }


def _doc_order(doc: Any) -> tuple[int, str]:
    return (0 if doc.mandatory else 1, doc.id)
