"""Statement of Applicability rules, enforced in code whatever drafted the justifications.

- A control that treats a risk scoring above the acceptance threshold (treatment other than accept) is applicable.
- Drivers are facts, not prose: the risk ids that list the control, the obligation tags that require it, else a
  business need.
- An exclusion always carries its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.drafting.facts import Fact, profile_facts, select_facts, topic_weights
from assistant.drafting.models import ImplementationStatus, SoaRow, SoaRowDraft
from assistant.drafting.phrasing import Voice, sentences
from assistant.inputs.profile import Profile
from assistant.inputs.risks import Risk, RiskRegister
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import Control

BUSINESS_BASELINE = "business:security-baseline"


@dataclass
class ControlBasis:
    """What the organisation's own data says about one control."""

    control: Control
    risks: list[Risk]
    must_apply: list[Risk]
    obligations: list[str]
    exclusion: str | None
    status: ImplementationStatus | None
    documents: list[str]
    owner: str
    notes: list[str] = field(default_factory=list)

    @property
    def drivers(self) -> list[str]:
        drivers = [r.id for r in self.risks] + self.obligations
        return drivers or [BUSINESS_BASELINE]


def bases(corpus: Corpus, profile: Profile, register: RiskRegister | None) -> list[ControlBasis]:
    threshold = profile.risk_criteria.acceptance_threshold
    exclusions = {e.control: e.justification for e in profile.scope.exclusions}
    business = [o.driver_tag for o in profile.obligations if o.kind == "business" and not o.controls]
    out = []
    for control in corpus.ordered_controls():
        risks = register.treating(control.id) if register else []
        must = [r for r in risks if r.score > threshold and r.treatment != "accept"]
        tags = [o.driver_tag for o in profile.obligations if control.id in o.controls]
        docs = corpus.documents_for_control.get(control.id, [])
        owner_role = corpus.documents[docs[0]].owner_role if docs else "isms_owner"
        person = profile.roles.holder(owner_role)
        basis = ControlBasis(
            control=control,
            risks=risks,
            must_apply=must,
            obligations=tags or ([] if risks else business),
            exclusion=exclusions.get(control.id),
            status=profile.implementation.get(control.id),
            documents=docs,
            owner=f"{person.title} ({person.name})",
        )
        if basis.exclusion and must:
            basis.notes.append(
                f"{control.id} is excluded in the profile but treats {', '.join(r.id for r in must)} above the "
                f"acceptance threshold {threshold}; it is kept applicable"
            )
        out.append(basis)
    return out


def applicable_by_rule(basis: ControlBasis) -> bool:
    return bool(basis.must_apply) or basis.exclusion is None


def finalise(basis: ControlBasis, draft: SoaRowDraft) -> tuple[SoaRow, list[str]]:
    """Merge a drafted row with the rules; return the row and what the rules had to correct."""
    corrections: list[str] = []
    applicable = draft.applicable
    cid = basis.control.id
    if basis.must_apply and not applicable:
        applicable = True
        corrections.append(
            f"{cid}: made applicable because it treats {', '.join(r.id for r in basis.must_apply)} "
            "above the acceptance threshold"
        )
    justification = draft.justification.strip()
    if not applicable and not justification:
        justification = basis.exclusion or ""
    if not applicable and not justification:
        applicable = True
        corrections.append(f"{cid}: an exclusion without a reason is not allowed; kept applicable")
    status: ImplementationStatus = basis.status or draft.implementation_status
    if not applicable:
        status = "not_implemented"
    row = SoaRow(
        control_id=cid,
        title=basis.control.title,
        theme=basis.control.theme,
        applicable="yes" if applicable else "no",
        justification=justification,
        drivers=basis.drivers if applicable else (["scope-exclusion"] if basis.exclusion else basis.drivers),
        implementation_status=status,
        owner=basis.owner,
        documents=basis.documents,
        evidence=draft.evidence.strip() or "; ".join(basis.control.evidence[:2]),
    )
    return row, corrections


class OfflineSoaWriter:
    """Justifications from the organisation's own data: risks, obligations, facts and documents."""

    def __init__(self, profile: Profile, facts: list[Fact] | None = None) -> None:
        self.profile = profile
        self.facts = facts if facts is not None else profile_facts(profile)
        self.threshold = profile.risk_criteria.acceptance_threshold
        self.obligations = {o.driver_tag: o for o in profile.obligations}
        self.voice = Voice(profile)
        self._fact_uses: dict[str, int] = {}

    def draft(self, basis: ControlBasis) -> SoaRowDraft:
        c, name = basis.control, self.profile.identity.name
        if not applicable_by_rule(basis):
            return SoaRowDraft(
                control_id=c.id,
                applicable=False,
                justification=f"Excluded: {basis.exclusion}",
                implementation_status="not_implemented",
                evidence="Scope statement exclusion",
            )
        reasons = []
        if basis.risks:
            listed = "; ".join(f"{r.id} {r.title} (score {r.score})" for r in basis.risks[:3])
            reasons.append(f"treats {listed}")
        names = [self.obligations[t].name for t in basis.obligations if t in self.obligations]
        if names:
            reasons.append("is required by " + ", ".join(names))
        docs = ", ".join(basis.documents[:2])
        if reasons:
            text = f"{c.title} is applicable because it {' and '.join(reasons)}. Addressed in {docs}."
        else:
            purpose = self.voice.organisation(sentences(c.purpose)[0])
            purpose = re.sub(r"\byour\b", "its", re.sub(r"\byou have\b", "it has", purpose))
            purpose = re.sub(r"\byou\b", "it", purpose)
            text = (
                f"{c.title} is applicable as part of {name}'s security baseline, although no register risk "
                f"names it yet: {purpose} Addressed in {docs}."
            )
        fact = self._fact(c)
        if fact:
            text += f" In practice: {fact}"
        if basis.exclusion:
            text += (
                f" The scope statement proposed excluding it, but it treats a risk above {self.threshold}."
            )
        status: ImplementationStatus = basis.status or ("planned" if basis.risks else "not_implemented")
        return SoaRowDraft(
            control_id=c.id,
            applicable=True,
            justification=text,
            implementation_status=status,
            evidence="; ".join(e.rstrip(".") for e in c.evidence[:2]),
        )

    def _fact(self, control: Control) -> str:
        """The profile fact most about this control's subject, cut to its first sentence or two."""
        weights = topic_weights(" ".join([control.title, control.title, *control.keywords]), [control])
        # A fact may support a few rows; beyond that it reads as pasted, so the next best fact is used.
        chosen = [
            f
            for f in select_facts(self.facts, weights, limit=12, ranked=True)
            if self._fact_uses.get(f.key, 0) < 3
        ]
        if not chosen:
            return ""
        self._fact_uses[chosen[0].key] = self._fact_uses.get(chosen[0].key, 0) + 1
        text = chosen[0].text
        if len(text) > 260:
            cut = text[:260].rsplit("; ", 1)[0].rsplit(". ", 1)[0]
            text = cut.rstrip(".;,") + "."
        return text
