"""Statement of Applicability rules, enforced in code whatever drafted the justifications.

- A control that treats a risk scoring above the acceptance threshold (treatment other than accept) is applicable.
- Drivers are facts, not prose: the risk ids that list the control, the obligation tags that require it, else a
  business need.
- An exclusion always carries its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.drafting.factcheck import FactChecker
from assistant.drafting.models import ImplementationStatus, SoaRow, SoaRowDraft
from assistant.drafting.validate import check_statement
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
    practice: list[str] = field(
        default_factory=list
    )  # the control's statements, rendered for the organisation
    # Set by a writer that replaced a model's row with the offline one: why (reported with the SoA's notes).
    fallback: str | None = None

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
    corrections: list[str] = [basis.fallback] if basis.fallback else []
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


class RowChecker:
    """The section checks, applied to each SoA row a model drafts: placeholders, ids, tools, addresses and
    people the profile does not name, figures and MFA the profile contradicts. A row that keeps failing them
    is replaced by the offline row, so its text is never written."""

    def __init__(self, corpus: Corpus, profile: Profile, facts: FactChecker | None = None) -> None:
        self.known_ids = set(corpus.controls) | set(corpus.clauses)
        self.known_text = profile.model_dump_json()
        self.vendors = corpus.vendors
        self.facts = facts if facts is not None else FactChecker(profile)

    def problems(self, row: SoaRowDraft) -> list[str]:
        out = []
        for label, text in (("justification", row.justification), ("evidence", row.evidence)):
            for problem in check_statement(
                text,
                known_ids=self.known_ids,
                known_text=self.known_text,
                vendors=self.vendors,
                facts=self.facts,
            ):
                out.append(f"{row.control_id} {label}: {problem}")
        return out


def fall_back(basis: ControlBasis, writer: OfflineSoaWriter, problems: list[str]) -> SoaRowDraft:
    """The offline row for a control whose drafted row failed the checks; the reason goes to the notes."""
    reasons = "; ".join(p.split(": ", 1)[-1] for p in problems[:3])
    basis.fallback = (
        f"{basis.control.id}: the model's row was not used ({reasons}); the row drafted from the profile was "
        "written instead"
    )
    return writer.draft(basis)


class OfflineSoaWriter:
    """Justifications from the organisation's own data: the risks a control treats, the obligations that
    require it and the documents that implement it; never guidance rationale or unrelated facts."""

    def __init__(self, profile: Profile, titles: dict[str, str]) -> None:
        self.profile = profile
        self.titles = titles
        self.threshold = profile.risk_criteria.acceptance_threshold
        self.obligations = {o.driver_tag: o for o in profile.obligations}

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
        docs = " and the ".join(self.titles.get(d, d) for d in basis.documents[:2])
        where = f" {name} implements {c.id} through the {docs}." if docs else ""
        if reasons:
            text = f"{c.title} is applicable because it {' and '.join(reasons)}.{where}"
        else:
            owner = f"{name}'" if name.endswith("s") else f"{name}'s"  # "Kestrel Analytics' baseline"
            text = f"{c.title} is applicable as part of {owner} security baseline; no register risk names it yet.{where}"
        if basis.exclusion:
            text += (
                f" The scope statement proposed excluding it, but it treats a risk above {self.threshold}."
            )
        status: ImplementationStatus = basis.status or ("planned" if basis.risks else "not_implemented")
        if basis.practice:
            shown = basis.practice[:2] if len(basis.practice[0].split()) < 25 else basis.practice[:1]
            lead = {
                "implemented": "In place",
                "partial": "Partly in place",
                "planned": "Planned",
                "not_implemented": "To be put in place",
            }[status]
            text += f" {lead}: " + " ".join(p.rstrip(".") + "." for p in shown)
        return SoaRowDraft(
            control_id=c.id,
            applicable=True,
            justification=text,
            implementation_status=status,
            evidence="; ".join(e.rstrip(".") for e in c.evidence[:2]),
        )


def driver_names(drivers: list[str], profile: Profile) -> list[str]:
    """SoA drivers as a reader knows them: risk ids stay, obligation tags become the obligation's name."""
    names = {o.driver_tag: o.name for o in profile.obligations}
    out = []
    for driver in drivers:
        if driver == BUSINESS_BASELINE:
            out.append("security baseline (business need)")
        elif driver == "scope-exclusion":
            out.append("scope exclusion")
        else:
            out.append(names.get(driver, driver))
    return out
