"""The kinds of fact a document states and the profile fixes, as data: the words that say what a period
is about, the cadence words and number words that state one, and the parties a notification is owed to.
Read by the fact checker (assistant/drafting/factcheck.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
CLAUSE_SPLIT = re.compile(r";\s+|,\s+(?=(?:and|but|while|whereas|whilst)\b)")
