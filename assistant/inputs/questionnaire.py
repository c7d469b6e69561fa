"""The questions `isms init` asks to start a workspace, in the order a security lead knows the answers
(each answer checked by `answer_checks`). Nothing here reads a terminal: the CLI asks these questions one
by one, and a form (the UI) can show the same questions with the same checks.

Answers are a flat mapping from a question's key (`identity.name`, `roles.dpo.name`, ...) to its checked
value; None records an optional fact the person does not know (it is left open, and the documents record
a decision instead). Which questions follow depends on earlier answers (a role's title is asked only when
someone holds the role; an obligation's notifications only when it is chosen), so `next_question` is
called again after every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import InputError
from assistant.inputs.answer_checks import (
    REQUIRED_REASON,
    AnswerError,
    Answers,
    Question,
    check_answer,
    check_record,
    unique,
)
from assistant.inputs.starter_catalogues import StarterCatalogues

SECTIONS = {
    "identity": "Organisation and sector",
    "roles": "People in the roles",
    "locations": "Locations and sites",
    "technology": "Cloud and SaaS estate",
    "people": "Joining, leaving and training",
    "obligations": "Legal, regulatory and contractual obligations",
    "practices": "Cadences and numbers",
    "documents": "Existing documents to import",
}

REQUIRED_ROLES = {
    "top_management": "top management (the person who leads the organisation)",
    "isms_owner": "the ISMS owner (accountable for the management system)",
    "security_lead": "the security lead (runs information security day to day)",
    "it_lead": "the IT lead (runs accounts, laptops and backups day to day)",
    "legal_lead": "the legal lead (handles contracts and legal questions)",
    "hr_lead": "the HR lead (hiring, contracts of employment, leavers)",
}
# Roles many documents give tasks to; in a small organisation someone else often holds them, so the
# question offers that person as the default.
ROLE_DEFAULTS = {"it_lead": "security_lead", "legal_lead": "isms_owner", "hr_lead": "isms_owner"}
OPTIONAL_ROLES = {
    "dpo": "the data protection officer",
    "engineering_lead": "the engineering lead",
}
REMOTE_WORKING = ("none", "hybrid", "mostly_remote", "fully_remote")
BYOD = ("not_allowed", "mobile_only", "allowed_with_mdm", "allowed")


def _office_reason(office: Mapping[str, Any]) -> None:
    if office.get("in_scope") is False and len((office.get("scope_reason") or "").strip()) < 10:
        raise AnswerError(
            f"office {office.get('name')!r} is out of scope: say why in a few words (the scope statement gives it)"
        )


def _approvers_known(value: Any, answers: Mapping[str, Any]) -> None:
    named = set(people_named(answers))
    unknown = [v for v in value if v not in named]
    if unknown:
        raise AnswerError(
            f"{', '.join(unknown)} holds no role; approvers must be among: {', '.join(sorted(named))}"
        )


def _obligations_known(cat: StarterCatalogues) -> Callable[[Any, Mapping[str, Any]], None]:
    def check(value: Any, _answers: Mapping[str, Any]) -> None:
        unknown = [v for v in value if v not in cat.obligations]
        if unknown:
            raise AnswerError(
                f"unknown obligation(s) {', '.join(unknown)}; choose from: {', '.join(cat.obligations)}"
            )

    return check


def _description(value: Any, answers: Mapping[str, Any]) -> None:
    if len(str(value).split()) < 4:
        raise AnswerError("describe what the organisation does in a sentence of a few words or more")
    name = str(answers.get("identity.name") or "")
    if name and name.split()[0].lower() not in str(value).lower():
        raise AnswerError(
            f"make {name} the subject of the sentence (e.g. '{name} designs ...'): documents quote it on its own"
        )


# -- the questions ---------------------------------------------------------------------------------------


def people_named(answers: Mapping[str, Any]) -> list[str]:
    """The names of everyone who holds a role, in the order asked."""
    names = [answers.get(f"roles.{r}.name") for r in [*REQUIRED_ROLES, *OPTIONAL_ROLES]]
    return unique([n for n in names if n])


def _office_fields() -> tuple[Question, ...]:
    return (
        Question("name", "Office name (e.g. Amsterdam studio)", required=True, min_length=2),
        Question("city", "City", required=True, min_length=2),
        Question("country", "Country", kind="country", required=True),
        Question("in_scope", "Is this office in the scope of the ISMS?", kind="bool", default=True),
        Question(
            "scope_reason",
            "Why is it out of scope?",
            help="e.g. 'a sales office with no access to client files'",
            ask_when=lambda office: office.get("in_scope") is False,
        ),
    )


def _identity() -> list[Question]:
    s = "identity"
    return [
        Question(
            "identity.name",
            "Short name of the organisation, as documents use it",
            section=s,
            required=True,
            min_length=2,
        ),
        Question("identity.legal_name", "Legal name (as registered)", section=s, required=True, min_length=2),
        Question(
            "identity.sector",
            "Sector, in a few words (e.g. architecture practice)",
            section=s,
            required=True,
            min_length=3,
        ),
        Question(
            "identity.headcount",
            "How many people work there (employees)?",
            kind="int",
            section=s,
            required=True,
            minimum=1,
            maximum=1_000_000,
        ),
        Question(
            "identity.country", "Country of the main establishment", kind="country", section=s, required=True
        ),
    ]


def _identity_more(answers: Mapping[str, Any]) -> list[Question]:
    s = "identity"
    country = answers.get("identity.country")
    return [
        Question(
            "identity.jurisdictions",
            "Countries or regions whose law applies (separate with commas)",
            kind="countries",
            section=s,
            required=True,
            default=[country] if country else None,
        ),
        Question(
            "identity.description",
            "What the organisation does, in one sentence with its name as the subject",
            section=s,
            required=True,
            min_length=10,
            check=_description,
            help="e.g. 'Vos Lindqvist designs homes, schools and offices for public and private clients.'",
        ),
    ]


def _roles(answers: Mapping[str, Any]) -> list[Question]:
    s = "roles"
    out: list[Question] = []
    for role, label in [*REQUIRED_ROLES.items(), *OPTIONAL_ROLES.items()]:
        required = role in REQUIRED_ROLES
        stand_in = ROLE_DEFAULTS.get(role)
        default_name = answers.get(f"roles.{stand_in}.name") if stand_in else None
        out.append(
            Question(
                f"roles.{role}.name",
                f"Name of {label}" + ("" if required else " (leave empty if nobody holds the role)"),
                section=s,
                required=required,
                default=default_name,
                min_length=2,
                blank_is_answer=not required,
            )
        )
        name = answers.get(f"roles.{role}.name")
        if name:
            who = label.split(" (")[0]
            same = default_name is not None and name == default_name
            out.append(
                Question(
                    f"roles.{role}.title",
                    f"Job title of {who}",
                    section=s,
                    required=True,
                    default=answers.get(f"roles.{stand_in}.title") if same else None,
                    min_length=2,
                )
            )
            out.append(Question(f"roles.{role}.email", f"E-mail address of {who}", section=s))
    named = people_named(answers)
    top = answers.get("roles.top_management.name")
    out.append(
        Question(
            "roles.approvers",
            "Who approves documents? (names, separated by commas)",
            kind="choices",
            section=s,
            required=True,
            choices=tuple(named),
            default=[top] if top else None,
            check=_approvers_known,
        )
    )
    return out


def _locations() -> list[Question]:
    s = "locations"
    return [
        Question(
            "locations.offices",
            "Offices and sites",
            kind="records",
            section=s,
            fields=_office_fields(),
            record_check=_office_reason,
            help="Every office, in scope or not; an office out of scope needs the reason.",
        ),
        Question(
            "locations.remote_working",
            "How much do staff work remotely?",
            kind="choice",
            section=s,
            required=True,
            choices=REMOTE_WORKING,
        ),
        Question(
            "locations.remote_notes",
            "Anything to add about remote working (where from, on which devices)?",
            section=s,
            min_length=10,
        ),
        Question(
            "locations.cloud_regions",
            "Cloud regions used (e.g. 'Azure West Europe (Amsterdam)'; separate with ;)",
            kind="list",
            section=s,
        ),
    ]


def _technology() -> list[Question]:
    s = "technology"
    return [
        Question("technology.cloud_providers", "Cloud providers (separate with ;)", kind="list", section=s),
        Question(
            "technology.identity.provider",
            "Identity provider (e.g. Microsoft Entra ID, Okta, Google Workspace)",
            section=s,
            required=True,
            min_length=2,
        ),
        Question(
            "technology.identity.mfa",
            "How is multi-factor authentication enforced, and for whom?",
            section=s,
            required=True,
            min_length=10,
        ),
        Question(
            "technology.endpoints.operating_systems",
            "Operating systems of company devices (separate with ;)",
            kind="list",
            section=s,
            required=True,
        ),
        Question(
            "technology.endpoints.device_management",
            "Device management (MDM) tool",
            section=s,
            required=True,
            min_length=2,
        ),
        Question(
            "technology.endpoints.disk_encryption",
            "How are laptop disks encrypted?",
            section=s,
            required=True,
            min_length=3,
        ),
        Question("technology.endpoints.edr", "Endpoint protection / EDR", section=s),
        Question(
            "technology.endpoints.byod",
            "May staff use their own devices?",
            kind="choice",
            section=s,
            default="not_allowed",
            choices=BYOD,
        ),
        Question(
            "technology.network",
            "Network and remote access: office network, VPN, how production is reached",
            section=s,
            min_length=10,
            help="e.g. 'No corporate network or VPN: staff work over internet connections treated as untrusted'",
        ),
        Question(
            "technology.code_hosting",
            "Code hosting (leave empty if you write no software)",
            section=s,
            blank_is_answer=True,
        ),
        Question(
            "technology.ci_cd",
            "CI/CD (build and deployment; leave empty if none)",
            section=s,
            blank_is_answer=True,
        ),
        Question("technology.ticketing", "Ticketing (IT and security requests)", section=s),
        Question(
            "technology.email_collaboration",
            "E-mail and collaboration tools (separate with ;)",
            kind="list",
            section=s,
            required=True,
        ),
        Question(
            "technology.business_systems", "Other business systems (separate with ;)", kind="list", section=s
        ),
        Question(
            "technology.logging_monitoring",
            "Logging and monitoring tools (separate with ;)",
            kind="list",
            section=s,
            required=True,
        ),
        Question("technology.backup.tool", "Backup tool", section=s, required=True, min_length=2),
        Question(
            "technology.backup.frequency",
            "How often are backups taken?",
            section=s,
            required=True,
            min_length=3,
        ),
        Question(
            "technology.backup.retention_days",
            "How many days are backups kept?",
            kind="int",
            section=s,
            required=True,
            minimum=1,
            maximum=36500,
        ),
        Question(
            "technology.backup.restore_test_months",
            "Restores from backup are tested every how many months? (leave empty if not yet tested)",
            kind="int",
            section=s,
            minimum=1,
            maximum=36,
        ),
        Question(
            "practices.encryption",
            "Encryption at rest and in transit (e.g. 'AES-256 at rest, TLS 1.2 or later in transit')",
            section=s,
            required=True,
            min_length=5,
        ),
    ]


def _people() -> list[Question]:
    s = "people"
    return [
        Question(
            "people.contractors",
            "How many contractors work for you, and on what? ('none' is an answer)",
            section=s,
            required=True,
            min_length=2,
        ),
        Question(
            "people.screening",
            "What checks are made before someone joins?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "people.onboarding",
            "How does a new starter get accounts and a laptop?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "people.offboarding",
            "How is access removed when someone leaves?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question("people.training_platform", "Security awareness training platform", section=s),
    ]


def _obligations(answers: Mapping[str, Any], cat: StarterCatalogues) -> list[Question]:
    s = "obligations"
    out = [
        Question(
            "obligations",
            "Which obligations apply? (ids separated by commas; empty for none)",
            kind="choices",
            section=s,
            choices=tuple(cat.obligations),
            check=_obligations_known(cat),
            help="; ".join(f"{o.id}: {o.name}" for o in cat.obligations.values()),
        )
    ]
    country = answers.get("identity.country")
    for ob_id in answers.get("obligations") or []:
        entry = cat.obligations[ob_id]
        for n, note in enumerate(entry.notifications, start=1):
            key = f"notifications.{ob_id}.{n}"
            out.append(
                Question(
                    f"{key}.party",
                    f"{entry.name}: who is notified of {note.trigger[0].lower() + note.trigger[1:]}?",
                    section=s,
                    default=note.party_for(country),
                    min_length=2,
                    help=note.party_help or "",
                )
            )
            if answers.get(f"{key}.party"):
                out.append(
                    Question(
                        f"{key}.deadline_hours",
                        f"Within how many hours is {answers[f'{key}.party']} notified?",
                        kind="int",
                        section=s,
                        required=True,
                        default=note.deadline_hours,
                        minimum=1,
                        maximum=2160,
                    )
                )
    return out


def _practices() -> list[Question]:
    s = "practices"

    def months(key: str, prompt: str, default: int, maximum: int = 24) -> Question:
        return Question(
            key, prompt, kind="int", section=s, required=True, default=default, minimum=1, maximum=maximum
        )

    return [
        months(
            "people.training_cadence_months", "Security awareness training every how many months?", 12, 36
        ),
        months("practices.reviews.user_access", "User access reviewed every how many months?", 6),
        months(
            "practices.reviews.privileged_access",
            "Privileged (admin) access reviewed every how many months?",
            3,
        ),
        months(
            "practices.reviews.suppliers",
            "Critical suppliers' assurance reviewed every how many months?",
            12,
            36,
        ),
        Question(
            "practices.incident_report_hours",
            "Staff report a suspected incident within how many hours?",
            kind="int",
            section=s,
            required=True,
            default=24,
            minimum=1,
            maximum=168,
        ),
        *[
            Question(
                f"practices.patch_days.{level}",
                f"Patch {level} vulnerabilities within how many days?",
                kind="int",
                section=s,
                required=True,
                default=days,
                minimum=1,
                maximum=365,
            )
            for level, days in (("critical", 14), ("high", 30), ("medium", 90), ("low", 180))
        ],
        Question(
            "practices.vulnerability_scanning",
            "How are vulnerabilities found (scanner, how often)?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "practices.log_retention_days",
            "Logs kept for how many days?",
            kind="int",
            section=s,
            required=True,
            default=365,
            minimum=1,
            maximum=3650,
        ),
        months("practices.penetration_test_months", "Penetration test every how many months?", 12, 36),
        Question(
            "practices.next_penetration_test",
            "When is the next penetration test due? (YYYY-MM-DD)",
            kind="date",
            section=s,
        ),
        Question(
            "risk_criteria.acceptance_threshold",
            "Risk acceptance threshold on the 5x5 scale (likelihood x impact, 1 to 25): scores above it must be treated",
            kind="int",
            section=s,
            required=True,
            default=8,
            minimum=1,
            maximum=25,
        ),
        months("risk_criteria.review_months", "Risk assessment reviewed every how many months?", 12, 36),
        months("document_control.review_cycle_months", "Documents reviewed every how many months?", 12, 36),
        Question(
            "document_control.classification",
            "Default classification of the documents",
            kind="choice",
            section=s,
            default="Internal",
            choices=("Public", "Internal", "Confidential", "Restricted"),
        ),
    ]


def _documents() -> list[Question]:
    return [
        Question(
            "documents.import",
            "Existing documents to copy into docs/ (file paths separated by ;)",
            kind="paths",
            section="documents",
        )
    ]


def questions(answers: Mapping[str, Any], cat: StarterCatalogues) -> list[Question]:
    """Every question that applies given the answers so far, in the order they are asked."""
    return [
        *_identity(),
        *_identity_more(answers),
        *_roles(answers),
        *_locations(),
        *_technology(),
        *_people(),
        *_obligations(answers, cat),
        *_practices(),
        *_documents(),
    ]


def next_question(answers: Mapping[str, Any], cat: StarterCatalogues) -> Question | None:
    """The first question not answered yet, or None when the questionnaire is complete."""
    return next((q for q in questions(answers, cat) if q.key not in answers), None)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """An answers file as flat keys: nested mappings become dotted keys (`roles: {dpo: {name: ..}}` is
    `roles.dpo.name`); lists (offices, tools) stay values."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, full + "."))
        else:
            out[full] = value
    return out


@dataclass
class Outcome:
    """What a finished questionnaire left open and which defaults it took without an answer."""

    answers: Answers = field(default_factory=dict)
    left_open: list[Question] = field(default_factory=list)
    defaults_taken: list[Question] = field(default_factory=list)


Asker = Callable[[Question, Mapping[str, Any]], Any]


def complete(
    given: Mapping[str, Any], cat: StarterCatalogues, *, source: str, ask: Asker | None = None
) -> Outcome:
    """Answer every question: from `given` (an answers file, flattened) where it has the key, else by `ask`
    (which returns a checked answer, asking again as long as it needs), else by the question's default, else
    left open when the question is optional. Raise InputError naming `source` and the key for an answer in
    `given` that cannot be used, a required answer missing without `ask`, or a key that matches no question."""
    out = Outcome()
    answers = out.answers
    used: set[str] = set()
    while (q := next_question(answers, cat)) is not None:
        if q.key in given:
            used.add(q.key)
            try:
                answers[q.key] = check_answer(q, given[q.key], answers, cat)
            except AnswerError as exc:
                raise InputError(f"{source}: {q.key}: {exc}") from None
        elif ask is not None:
            answers[q.key] = ask(q, answers)
        elif q.default is not None:
            answers[q.key] = check_answer(q, q.default, answers, cat)
            out.defaults_taken.append(q)
        elif not q.required:
            answers[q.key] = [] if q.is_list else None
        else:
            raise InputError(f"{source}: {q.key}: no answer ({q.prompt}); {REQUIRED_REASON}")
        if answers[q.key] is None and not q.blank_is_answer:
            out.left_open.append(q)
    unknown = sorted(set(given) - used)
    if unknown:
        raise InputError(
            f"{source}: {len(unknown)} answer key(s) match no question: {', '.join(unknown)}",
            details=[
                "a role's title and e-mail are asked only with its name, a notification only with its obligation"
            ],
        )
    return out


__all__ = [
    "REQUIRED_REASON",
    "SECTIONS",
    "AnswerError",
    "Answers",
    "Outcome",
    "Question",
    "check_answer",
    "check_record",
    "complete",
    "flatten",
    "next_question",
    "people_named",
    "questions",
]
