"""mandatory-documents: every mandatory documented-information item is present, non-empty, complete."""

from __future__ import annotations

from eval.docset import DocumentSet
from eval.result import CheckResult, result

MIN_SECTION_WORDS = 20


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    mandatory = sorted(d.id for d in ds.corpus.mandatory_documents())
    for doc_id in mandatory:
        spec = ds.corpus.documents[doc_id]
        if doc_id in ds.unreadable:
            findings.append(f"{doc_id}: cannot be read: {ds.unreadable[doc_id]}")
            continue
        if doc_id not in ds.documents:
            clauses = ", ".join(spec.clauses)
            findings.append(f"{doc_id}: mandatory document missing ({spec.title}, clause {clauses})")
            continue
        present = {s.heading.lower(): s for s in ds.documents[doc_id].sections}
        for section in spec.sections:
            found = present.get(section.heading.lower())
            if found is None:
                findings.append(f"{doc_id}: required section '{section.heading}' is missing")
            elif len(found.text.split()) < MIN_SECTION_WORDS:
                findings.append(f"{doc_id}: section '{section.heading}' is empty or too short")
    for clause in ds.corpus.ordered_clauses():
        for item in clause.documented_information:
            if item.mandatory and item.document and item.document not in ds.documents:
                findings.append(
                    f"{item.document}: clause {clause.id} requires '{item.item}', which no document "
                    "in the set provides"
                )
    return result(
        "mandatory-documents",
        sorted(set(findings)),
        len(mandatory),
        mandatory=len(mandatory),
        present=sum(1 for d in mandatory if d in ds.documents),
    )
