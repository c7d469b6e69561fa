"""What a document is drafted from, part by part: the parts behind the inputs hash that decides whether it
is redrafted, named as staleness explains a change ("profile changed", "existing documents in docs/
changed")."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from assistant.drafting.plan import PLAN_VERSION

if TYPE_CHECKING:
    from assistant.drafting.engine import Engine
    from assistant.drafting.plan import SectionPlan

SOA_DOC = "statement-of-applicability"
RISK_DOCS = {
    "risk-assessment-report",
    "risk-treatment-plan",
    "risk-assessment-and-treatment-methodology",
    "information-security-objectives",
    "management-review-minutes",
    SOA_DOC,
}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def docs_used(plans: list[SectionPlan]) -> list[str]:
    """The files of docs/ whose passages or rules these section plans draw on."""
    found = [p.source for plan in plans for p in plan.passages if p.source]
    found += [c.source for plan in plans for c in plan.carried]
    return sorted(set(found))


def prompt_text(engine: Engine, doc_id: str) -> Any:
    """The prompt version, and for a writer that reads prompts the text of its templates: editing a
    template in place redrafts the documents drafted with it. The offline writer reads no prompt."""
    version = engine.prompt_version(doc_id)
    if not engine.writer.reads_context:
        return version
    from assistant.drafting.prompts import load_prompt

    chain, _, number = version.rpartition(".v")
    folder = engine.inputs.settings.prompts_dir
    if not chain or not number.isdigit() or not (folder / chain).is_dir():
        return version  # a writer whose prompts are not template files
    prompt = load_prompt(folder, chain, int(number))
    return [version, prompt.system, prompt.user]


def document_inputs(engine: Engine, doc_id: str, plans: list[SectionPlan]) -> dict[str, Any]:
    """Every input of `doc_id` by name: catalogue entry, guidance, profile, the register's risks it treats,
    the docs/ passages and rules its plans used, provider and model, prompt text and the plans themselves."""
    inputs = engine.inputs
    corpus, doc = inputs.corpus, inputs.corpus.documents[doc_id]
    controls = [corpus.controls[c].model_dump(mode="json") for c in doc.controls]
    clauses = [corpus.clauses[c].model_dump(mode="json") for c in doc.clauses if c in corpus.clauses]
    register = inputs.register
    if register is None:
        risks: list[Any] = []
    elif doc_id in RISK_DOCS:
        risks = [r.model_dump(mode="json") for r in register.risks]
    else:
        risks = [r.model_dump(mode="json") for r in register.risks if set(r.controls) & set(doc.controls)]
    if doc_id == SOA_DOC:
        controls = [c.model_dump(mode="json") for c in corpus.ordered_controls()]
        catalogue = {d.id: d.controls for d in corpus.documents.values()}
    else:
        catalogue = {}
    carried = engine.carried
    # docs/: the content hash of every passage and carried rule the document used, and the questions
    # its rules raised; a docs/ edit redrafts only the documents that used what changed.
    used: list[Any] = [
        ["passage", p.source, p.id, p.hash] for plan in plans for p in plan.passages if p.source
    ] + [["rule", c.source, digest(c.text)] for plan in plans for c in plan.carried]
    used += [q for k, qs in sorted(carried.questions.items()) if k[0] == doc_id for q in qs]
    if doc_id == SOA_DOC:
        used += [[k[1], [r.text for r in v]] for k, v in sorted(carried.rules.items()) if k[0] == doc_id]
    if any("existing_documents" in s.blocks for s in doc.sections):
        used.append([f.__dict__ for f in carried.files])
    return {
        "plan": PLAN_VERSION,
        "docs": used,
        "catalogue entry": doc.model_dump(mode="json"),
        "control guidance": controls,
        "clause guidance": clauses,
        "catalogue": catalogue,
        "profile": engine.profile_json,
        "risk register": risks,
        "provider": engine.provider,
        "model": engine.model,
        "prompt": prompt_text(engine, doc_id),
        "section plans": [p.rendered() for p in plans],
    }


__all__ = ["RISK_DOCS", "digest", "docs_used", "document_inputs", "prompt_text"]
