"""Facts that several documents state must agree with the profile: reporting times, review cadences,
retention periods, patch deadlines, training cycles, MFA.

One extractor serves three places: the offline drafter drops guidance that would contradict the
organisation, the validator re-asks a model that contradicts it, and the evaluation harness reports
documents (generated or edited by hand) that disagree with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.inputs.profile import Profile

DURATION = re.compile(r"\b(\d{1,4})[ -](hours?|days?|weeks?|months?|years?)\b", re.I)
WORD_PERIODS = [
    (re.compile(r"\bquarterly\b|\bevery quarter\b|\beach quarter\b", re.I), 3, "months"),
    (re.compile(r"\bmonthly\b|\bevery month\b", re.I), 1, "months"),
    (re.compile(r"\bweekly\b|\bevery week\b", re.I), 7, "days"),
    (
        re.compile(r"\btwice a year\b|\bevery six months\b|\bhalf-yearly\b|\bsemi-annual(?:ly)?\b", re.I),
        6,
        "months",
    ),
    (
        re.compile(r"\bannual(?:ly)?\b|\byearly\b|\bevery year\b|\beach year\b|\bonce a year\b", re.I),
        12,
        "months",
    ),
]
UNIT_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30.4, "year": 365}


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    unit: str  # hours | days | months
    all_of: tuple[tuple[str, ...], ...]  # each group needs one of its words near the stated period
    none_of: tuple[str, ...] = ()
    anchor: str | None = None  # take the first period after this word
    cadence_words: bool = False  # whether "quarterly", "annually" ... state this kind of fact
    pair: tuple[str, str] | None = None  # two words that must stand close together ("access ... review")


WINDOW = 90  # characters between a stated period and the words that say what it is about
KINDS = [
    Kind(
        "incident_report",
        "time for staff to report a suspected incident",
        "hours",
        (("report",), ("incident", "suspected", "security event")),
        (
            "authorit",
            "regulator",
            "supervis",
            "notif",
            "customer",
            "bafin",
            "ico",
            "data protection",
            "contract",
            "scheme",
            "initial",
            "final report",
            "intermediate",
        ),
    ),
    Kind(
        "breach_notification",
        "time to notify an authority of a notifiable incident",
        "hours",
        (("notif", "authorit", "regulator", "supervis"), ("incident", "breach")),
    ),
    Kind(
        "access_review",
        "access review cadence",
        "months",
        (("access",), ("review", "recertif")),
        ("privileged", "card", "badge", "physical", "zone", "room", "visitor", "door", "key", "site"),
        cadence_words=True,
        pair=("access", "review"),
    ),
    Kind(
        "backup_retention", "backup retention", "days", (("backup",), ("retain", "retention", "kept", "keep"))
    ),
    Kind(
        "log_retention",
        "log retention",
        "days",
        (("log",), ("retain", "retention", "kept", "keep")),
        ("backup",),
    ),
    Kind(
        "patch_critical",
        "deadline for critical patches",
        "days",
        (("patch", "vulnerab", "update", "fix", "remediat"), ("critical",)),
        (),
        "critical",
    ),
    Kind(
        "training",
        "security awareness training cycle",
        "months",
        (("training", "awareness"),),
        ("phishing", "simulation", "specialist", "developer", "secure coding", "tabletop", "exercise"),
        cadence_words=True,
    ),
]
MFA = re.compile(r"\b(?:MFA|multi-factor|two-factor|2FA)\b", re.I)
MFA_WEAK = re.compile(
    r"\b(?:optional|not required|where available|encouraged|if possible|recommended)\b", re.I
)


def _near(text: str, position: int, words: tuple[str, ...]) -> bool:
    window = text[max(0, position - WINDOW) : position + WINDOW].lower()
    return any(word in window for word in words)


def _periods(kind: Kind, sentence: str) -> list[tuple[float, str]]:
    """Periods in a sentence that state this kind of fact: near its words, after its anchor."""
    start = 0
    if kind.anchor:
        start = sentence.lower().find(kind.anchor)
        if start < 0:
            return []
    found: list[tuple[int, float, str]] = [
        (m.start(), float(m.group(1)), m.group(2).lower().rstrip("s"))
        for m in DURATION.finditer(sentence, start)
    ]
    if kind.cadence_words:
        for pattern, value, unit in WORD_PERIODS:
            for m in pattern.finditer(sentence, start):
                found.append((m.start(), float(value), unit.rstrip("s")))
    near = [(pos, v, u) for pos, v, u in found if all(_near(sentence, pos, group) for group in kind.all_of)]
    near.sort()
    if kind.anchor:
        near = near[:1]
    return [(v, u) for _pos, v, u in near]


def _convert(value: float, unit: str, target: str) -> float:
    days = value * UNIT_DAYS[unit]
    return {"hours": days * 24, "days": days, "months": days / 30.4}[target]


def _matches(kind: Kind, sentence: str) -> bool:
    lowered = sentence.lower()
    if any(word in lowered for word in kind.none_of):
        return False
    if kind.pair and not re.search(
        rf"{kind.pair[0]}\w*\W+(?:\w+\W+){{0,3}}{kind.pair[1]}|"
        rf"{kind.pair[1]}\w*\W+(?:\w+\W+){{0,3}}{kind.pair[0]}",
        lowered,
    ):
        return False
    return all(any(word in lowered for word in group) for group in kind.all_of)


def statements(text: str) -> list[tuple[Kind, float, str]]:
    """(kind, value in the kind's unit, sentence) for every fact statement in `text` (tables excluded)."""
    out = []
    prose = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("|"))
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", prose):
        for kind in KINDS:
            if _matches(kind, sentence):
                for value, unit in _periods(kind, sentence):
                    out.append((kind, round(_convert(value, unit, kind.unit), 1), sentence.strip()))
    return out


class FactChecker:
    """Knows what the profile says; finds statements that disagree with it."""

    def __init__(self, profile: Profile) -> None:
        pr = profile.practices
        canonical: dict[str, set[float]] = {
            "incident_report": {float(pr.incident_report_hours)},
            "breach_notification": {float(pr.breach_notification_hours)}
            if pr.breach_notification_hours
            else set(),
            "access_review": {float(pr.access_review_months)},
            "backup_retention": {float(profile.technology.backup.retention_days)},
            "log_retention": {float(pr.log_retention_days)},
            "patch_critical": {float(pr.patch_days["critical"])} if "critical" in pr.patch_days else set(),
            "training": {float(profile.people.training_cadence_months)},
        }
        # Whatever the organisation's own profile states is true for it (a DORA 4-hour notification and a
        # GDPR 72-hour one can both hold).
        for kind, value, _sentence in statements(_profile_text(profile)):
            canonical[kind.name].add(value)
        self.allowed = canonical
        self.mfa_enforced = bool(profile.technology.identity.mfa.strip())

    def contradictions(self, text: str) -> list[str]:
        problems = []
        for kind, value, sentence in statements(text):
            allowed = self.allowed.get(kind.name, set())
            if allowed and not any(abs(value - a) <= max(0.5, a * 0.05) for a in allowed):
                expected = " or ".join(_fmt(a, kind.unit) for a in sorted(allowed))
                problems.append(
                    f"states {_fmt(value, kind.unit)} for the {kind.label}, but the organisation's "
                    f'profile says {expected}: "{_clip(sentence)}"'
                )
        if self.mfa_enforced:
            for sentence in re.split(r"(?<=[.!?;])\s+|\n+", text):
                if MFA.search(sentence) and MFA_WEAK.search(sentence):
                    problems.append(
                        f'presents MFA as optional, but the profile enforces it: "{_clip(sentence)}"'
                    )
        return problems


def _fmt(value: float, unit: str) -> str:
    number = int(value) if value == int(value) else value
    return f"{number} {unit}"


def _clip(sentence: str, limit: int = 140) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 3] + "..."


def _profile_text(profile: Profile) -> str:
    parts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(profile.model_dump(mode="json"))
    return "\n".join(parts)
