"""Document references (ISMS-POL-001): each catalogue document's number among documents of its kind, the
mandatory ones first, then by id, formatted with the profile's scheme or the reference it names."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from assistant.inputs.document_control import KIND_CODES, DocumentControl


def kind_numbers(documents: dict[str, Any]) -> dict[str, int]:
    """Each document's place (from 1) among the catalogue documents of its kind."""
    by_kind: dict[str, list[Any]] = {}
    for doc in documents.values():
        by_kind.setdefault(doc.kind, []).append(doc)
    numbers: dict[str, int] = {}
    for docs in by_kind.values():
        for number, doc in enumerate(sorted(docs, key=lambda d: (not d.mandatory, d.id)), start=1):
            numbers[doc.id] = number
    return numbers


@lru_cache(maxsize=8)
def _numbers(key: tuple[tuple[str, str, bool], ...]) -> dict[str, int]:
    class _Doc:
        def __init__(self, doc_id: str, kind: str, mandatory: bool) -> None:
            self.id, self.kind, self.mandatory = doc_id, kind, mandatory

    return kind_numbers({d[0]: _Doc(*d) for d in key})


def document_reference(doc_id: str, documents: dict[str, Any], control: DocumentControl) -> str:
    """The reference `doc_id` carries: the profile's own for it, else the scheme's."""
    if doc_id in control.references:
        return control.references[doc_id]
    doc = documents.get(doc_id)
    if doc is None:
        return ""
    numbers = _numbers(tuple((d.id, d.kind, d.mandatory) for d in documents.values()))
    code = KIND_CODES.get(doc.kind, doc.kind[:3].upper())
    return control.reference_scheme.format(kind=code, number=numbers[doc_id], id=doc_id)


__all__ = ["document_reference", "kind_numbers"]
