"""Facts that documents state must agree with the organisation's profile: reporting and notification
times per party, review and test cadences per area, retention periods, patch deadlines per severity,
recovery objectives, training cycles, MFA.

One checker serves three places: the offline drafter drops guidance that would contradict the
organisation, the validator re-asks a model that contradicts it, and the evaluation harness reports
documents (generated or edited by hand) that disagree with it. A number of a kind the profile does not
give at all is a finding too: a guidance example must never stand in for the organisation's own fact.

Text is read unit by unit (sentences, list items, table rows with their column names, each with its
section heading as context), so "| Critical | 7 days |" under "Patch deadlines" is read like "critical
vulnerabilities are patched within 7 days". Each period found is given to the kind whose words stand
nearest to it in the clause, with no fixed window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from assistant.documents.segments import Unit, segment, split_sentences
from assistant.drafting.fact_kinds import (
    AUTHORITY_PARTIES,
    CLAUSE_SPLIT,
    DURATION,
    GENERIC_AUTHORITY,
    KINDS,
    MFA,
    MFA_WEAK,
    NUMBER_WORDS,
    PARTIES,
    SEVERITY_OF,
    SEVERITY_WORD,
    UNIT_DAYS,
    WORD_PERIODS,
    Kind,
)
from assistant.inputs.profile import Profile


@cache
def _group(stems: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, stems)) + ")", re.I)


def _positions(text: str, stems: Iterable[str]) -> list[int]:
    return [m.start() for m in _group(tuple(stems)).finditer(text)]


def _has(text: str, stems: Iterable[str]) -> bool:
    stems = tuple(stems)
    return bool(stems) and _group(stems).search(text) is not None


_ANY_PERIOD = re.compile(DURATION.pattern + "|" + "|".join(p.pattern for p, _v, _u in WORD_PERIODS), re.I)


@dataclass(frozen=True)
class Statement:
    kind: Kind
    value: float  # in the kind's unit
    sentence: str
    party: str | None = None  # notification kinds: who is notified ("any authority" when unnamed)


def _periods(clause: str) -> list[tuple[int, float, str, bool]]:
    """(position, value, unit, written as a cadence word) of every period in the clause."""
    found: list[tuple[int, float, str, bool]] = []
    taken: list[tuple[int, int]] = []
    for pattern, value, unit in WORD_PERIODS:
        for m in pattern.finditer(clause):
            found.append((m.start(), float(value), unit, True))
            taken.append(m.span())
    for m in DURATION.finditer(clause):
        if not any(a <= m.start() < b for a, b in taken):  # "a year" inside "twice a year"
            number = float(NUMBER_WORDS.get(m.group(1).lower(), 0) or m.group(1))
            found.append((m.start(), number, _unit(m.group(2)), False))
    return sorted(found)


def _unit(word: str) -> str:
    word = word.lower().split()[-1].rstrip("s")
    return {"h": "hour", "hr": "hour", "min": "minute"}.get(word, word)


def _convert(value: float, unit: str, target: str) -> float:
    days = value * UNIT_DAYS[unit]
    return {"hours": days * 24, "days": days, "months": days / 30.4}[target]


def _party(clause: str) -> str | None:
    named = [p for p, words in PARTIES.items() if _has(clause, words)]
    if named:
        return named[0]
    if _has(clause, GENERIC_AUTHORITY):
        return "any authority"
    return None


# Document names and slugs ("the Access Control Policy is reviewed every 12 months") say which document,
# not what the period is about.
_DOCUMENT_NAME = re.compile(
    r"\b(?:[A-Z][a-z]+,? (?:and |or )?){1,6}(?:Policy|Procedure|Plan|Register|Report|Programme|Methodology|"
    r"Minutes|Records?|Statement|Objectives|Guide)\b|\b[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}\b"
)
# Two words that name one thing only when they stand close together ("access ... review").
PAIRS = {"access_review": (("access",), ("review", "recertif", "attest"))}


def _clauses(unit: Unit) -> list[str]:
    """Clauses to read: prose split at ';' and ', and'; a table row cell by cell, a short cell with its
    column name and the row's first cell ('Critical; Deadline: 7 days'), a long cell as prose."""
    if unit.kind != "row":
        return _prose_clauses(unit.text)
    out: list[str] = []
    first = unit.cells[0] if unit.cells else ""
    # A first cell with a period of its own ("training completed within 12 months") is read alone: the
    # periods of the other cells (how often it is measured) are about something else.
    first_has_period = bool(_ANY_PERIOD.search(first))
    for i, cell in enumerate(unit.cells):
        column = unit.header[i] if i < len(unit.header) else ""
        if len(cell.split()) > 12 or (i == 0 and first_has_period):
            out.extend(_prose_clauses(cell))
        elif i > 0 and cell.strip() and not first_has_period:
            out.append(_DOCUMENT_NAME.sub("the document", f"{first}; {column}: {cell}"))
    return out


def _prose_clauses(text: str) -> list[str]:
    return [c for c in CLAUSE_SPLIT.split(_DOCUMENT_NAME.sub("the document", text)) if c.strip()]


def _paired(kind: Kind, clause: str) -> bool:
    pair = PAIRS.get(kind.name)
    if pair is None:
        return True
    first, second = (_group(p) for p in pair)
    near = r"\W+(?:\w+\W+){0,3}"
    return bool(
        re.search(f"(?:{first.pattern})\\w*{near}(?:{second.pattern})", clause, re.I)
        or re.search(f"(?:{second.pattern})\\w*{near}(?:{first.pattern})", clause, re.I)
    )


def unit_statements(unit: Unit) -> list[Statement]:
    """Every fact statement in one unit: each period goes to the kind whose words stand nearest it."""
    out: list[Statement] = []
    context = unit.context
    for clause in _clauses(unit):
        if not _ANY_PERIOD.search(clause):
            continue
        candidates = []
        for kind in KINDS:
            if _has(clause, kind.none_of):
                continue
            if not all(_has(clause, group) or _has(context, group) for group in kind.topic):
                continue
            # The clause itself must say what the period is about; a heading alone is not enough.
            if not (any(_has(clause, group) for group in kind.topic) or kind.severity) or not _paired(
                kind, clause
            ):
                continue
            if kind.name == "notification" and _party(clause) is None:
                continue
            if kind.severity and kind.severity not in _severities(clause + " " + context):
                continue
            candidates.append(kind)
        if not candidates:
            continue
        for pos, value, unit_name, worded in _periods(clause):
            eligible = [k for k in candidates if k.cadence_words or not worded]
            chosen = _nearest(eligible, clause, context, pos, unit_name)
            if chosen is None:
                continue
            party = _party(clause) if chosen.name == "notification" else None
            converted = round(_convert(value, unit_name, chosen.unit), 1)
            out.append(Statement(chosen, converted, clause.strip(), party))
    return out


def _nearest(candidates: list[Kind], clause: str, context: str, pos: int, unit_name: str) -> Kind | None:
    """The kind whose subject words stand nearest the period at `pos`, looking in its own comma-separated
    piece and back through earlier pieces until one states a period of its own."""
    start = _subject_span(clause, pos)
    best: tuple[float, Kind] | None = None
    for kind in candidates:
        if kind.unit == "months" and UNIT_DAYS[unit_name] < 1:
            continue  # hours are never a cadence
        if kind.severity:
            leading = _leading_severity(clause, pos)
            if leading is None and _severities(clause):
                continue
            if leading is not None and leading != kind.severity:
                continue
            if leading is None and _severities(context) != {kind.severity}:
                continue
            distance = float(pos - start)
        else:
            positions = [p for p in _positions(clause, kind.topic[0]) if start <= p]
            piece_end = _piece_end(clause, pos)
            positions = [p for p in positions if p < piece_end]
            if not positions:
                continue
            distance = float(min(abs(p - pos) for p in positions))
        if best is None or distance < best[0]:
            best = (distance, kind)
    return best[1] if best else None


def _piece_end(clause: str, pos: int) -> int:
    comma = clause.find(",", pos)
    return len(clause) if comma < 0 else comma


def _subject_span(clause: str, pos: int) -> int:
    """Where the words that may say what the period at `pos` is about begin."""
    starts = [0] + [m.end() for m in re.finditer(r",", clause[:pos])]
    own = starts[-1]
    for piece_start in reversed(starts[:-1]):
        piece = clause[piece_start:own]
        if _ANY_PERIOD.search(piece):
            return own
        own = piece_start
    return own


def _leading_severity(clause: str, pos: int) -> str | None:
    """The severity word nearest before `pos` with no other period between them."""
    before = clause[:pos]
    last_period = max((m.end() for m in DURATION.finditer(before)), default=0)
    found = list(SEVERITY_WORD.finditer(before[last_period:]))
    return SEVERITY_OF[found[-1].group(1).lower()] if found else None


def _severities(text: str) -> set[str]:
    return {SEVERITY_OF[m.group(1).lower()] for m in SEVERITY_WORD.finditer(text)}


def statements(text: str) -> list[Statement]:
    """Every fact statement in a Markdown body: prose, list items and table rows."""
    return [s for unit in segment(text) for s in unit_statements(unit)]


class FactChecker:
    """Knows what the profile says; finds statements that disagree with it or that it never made."""

    def __init__(self, profile: Profile, also_from: Iterable[str] = ()) -> None:
        """`also_from`: more of the organisation's own text (its risk register) whose numbers are true too."""
        pr = profile.practices
        allowed: dict[str, set[float]] = {k.name: set() for k in KINDS}
        allowed["incident_report"].add(float(pr.incident_report_hours))
        reviews = pr.reviews
        allowed["access_review"].add(float(reviews.user_access))
        allowed["privileged_access_review"].add(float(reviews.privileged_access or reviews.user_access))
        if reviews.physical_zones:
            allowed["physical_access_review"].add(float(reviews.physical_zones))
        if reviews.suppliers:
            allowed["supplier_review"].add(float(reviews.suppliers))
        for service in profile.services:
            allowed["rto"].add(float(service.rto_hours))
            allowed["rpo"].add(float(service.rpo_hours))
        allowed["backup_retention"].add(float(profile.technology.backup.retention_days))
        allowed["log_retention"].add(float(pr.log_retention_days))
        allowed["training"].add(float(profile.people.training_cadence_months))
        allowed["pen_test"].add(float(pr.penetration_test_months))
        allowed["risk_review"].add(float(profile.risk_criteria.review_months))
        for sev, days in pr.patch_days.items():
            allowed[f"patch_{sev}"].add(float(days))
        parties: dict[str, set[float]] = {}
        for duty in profile.notifications:
            party = _party(f"{duty.party} {duty.trigger}") or (
                "customers" if duty.kind == "customer" else "any authority"
            )
            parties.setdefault(party, set()).add(float(duty.deadline_hours))
        # Whatever the organisation's own profile states is true for it (a DORA 4-hour notification and a
        # GDPR 72-hour one can both hold).
        own = [s for text in also_from for u in segment(text) for s in unit_statements(u)]
        for statement in [*_profile_statements(profile), *own]:
            allowed[statement.kind.name].add(statement.value)
            if statement.kind.name == "notification" and statement.party:
                parties.setdefault(statement.party, set()).add(statement.value)
        self.allowed = allowed
        self.parties = parties
        self.mfa_enforced = bool(profile.technology.identity.mfa.strip())
        self._memo: dict[Unit, list[str]] = {}

    def _allowed_for(self, statement: Statement) -> set[float]:
        if statement.kind.name != "notification":
            return self.allowed[statement.kind.name]
        party = statement.party or "any authority"
        if party in self.parties:
            return self.parties[party]
        if party in AUTHORITY_PARTIES or party == "any authority":
            authorities = [vs for p, vs in self.parties.items() if p in (*AUTHORITY_PARTIES, "any authority")]
            return set().union(*authorities)
        return set()

    def unit_contradictions(self, unit: Unit) -> list[str]:
        """Remembered per unit: a statement is checked when it is planned and again in its section."""
        found = self._memo.get(unit)
        if found is None:
            found = self._memo[unit] = self._unit_contradictions(unit)
        return list(found)

    def _unit_contradictions(self, unit: Unit) -> list[str]:
        problems = []
        for statement in unit_statements(unit):
            if not statement.kind.checked:
                continue
            problem = self._judge(statement)
            if problem:
                problems.append(problem)
        if self.mfa_enforced and MFA.search(unit.text) and MFA_WEAK.search(unit.text):
            problems.append(f'presents MFA as optional, but the profile enforces it: "{clip(unit.text)}"')
        return problems

    def _judge(self, statement: Statement) -> str | None:
        kind, value = statement.kind, statement.value
        allowed = self._allowed_for(statement)
        label = kind.label if kind.name != "notification" else f"notification deadline to {statement.party}"
        if not allowed:
            return (
                f"states {fmt(value, kind.unit)} for the {label}, a number the organisation's profile does "
                f'not give: "{clip(statement.sentence)}"'
            )
        if any(abs(value - a) <= max(0.5, a * 0.05) for a in allowed):
            return None
        expected = " or ".join(fmt(a, kind.unit) for a in sorted(allowed))
        return (
            f"states {fmt(value, kind.unit)} for the {label}, but the organisation's profile says "
            f'{expected}: "{clip(statement.sentence)}"'
        )

    def contradictions(self, text: str) -> list[str]:
        return [p for unit in segment(text) for p in self.unit_contradictions(unit)]


def fmt(value: float, unit: str) -> str:
    number = int(value) if value == int(value) else value
    return f"{number} {unit}"


def clip(sentence: str, limit: int = 160) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def _profile_statements(profile: Profile) -> list[Statement]:
    """Statements in the profile's own free text, each read with its field path as context."""
    out: list[Statement] = []

    def walk(value: object, path: str) -> None:
        if isinstance(value, str):
            context = (
                f"{path.replace('_', ' ')} {value}"  # the whole field: a clause's topic may be words away
            )
            for sentence in split_sentences(value):
                out.extend(unit_statements(Unit(context, "sentence", sentence)))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path} {key}")
        elif isinstance(value, list):
            for item in value:
                walk(item, path)

    walk(profile.model_dump(mode="json"), "")
    return out
