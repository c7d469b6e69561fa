"""The SoA rules an edited grid must keep: every control once, the engine's values only, a reason for every
row, and for an exclusion a reason that says why the control does not apply (not an applicable row's text)."""

from __future__ import annotations

import re
from typing import Any

from assistant.drafting.models import SoaRow
from assistant.drafting.soa import ControlBasis, OfflineSoaWriter, applicable_by_rule, bases
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus

STATUSES = ("implemented", "partial", "planned", "not_implemented")
EDITABLE = ("applicable", "implementation_status", "justification")
FIXED = ("title", "theme", "drivers", "owner", "documents", "evidence")  # facts of the engine, not the grid's
MIN_WORDS = 6
MAX_OVERLAP = 0.8

_NEGATED = re.compile(r"\b(?:not|never|no longer|in|non-?)\s*applicable\b")
_APPLIES = (
    re.compile(
        r"\b(?:is|are|remains?|stays?) applicable\b|^applicable\b|\bapplicable (?:because|as part of|since)\b"
    ),
    re.compile(
        r"\b(?:is|are|has been|have been|was|were|already|fully|partly|partially) "
        r"(?:fully |partly |partially |already )?(?:implemented|applied|enforced|in place)\b(?! by)"
    ),
    re.compile(r"\b(?:partly )?in place\s*:|\bimplements a\.\d+\.\d+\b|\btreats r-?\d+"),
    re.compile(r"\bwe (?:implement|apply|enforce|operate) (?:it|this|the control)\b"),
)
_STOP = frozenset(
    "the and for that this with its are was not has have from our any all which their there been will would "
    "can does than into only each when who other also".split()
)


def text(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _tokens(words: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9.'-]*", words.lower()) if len(w) > 2 and w not in _STOP}


def overlap(reason: str, other: str) -> float:
    """How much of `reason`'s words come from `other` (0 to 1)."""
    mine = _tokens(reason)
    return len(mine & _tokens(other)) / len(mine) if mine else 0.0


def applicable_wording(reason: str) -> str | None:
    """The phrase that makes a justification read like an applicable row's, if any."""
    lowered = _NEGATED.sub(" ", reason.lower())
    for pattern in _APPLIES:
        found = pattern.search(lowered)
        if found:
            return found.group(0).strip(" :")
    return None


def exclusion_problems(
    cid: str, reason: str, basis: ControlBasis | None, applicable_texts: list[str], organisation: str
) -> list[str]:
    """Why `reason` does not justify excluding `cid`: too short, an applicable row's text, or its wording."""
    why = f"say why {cid} does not apply to {organisation}"
    if not reason:
        return [f"{cid}: an exclusion needs a justification; {why}"]
    if len(reason.split()) < MIN_WORDS:
        return [f"{cid}: the exclusion's justification {reason!r} is under {MIN_WORDS} words; {why}"]
    problems = []
    if any(overlap(reason, other) > MAX_OVERLAP for other in applicable_texts if other):
        problems.append(f"{cid}: the exclusion's justification is the text of an applicable row; {why}")
    else:
        phrase = applicable_wording(reason)
        if phrase:
            problems.append(
                f"{cid}: the exclusion's justification reads like an applicable row ({phrase!r}); {why}"
            )
    named = [
        r.id for r in (basis.risks if basis else []) if re.search(rf"\b{re.escape(r.id)}\b", reason, re.I)
    ]
    if named:
        problems.append(
            f"{cid}: the exclusion's justification names {', '.join(named)}, which the risk register treats "
            f"with {cid}; {why}, or change the register"
        )
    return problems


def soa_edit_problems(
    rows: list[dict[str, Any]],
    bases: list[ControlBasis],
    profile: Profile,
    register: RiskRegister | None = None,
    previous: list[SoaRow] | None = None,
    generated: dict[str, str] | None = None,
) -> list[str]:
    """Why an edited SoA grid cannot be saved, each problem led by its control id. `previous` (the rows the
    grid started from) limits the justification checks to the rows the grid changed and keeps the engine's
    columns as they were; `generated` holds the applicable justification the generator would write, by id."""
    del register  # the bases carry the register's risks; kept for the callers of workflow.soa_edit_problems
    problems: list[str] = []
    threshold = profile.risk_criteria.acceptance_threshold
    by_id = {b.control.id: b for b in bases}
    before = {r.control_id: r for r in previous or []}
    ids = [text(r, "control_id") for r in rows]
    missing = [cid for cid in by_id if cid not in ids]
    if missing:
        problems.append(f"{', '.join(missing)}: missing from the grid (every Annex A control has one row)")
    seen: set[str] = set()
    texts = [text(r, "justification") for r in rows if text(r, "applicable") == "yes"]
    for row in rows:
        cid = text(row, "control_id")
        if cid not in by_id:
            problems.append(f"{cid or '(no id)'}: not an Annex A control of ISO/IEC 27001:2022")
            continue
        if cid in seen:
            problems.append(f"{cid}: appears more than once")
        seen.add(cid)
        old = before.get(cid)
        if old is not None:
            shown = dict(zip(FIXED, _fixed(old), strict=True))
            problems += [
                f"{cid}: {k} cannot be changed in the grid" for k in FIXED if text(row, k) != shown[k]
            ]
        applicable, reason = text(row, "applicable"), text(row, "justification")
        if applicable not in ("yes", "no"):
            problems.append(f"{cid}: applicable must be yes or no, not {applicable!r}")
            continue
        if applicable == "yes" and text(row, "implementation_status") not in STATUSES:
            problems.append(f"{cid}: implementation status must be one of {', '.join(STATUSES)}")
        if applicable == "yes" and not reason:
            problems.append(f"{cid}: an applicable control needs a justification")
        if applicable == "no":
            basis = by_id[cid]
            if basis.must_apply:
                risks = ", ".join(f"{r.id} (score {r.score})" for r in basis.must_apply)
                problems.append(
                    f"{cid}: cannot be excluded: it treats {risks}, above the acceptance threshold {threshold}"
                )
            if old is None or (old.applicable, old.justification) != ("no", reason):
                own = [old.justification] if old is not None and old.applicable == "yes" else []
                others = texts + own + [(generated or {}).get(cid, "")]
                problems += exclusion_problems(cid, reason, basis, others, profile.identity.name)
    return problems


def _fixed(row: SoaRow) -> list[str]:
    return [row.title, row.theme, ";".join(row.drivers), row.owner, ";".join(row.documents), row.evidence]


def generated_justifications(
    corpus: Corpus, profile: Profile, register: RiskRegister | None
) -> dict[str, str]:
    """The applicable justification the offline generator writes for each control (an exclusion repeating
    it is refused)."""
    writer = OfflineSoaWriter(profile, {d.id: d.title for d in corpus.documents.values()})
    found = {}
    for basis in bases(corpus, profile, register):
        if applicable_by_rule(basis):
            found[basis.control.id] = writer.draft(basis).justification
    return found
