"""Identifier grammar shared by every layer: Annex A controls, clauses, documents, risks."""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator

CONTROL_ID = re.compile(r"^A\.(5|6|7|8)\.([1-9][0-9]?)$")
CLAUSE_ID = re.compile(r"^(4|5|6|7|8|9|10)(\.[1-9]){1,2}$")
DOCUMENT_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# ISO 27001:2013 Annex A ids: A.5 to A.18 with a third level (A.9.2.3) or themes 9-18 (A.12.1).
LEGACY_CONTROL_REF = re.compile(r"\bA\.(?:1[0-8]|[5-9])\.\d{1,2}\.\d{1,2}\b|\bA\.(?:9|1[0-8])\.\d{1,2}\b")
CONTROL_REF = re.compile(r"\bA\.[5-8]\.\d{1,2}\b(?!\.\d)")

# The roles a profile can staff and a catalogue document can be owned by.
Role = Literal[
    "top_management",
    "isms_owner",
    "security_lead",
    "dpo",
    "it_lead",
    "engineering_lead",
    "hr_lead",
    "facilities_lead",
    "legal_lead",
    "finance_lead",
]
ROLE_NAMES: tuple[str, ...] = get_args(Role)
# How documents name each role (never the id: "it_lead" is a code, "IT lead" is a role).
ROLE_LABELS: dict[str, str] = {
    "top_management": "Top management",
    "isms_owner": "ISMS owner",
    "security_lead": "Security lead",
    "dpo": "Data protection officer",
    "it_lead": "IT lead",
    "engineering_lead": "Engineering lead",
    "hr_lead": "HR lead",
    "facilities_lead": "Facilities lead",
    "legal_lead": "Legal lead",
    "finance_lead": "Finance lead",
}

THEMES: dict[str, tuple[int, int]] = {
    "organizational": (5, 37),
    "people": (6, 8),
    "physical": (7, 14),
    "technological": (8, 34),
}
THEME_BY_SECTION = {section: name for name, (section, _count) in THEMES.items()}


def check_control_id(value: str) -> str:
    """Pydantic validator: an ISO/IEC 27001:2022 Annex A id (A.5.1 ... A.8.34)."""
    if not CONTROL_ID.match(value):
        raise ValueError(f"expected an Annex A control id like A.5.15 (2022 numbering), found {value!r}")
    return value


ControlId = Annotated[str, AfterValidator(check_control_id)]


def is_control_id(value: str) -> bool:
    return bool(CONTROL_ID.match(value))


def is_clause_id(value: str) -> bool:
    return bool(CLAUSE_ID.match(value))


def control_sort_key(control_id: str) -> tuple[int, int]:
    """Numeric order: A.5.2 before A.5.10."""
    match = CONTROL_ID.match(control_id)
    if not match:
        return (99, 99)
    return (int(match.group(1)), int(match.group(2)))


def clause_sort_key(clause_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in clause_id.split("."))


def all_control_ids() -> list[str]:
    """The 93 Annex A ids of ISO/IEC 27001:2022 in order."""
    return [f"A.{section}.{n}" for section, count in THEMES.values() for n in range(1, count + 1)]


def theme_of(control_id: str) -> str:
    return THEME_BY_SECTION[control_sort_key(control_id)[0]]
