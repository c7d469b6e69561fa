"""The questions of `isms init`, part by part (organisation, roles, locations, estate, people, obligations,
numbers, documents), each with its kind, default and checks; `questions` lists those that apply given the
answers so far. The flow that asks them is `assistant.inputs.questionnaire`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from assistant.inputs.answer_checks import AnswerError, Question, unique
from assistant.inputs.init_practice_questions import documents, people, practices, technology
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


def questions(answers: Mapping[str, Any], cat: StarterCatalogues) -> list[Question]:
    """Every question that applies given the answers so far, in the order they are asked."""
    return [
        *_identity(),
        *_identity_more(answers),
        *_roles(answers),
        *_locations(),
        *technology(),
        *people(),
        *_obligations(answers, cat),
        *practices(),
        *documents(),
    ]
