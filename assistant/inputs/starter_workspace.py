"""Turn a complete set of questionnaire answers into the files of a new workspace: `profile.yaml` with a
comment above each section saying what it holds, and `risks.csv` with starter risks marked `suggested`.

Only what the answers say is written. Derived fields (the scope statement and boundaries, document control,
the notifications of the chosen obligations) are built from the answers; an optional fact left open is
left out, and the documents record a decision for it instead.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import FoldedScalarString

from assistant.errors import InputError
from assistant.inputs.init_questions import OPTIONAL_ROLES, REQUIRED_ROLES
from assistant.inputs.profile import Practices, Profile
from assistant.inputs.risks import COLUMNS, SUGGESTED
from assistant.inputs.starter_catalogues import StarterCatalogues, StarterRisk
from assistant.yamlio import format_loc

LIKELIHOOD_SCALE = {
    1: "Rare - not expected in the next 5 years",
    2: "Unlikely - could happen once in 2 to 5 years",
    3: "Possible - could happen about once a year",
    4: "Likely - expected several times a year",
    5: "Almost certain - expected monthly or already happening",
}
IMPACT_SCALE = {
    1: "Negligible - no noticeable effect on clients, staff or operations",
    2: "Minor - a brief disruption or small cost, no personal data breach",
    3: "Moderate - several clients affected, or a breach reportable to clients",
    4: "Major - loss of a key client, an investigation by an authority, or an outage of over a day",
    5: "Severe - widespread exposure of data, or a threat to the organisation's survival",
}

# The comment above each section of profile.yaml, as a person reads the file.
SECTION_COMMENTS = {
    "identity": "Who the organisation is: every document names it and states what it does.",
    "locations": "Where the organisation works: offices (in scope or not, with the reason), remote working\n"
    "and the cloud regions that hold its data.",
    "scope": "The scope of the ISMS (clause 4.3). Derived by `isms init` from the answers above and below:\n"
    "read it, and change it to say exactly what you mean to certify.",
    "roles": "People in the roles the documents name. `approvers` may approve documents.",
    "technology": "The systems and tools the documents name. Name only what you use.",
    "people": "How people join, leave and are trained.",
    "suppliers": "Suppliers that hold the organisation's data or run a service it depends on: the supplier\n"
    "register of the documents.",
    "obligations": "Laws, regulations and contracts the ISMS must meet, from the obligations catalogue\n"
    "(corpus/obligations.yaml). Edit the summaries to say how each applies to you.",
    "notifications": "Who must be told about an incident, within how many hours, and who does it.",
    "risk_criteria": "How risks are rated (5 x 5) and which scores must be treated.",
    "document_control": "Who owns and approves the documents, their classification and review cycle.",
    "practices": "Cadences and numbers several documents state; they must agree across the set.",
    "recurring": "Further dates for the ISMS calendar.",
}
HEADER = (
    "Organisation profile: {name}\n"
    "Written by `isms init` from the answers given; edit it freely.\n"
    "Validate with: isms profile check --workspace {folder}"
)
TOOL_USES = {
    "technology.code_hosting": "for source code",
    "technology.ci_cd": "for build and deployment",
    "technology.ticketing": "for requests and tickets",
}
_REMOTE = {"hybrid", "mostly_remote", "fully_remote"}


@dataclass(frozen=True)
class StarterFiles:
    profile_yaml: str
    risks_csv: str
    profile: Profile
    suggested_risks: int
    notes: list[str]  # what was left open or derived, for the person to check


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _nested(answers: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The answers under `prefix.` as a nested mapping, leaving out those left open."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        if not key.startswith(prefix + ".") or value is None:
            continue
        node = out
        parts = key[len(prefix) + 1 :].split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _person(answers: Mapping[str, Any], role: str) -> dict[str, Any] | None:
    person = _nested(answers, f"roles.{role}")
    return person if person.get("name") else None


def _offices(answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for office in answers.get("locations.offices") or []:
        entry = {k: office[k] for k in ("name", "city", "country", "in_scope") if office.get(k) is not None}
        if not office.get("in_scope", True):
            entry["scope_reason"] = office["scope_reason"]
        out.append(entry)
    return out


def _scope(answers: Mapping[str, Any], offices: list[dict[str, Any]]) -> dict[str, Any]:
    legal = answers["identity.legal_name"]
    remote = answers["locations.remote_working"] in _REMOTE
    inside = [o for o in offices if o.get("in_scope", True)]
    outside = [o for o in offices if not o.get("in_scope", True)]
    clouds = answers.get("technology.cloud_providers") or []
    regions = answers.get("locations.cloud_regions") or []
    places = [f"the {o['name']} ({o['city']}, {o['country']})" for o in inside]
    if remote:
        places.append("the homes of staff who work remotely")
    activity = _activity(answers)
    statement = (
        f"The information security management system of {legal} covers {activity}, together with "
        "the people, devices, cloud services and business processes that support it"
    )
    if places:
        statement += f", carried out from {_join(places)}"
    if regions:
        statement += f", with systems hosted in {_join(regions)}"
    elif clouds:
        statement += f", with systems hosted by {_join(clouds)}"
    statement += "."
    for o in outside:
        statement += f" The {o['name']} in {o['city']} is outside the scope: {o['scope_reason'].rstrip('.')}."
    physical = [f"{o['name']} ({o['city']}, {o['country']})" for o in inside]
    if remote:
        physical.append("Home working locations of staff")
    if not physical:
        physical = [f"Cloud regions of {_join(clouds)}"] if clouds else []
    if not physical:
        raise InputError(
            "the scope has no place: name an office in scope, a remote-working model other than none, or a cloud provider"
        )
    technology = [
        f"Company devices ({_join(answers['technology.endpoints.operating_systems'])}) managed with "
        f"{answers['technology.endpoints.device_management']}",
        f"{answers['technology.identity.provider']} for identity and sign-in",
        *(f"Systems and data hosted in {c}" for c in clouds),
        f"{_join(answers['technology.email_collaboration'])} for e-mail and collaboration",
        *(_tool_use(answers[k], use) for k, use in TOOL_USES.items() if answers.get(k)),
        *(answers.get("technology.business_systems") or []),
    ]
    technology = list(dict.fromkeys(technology))  # one line per tool, however many roles it plays
    return {
        "statement": statement,
        "organisational": [f"All employees and contractors of {legal}"],
        "physical": physical,
        "technology": technology,
        "interfaces": [f"{c} as cloud provider, under the shared responsibility model" for c in clouds],
    }


def _activity(answers: Mapping[str, Any]) -> str:
    """What the scope covers: all the organisation's activities, named from its description ("Lumiq GmbH
    develops ECG software" -> "all its activities (it develops ECG software)")."""
    description = " ".join(str(answers.get("identity.description") or "").split()).rstrip(".")
    names = [answers.get("identity.legal_name"), answers.get("identity.name")]
    for name in [n for n in names if n]:
        if description.startswith(name + " "):
            return f"all its activities (it {description[len(name) + 1 :]})"
    return "all its activities"


def _tool_use(tool: str, use: str) -> str:
    """A tool with what it is used for, unless the answer already says so ("GitLab CI with deployments to
    AWS" needs no "for build and deployment")."""
    said = {w.strip(",.").lower()[:5] for w in tool.split()}
    words = {w.lower()[:5] for w in use.split() if len(w) > 3}
    return tool if words & said else f"{tool} {use}"


def _staffed(answers: Mapping[str, Any]) -> set[str]:
    return {r for r in [*REQUIRED_ROLES, *OPTIONAL_ROLES] if answers.get(f"roles.{r}.name")}


def _role_or_owner(role: str, staffed: set[str], fallback: str = "isms_owner") -> str:
    return role if role in staffed else fallback


def _obligations_and_notifications(
    answers: Mapping[str, Any], cat: StarterCatalogues, staffed: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    obligations, notifications, notes = [], [], []
    for ob_id in answers.get("obligations") or []:
        entry = cat.obligations[ob_id]
        obligations.append(
            {
                "id": entry.id,
                "kind": entry.kind,
                "name": entry.name,
                "summary": entry.summary,
                "controls": list(entry.controls),
            }
        )
        for n, note in enumerate(entry.notifications, start=1):
            party = answers.get(f"notifications.{ob_id}.{n}.party")
            if not party:
                notes.append(
                    f"{entry.name}: who receives {note.trigger[0].lower() + note.trigger[1:]} (not recorded)"
                )
                continue
            notifications.append(
                {
                    "party": party,
                    "kind": note.kind,
                    "trigger": note.trigger,
                    "deadline_hours": answers[f"notifications.{ob_id}.{n}.deadline_hours"],
                    "notifier": _role_or_owner(note.notifier, staffed),
                    "obligation": ob_id,
                }
            )
    return obligations, notifications, notes


def build_profile_data(
    answers: Mapping[str, Any], cat: StarterCatalogues
) -> tuple[dict[str, Any], list[str]]:
    """The profile as plain data, and notes on what was left open."""
    staffed = _staffed(answers)
    identity = {
        k: answers[f"identity.{k}"]
        for k in ("name", "legal_name", "sector", "headcount", "jurisdictions", "description")
    }
    offices = _offices(answers)
    locations: dict[str, Any] = {"offices": offices}
    if answers.get("locations.cloud_regions"):
        locations["cloud_regions"] = answers["locations.cloud_regions"]
    locations["remote_working"] = answers["locations.remote_working"]
    if answers.get("locations.remote_notes"):
        locations["remote_notes"] = answers["locations.remote_notes"]
    roles: dict[str, Any] = {r: p for r in [*REQUIRED_ROLES, *OPTIONAL_ROLES] if (p := _person(answers, r))}
    roles["approvers"] = answers["roles.approvers"]
    technology = _nested(answers, "technology")
    restore_months = technology.get("backup", {}).pop("restore_test_months", None)
    if restore_months is not None:
        technology["backup"]["tested"] = f"A restore from backup is tested every {restore_months} months"
    for key in ("business_systems", "cloud_providers"):
        if not technology.get(key):
            technology.pop(key, None)
    people = _nested(answers, "people")
    obligations, notifications, notes = _obligations_and_notifications(answers, cat, staffed)
    asked = _nested(answers, "practices")
    next_test = asked.pop("next_penetration_test", None)
    practices = {k: asked[k] for k in Practices.model_fields if k in asked}
    data: dict[str, Any] = {
        "identity": identity,
        "locations": locations,
        "scope": _scope(answers, offices),
        "roles": roles,
        "technology": technology,
        "people": people,
        "suppliers": [
            {k: v for k, v in supplier.items() if v not in (None, [])}
            for supplier in answers.get("suppliers") or []
        ],
        "obligations": obligations,
        "notifications": notifications,
        "risk_criteria": {
            "likelihood_scale": dict(LIKELIHOOD_SCALE),
            "impact_scale": dict(IMPACT_SCALE),
            **_nested(answers, "risk_criteria"),
        },
        "document_control": {
            "owner": "isms_owner",
            "approver": "top_management",
            **_nested(answers, "document_control"),
        },
        "practices": practices,
    }
    if next_test is not None:
        data["recurring"] = [
            {
                "activity": "Penetration test",
                "owner": "security_lead",
                "every_months": practices["penetration_test_months"],
                "next_due": next_test,
            }
        ]
    for key in ("suppliers", "obligations", "notifications"):
        if not data[key]:
            del data[key]
    return data, notes


def _folded(value: Any) -> Any:
    """Long text as a folded block (`>-`), wrapped the way a person would write it."""
    if isinstance(value, dict):
        return {k: _folded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_folded(v) for v in value]
    if isinstance(value, str) and len(value) > 90:
        lines = textwrap.wrap(value, 96)
        folded = FoldedScalarString(" ".join(lines))
        positions, at = [], 0
        for line in lines[:-1]:
            at += len(line)
            positions.append(at)
            at += 1
        folded.fold_pos = positions  # type: ignore[attr-defined]
        return folded
    return value


def render_profile_yaml(data: Mapping[str, Any], *, folder: str = ".") -> str:
    """The profile as YAML, a comment above each section."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    parts = [
        "\n".join(
            f"# {line}" for line in HEADER.format(name=data["identity"]["name"], folder=folder).splitlines()
        )
    ]
    for section, value in data.items():
        buffer = io.StringIO()
        yaml.dump({section: _folded(value)}, buffer)
        comment = "\n".join(f"# {line}" for line in SECTION_COMMENTS.get(section, "").splitlines())
        parts.append((comment + "\n" if comment else "") + buffer.getvalue().rstrip("\n"))
    return "\n\n".join(parts) + "\n"


def _applies(risk: StarterRisk, answers: Mapping[str, Any]) -> bool:
    when = risk.when
    if when.answered is not None and not answers.get(when.answered):
        return False
    if when.obligations and not set(when.obligations) & set(answers.get("obligations") or []):
        return False
    if (
        when.remote_working is not None
        and (answers["locations.remote_working"] in _REMOTE) != when.remote_working
    ):
        return False
    return True


def _fill(text: str, answers: Mapping[str, Any]) -> str:
    def tool(key: str) -> str:
        value = answers.get(key)
        return _join(value) if isinstance(value, list) and value else str(value or "")

    return text.format(
        cloud_providers=tool("technology.cloud_providers"),
        identity_provider=tool("technology.identity.provider"),
        code_hosting=tool("technology.code_hosting"),
        email_collaboration=tool("technology.email_collaboration"),
        backup_tool=tool("technology.backup.tool"),
    )


def render_risks_csv(answers: Mapping[str, Any], cat: StarterCatalogues) -> tuple[str, int]:
    """The starter register: every starter risk whose conditions the answers meet, marked suggested."""
    staffed = _staffed(answers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, "source"])
    count = 0
    for risk in cat.risks:
        if not _applies(risk, answers):
            continue
        count += 1
        writer.writerow(
            [
                f"R-{count:03d}",
                _fill(risk.title, answers),
                " ".join(_fill(risk.description, answers).split()),
                _role_or_owner(risk.owner, staffed, "security_lead"),
                risk.likelihood,
                risk.impact,
                risk.treatment,
                ";".join(risk.controls),
                SUGGESTED,
            ]
        )
    return buffer.getvalue(), count


def starter_files(answers: Mapping[str, Any], cat: StarterCatalogues, *, folder: str = ".") -> StarterFiles:
    """profile.yaml and risks.csv for the answers, the profile checked against its schema before it is
    written (a failure here is a gap between the questions and the schema, reported with its field)."""
    data, notes = build_profile_data(answers, cat)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{format_loc(tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise InputError("the answers do not make a valid profile", details=problems) from None
    risks, count = render_risks_csv(answers, cat)
    return StarterFiles(render_profile_yaml(data, folder=folder), risks, profile, count, notes)


__all__ = ["StarterFiles", "build_profile_data", "render_profile_yaml", "render_risks_csv", "starter_files"]
