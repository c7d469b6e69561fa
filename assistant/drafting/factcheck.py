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
from assistant.inputs.profile import Profile

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "twenty-four": 24,
    "thirty": 30,
    "forty-eight": 48,
    "sixty": 60,
    "seventy-two": 72,
    "ninety": 90,
}
_NUMBER = r"(\d{1,4}(?:\.\d)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
DURATION = re.compile(
    rf"\b{_NUMBER}(?:\s*-\s*|\s+|(?=h\b))"
    r"(mins?|minutes?|h|hrs?|hours?|(?:working |business |calendar )?days?|weeks?|fortnights?|months?|years?)"
    r"(?:ly)?\b",
    re.I,
)
WORD_PERIODS = [
    (re.compile(r"\bquarterly\b|\bevery quarter\b|\beach quarter\b|\bper quarter\b", re.I), 3, "month"),
    (re.compile(r"(?<![\w-])monthly\b|\bevery month\b|\beach month\b", re.I), 1, "month"),
    (re.compile(r"(?<![\w-])weekly\b|\bevery week\b", re.I), 7, "day"),
    (re.compile(r"\bfortnightly\b", re.I), 14, "day"),
    (re.compile(r"\bdaily\b|\bevery day\b|\beach day\b", re.I), 1, "day"),
    (
        re.compile(
            r"\btwice a year\b|\bhalf-yearly\b|\bsix-monthly\b|\bsemi-annual(?:ly)?\b|\bbiannual(?:ly)?\b",
            re.I,
        ),
        6,
        "month",
    ),
    (
        re.compile(
            r"(?<![\w-])annual(?:ly)?\b|(?<![\w-])yearly\b|\bevery year\b|\beach year\b|\bonce a year\b", re.I
        ),
        12,
        "month",
    ),
]
UNIT_DAYS = {
    "minute": 1 / 1440,
    "hour": 1 / 24,
    "day": 1,
    "week": 7,
    "fortnight": 14,
    "month": 30.4,
    "year": 365,
}

# Parties a notification is owed to. A statement naming one is held to that party's deadlines in the
# profile; "the authority" alone is held to any authority's.
PARTIES: dict[str, tuple[str, ...]] = {
    "data protection authority": (
        "ico",
        "information commissioner",
        "supervisory authority",
        "data protection authority",
        "cnpd",
        "bfdi",
        "datenschutz",
    ),
    "financial supervisor": (
        "bafin",
        "banco de portugal",
        "bundesbank",
        "competent authority",
        "fca",
        "dora",
    ),
    "national csirt": ("csirt", "ncsc", "bsi", "cncs", "cert", "national cyber"),
    "card schemes": ("card brand", "card scheme", "acquirer", "visa", "mastercard", "pci"),
    "customers": ("customer", "client"),
    "data subjects": ("data subject", "affected individual"),
}
AUTHORITY_PARTIES = ("data protection authority", "financial supervisor", "national csirt")
GENERIC_AUTHORITY = ("authorit", "regulator", "supervis")


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    unit: str  # hours | days | months
    topic: tuple[tuple[str, ...], ...]  # every group needs one of its words in the unit or its context
    none_of: tuple[str, ...] = ()  # words in the clause that mean it is about something else
    cadence_words: bool = False  # whether "quarterly", "annually" ... state this kind of fact
    severity: str | None = None  # patch kinds: the severity word that must lead the period
    checked: bool = True  # False: a sink that claims periods about something no profile field states


SEVERITIES = {"critical": ("critical",), "high": ("high",), "medium": ("medium", "moderate"), "low": ("low",)}
PATCH_TOPIC = (("patch", "vulnerab", "remediat", "cve", "update", "fix"),)
SEVERITY_WORD = re.compile(r"\b(critical|high|medium|moderate|low)\b", re.I)
SEVERITY_OF = {w: sev for sev, words in SEVERITIES.items() for w in words}
_PLACES = ("card", "badge", "physical", "zone", "room", "visitor", "door", "site", "building", "fob")
KINDS: list[Kind] = [
    Kind(
        "incident_report",
        "time for staff to report a suspected incident",
        "hours",
        (("report",), ("incident", "suspected", "security event", "weakness")),
        (*(w for words in PARTIES.values() for w in words), *GENERIC_AUTHORITY, "notif", "initial")
        + ("intermediate", "final report", "audit", "contract", "scheme", "reportable", "likelihood"),
    ),
    Kind(
        "notification",
        "notification deadline",
        "hours",
        (("notif", "notice", "inform", "alert", "tell", "told", "report to", "reported to", "breach"),),
    ),
    Kind(
        "access_review",
        "user access review cadence",
        "months",
        (("access",), ("review", "recertif", "attest")),
        ("privileged", "admin", *_PLACES),
        cadence_words=True,
    ),
    Kind(
        "privileged_access_review",
        "privileged access review cadence",
        "months",
        (
            ("privileged", "admin access", "administrator", "admin rights", "admin role"),
            ("review", "recertif"),
        ),
        _PLACES,
        cadence_words=True,
    ),
    Kind(
        "physical_access_review",
        "physical access review cadence",
        "months",
        (("badge", "card", "physical access", "zone", "fob", "door access", "key holder"), ("review",)),
        cadence_words=True,
    ),
    Kind(
        "supplier_review",
        "supplier review cadence",
        "months",
        (
            (
                "supplier review",
                "supplier reassess",
                "supplier assessment",
                "supplier risk review",
                "suppliers are reviewed",
                "suppliers are reassessed",
                "suppliers are assessed",
                "review of supplier",
                "reviews of supplier",
                "vendor review",
                "vendor assessment",
            ),
        ),
        ("notice", "notif", "onboard"),
        cadence_words=True,
    ),
    Kind(
        "backup_retention",
        "backup retention",
        "days",
        (("backup", "snapshot"), ("retain", "retention", "kept", "keep", "held for", "stored for", "expire")),
    ),
    Kind(
        "log_retention",
        "log retention",
        "days",
        (("log",), ("retain", "retention", "kept", "keep", "held for", "stored for", "archive")),
    ),
    *(
        Kind(
            f"patch_{sev}",
            f"deadline for {sev} vulnerabilities",
            "days",
            PATCH_TOPIC,
            ("incident", "report"),
            severity=sev,
        )
        for sev in SEVERITIES
    ),
    Kind(
        "training",
        "security awareness training cycle",
        "months",
        (("training", "awareness"),),
        ("phishing", "simulation", "specialist", "developer", "secure coding", "tabletop", "exercise")
        + ("first week", "onboarding", "induction", "new starter", "new joiner", "joining", "start date"),
        cadence_words=True,
    ),
    Kind(
        "pen_test",
        "penetration test cycle",
        "months",
        (("penetration test", "pen test", "pentest", "penetration-test"),),
        ("finding", "remediat", "fix", "report within", "retest", "re-test"),
        cadence_words=True,
    ),
    Kind(
        "restore_test",
        "restore test cadence",
        "months",
        (("restore", "recovery test", "failover"), ("test", "exercise", "drill", "rehears")),
        cadence_words=True,
    ),
    Kind(
        "risk_review",
        "risk assessment review cycle",
        "months",
        (("risk assessment", "risk register", "risks"), ("review", "reassess", "re-assess", "updated")),
        ("access", "supplier", "vendor", "document", "policy", "policies"),
        cadence_words=True,
    ),
    Kind(
        "document_review",
        "document review cycle",
        "months",
        (
            (
                "the document",
                "this document",
                "this procedure",
                "this policy",
                "this plan",
                "this register",
                "the procedure",
                "the policy",
                "the plan",
            ),
        ),
        cadence_words=True,
        checked=False,
    ),
    Kind("rto", "recovery time objective", "hours", (("rto", "recovery time objective"),)),
    Kind("rpo", "recovery point objective", "hours", (("rpo", "recovery point objective"),)),
]
KIND_BY_NAME = {k.name: k for k in KINDS}
MFA = re.compile(r"\b(?:MFA|multi-factor|two-factor|2FA)\b", re.I)
MFA_WEAK = re.compile(
    r"\b(?:optional|not required|where available|encouraged|if possible|recommended|may be skipped)\b", re.I
)
_CLAUSE_SPLIT = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas|whilst)\b)")


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
    for i, cell in enumerate(unit.cells):
        column = unit.header[i] if i < len(unit.header) else ""
        if len(cell.split()) > 12:
            out.extend(_prose_clauses(cell))
        elif i > 0 and cell.strip():
            out.append(_DOCUMENT_NAME.sub("the document", f"{first}; {column}: {cell}"))
    return out


def _prose_clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE_SPLIT.split(_DOCUMENT_NAME.sub("the document", text)) if c.strip()]


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
        allowed["access_review"].add(float(pr.access_review_months))
        allowed["backup_retention"].add(float(profile.technology.backup.retention_days))
        allowed["log_retention"].add(float(pr.log_retention_days))
        allowed["training"].add(float(profile.people.training_cadence_months))
        allowed["pen_test"].add(float(pr.penetration_test_months))
        allowed["risk_review"].add(float(profile.risk_criteria.review_months))
        for sev, days in pr.patch_days.items():
            allowed[f"patch_{sev}"].add(float(days))
        parties: dict[str, set[float]] = {}
        if pr.breach_notification_hours:
            parties.setdefault("any authority", set()).add(float(pr.breach_notification_hours))
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
            for sentence in split_sentences(value):
                out.extend(unit_statements(Unit(path.replace("_", " "), "sentence", sentence)))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path} {key}")
        elif isinstance(value, list):
            for item in value:
                walk(item, path)

    walk(profile.model_dump(mode="json"), "")
    return out
