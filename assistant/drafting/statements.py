"""Statement templates: the organisation's rules, written once in the corpus and filled from its profile.

A template names profile fields in braces: `{practices.reviews.user_access}`, `{roles.security_lead}`
(a person renders as "Name (Title)"), `{roles.security_lead.name}`, `{locations.offices[].city}` (a list
field of every item, joined "A, B and C"). A statement whose fields are missing or empty is left out, and
its `decision` (a question for the security lead) is recorded instead: nothing is invented. `when`
conditions choose statements by the organisation's facts: `path`, `not path`, `path == value`,
`path != value`, `path contains text` (case-insensitive, on the rendered value), several joined by `&&`.

Filters: `{technology.ticketing|short}` keeps a tool's name ("Linear" of "Linear (engineering, IT and
security requests)"), of every item of a list too; `{suppliers|count}` is the number of items;
`{roles.dpo.title|lower}` lower-cases. Free-text fields (descriptions, `mfa`, `onboarding`) read well only
as a sentence of their own; inside a sentence use `|short`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from assistant.inputs.profile import Profile
from assistant.knowledge.models import DecisionTemplate, StatementTemplate

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.\[\]]*)(?:\|(short|count|lower))?\}")
FILTERS = ("short", "count", "lower")
_SHORT_END = re.compile(r"\s*(?:\(|;|,|:|\s-\s|\.\s)")
CONDITION = re.compile(r"^\s*(not\s+)?([a-z_][a-z0-9_.\[\]]*)\s*(?:(==|!=|contains)\s*(.+?))?\s*$")
MISSING = object()


class TemplateError(ValueError):
    """A template or condition that cannot be read (reported by `isms corpus check`)."""


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path; `items[].field` collects a field of every item. MISSING if absent."""
    value: Any = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        if part.endswith("[]"):
            items = value.get(part[:-2]) if isinstance(value, dict) else None
            if not isinstance(items, list):
                return MISSING
            rest = ".".join(parts[i + 1 :])
            found = [lookup(item, rest) if rest else item for item in items]
            return [f for f in found if f is not MISSING and f not in (None, "", [])] or MISSING
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return MISSING if value in (None, "", [], {}) else value


def shorten(value: Any) -> Any:
    if isinstance(value, list):
        return [shorten(v) for v in value]
    if isinstance(value, str):
        return _SHORT_END.split(value, maxsplit=1)[0].strip() or value
    return value


def apply_filter(value: Any, name: str | None) -> str:
    if name == "count":
        return str(len(value)) if isinstance(value, list | dict) else "1"
    if name == "short":
        return render_value(shorten(value))
    if name == "lower":
        return render_value(value).lower()
    return render_value(value)


def unbracket(text: str) -> str:
    """A title set inside brackets loses its own: "Officer (outsourcing)" reads "Officer, outsourcing"."""
    return text.replace(" (", ", ").replace("(", "").replace(")", "")


def render_value(value: Any) -> str:
    if isinstance(value, dict) and "name" in value and "title" in value:
        return f"{value['name']} ({unbracket(str(value['title']))})"
    if isinstance(value, list):
        parts = [render_value(v) for v in value]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(str(value).split())
    return text[:-1] if text.endswith(".") else text


def holds(condition: str | None, data: dict[str, Any]) -> bool:
    """A condition, or several joined by `&&` that must all hold."""
    if not condition:
        return True
    if "&&" in condition:
        return all(holds(part, data) for part in condition.split("&&"))
    match = CONDITION.match(condition)
    if not match:
        raise TemplateError(f"cannot read the condition {condition!r}")
    negate, path, op, operand = match.groups()
    value = lookup(data, path)
    if op is None:
        result = value is not MISSING and value is not False and value != "none"
    else:
        rendered = "" if value is MISSING else render_value(value).lower()
        wanted = (operand or "").strip().strip("'\"").lower()
        result = {"==": rendered == wanted, "!=": rendered != wanted, "contains": wanted in rendered}[op]
    return not result if negate else result


def fields_of(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER.finditer(text)]


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)


def render_statements(
    statements: list[StatementTemplate], profile: Profile, decisions: list[DecisionTemplate] | None = None
) -> Rendered:
    data = profile_data(profile)
    out = Rendered()
    for decision in decisions or []:
        if not holds(decision.when, data):
            continue
        if decision.unless is None or lookup(data, decision.unless) is MISSING:
            out.decisions.append(decision.question)
    for statement in statements:
        if not holds(statement.when, data):
            continue
        values = {path: lookup(data, path) for path in fields_of(statement.text)}
        if any(v is MISSING for v in values.values()):
            if statement.decision:
                out.decisions.append(statement.decision)
            continue
        out.lines.append(fill(statement.text, values))
    return out


_ONE = re.compile(r"\b1 (minute|hour|day|week|month|year)s\b")


def fill(text: str, values: dict[str, Any]) -> str:
    filled = PLACEHOLDER.sub(lambda m: apply_filter(values[m.group(1)], m.group(2)), text)
    for value in values.values():  # "Kestrel Analytics's" reads "Kestrel Analytics'"
        if isinstance(value, str) and value.endswith("s") and value[:1].isupper():
            filled = filled.replace(f"{value}'s", f"{value}'")
    return _ONE.sub(r"1 \1", filled)  # "within 1 hours" reads "within 1 hour"


NOTIFY_FIELDS = ("party", "trigger", "deadline_hours", "notifier")


def profile_data(profile: Profile) -> dict[str, Any]:
    """The profile as template data, with conveniences: `org` (its short name), `org_legal`, `notify.<kind>`
    (the first notification duty of each kind, its notifier as a person) and privileged access reviewed
    with user access where the profile gives no separate cadence."""
    data: dict[str, Any] = profile.model_dump(mode="json")
    data["org"] = profile.identity.name
    data["org_legal"] = profile.identity.legal_name
    notify: dict[str, Any] = {}
    for n in profile.notifications:
        if n.kind not in notify:
            holder = profile.roles.holder(n.notifier)
            notify[n.kind] = n.model_dump(mode="json") | {
                "notifier": {"name": holder.name, "title": holder.title}
            }
    data["notify"] = notify
    auditors = profile.roles.auditors()
    data["auditors"] = {}
    if auditors:
        lead = auditors[0][1]
        data["auditors"]["lead"] = {"name": lead.name, "title": lead.title}
        second = next((p for _r, p in profile.roles.stand_ins() if p.name != lead.name), None)
        if second is not None:
            data["auditors"]["second"] = {"name": second.name, "title": second.title}
    data["out_of_scope"] = [e.name for e in profile.identity.legal_entities if not e.in_scope] + [
        o.name for o in profile.locations.offices if not o.in_scope
    ]
    reviews = data["practices"]["reviews"]
    if reviews.get("privileged_access") is None:
        reviews["privileged_access"] = reviews["user_access"]
    return data


def schema_paths(model: type[BaseModel] = Profile, prefix: str = "") -> set[str]:
    """Every path a template may name, from the profile schema (lists as `field[]`)."""
    paths: set[str] = set()
    if not prefix:
        paths = {"org", "org_legal", "notify", "out_of_scope", "out_of_scope[]", "auditors"}
        for key in ("lead", "second"):
            paths |= {f"auditors.{key}", f"auditors.{key}.name", f"auditors.{key}.title"}
        for kind in ("personal_data_breach", "regulator", "customer", "other"):
            paths |= {f"notify.{kind}", *(f"notify.{kind}.{f}" for f in NOTIFY_FIELDS)}
            paths |= {f"notify.{kind}.notifier.name", f"notify.{kind}.notifier.title"}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        inner = _model_in(annotation)
        is_list = "list[" in str(annotation)
        paths.add(path)
        if is_list:
            paths.add(f"{path}[]")
        if inner is not None:
            paths |= schema_paths(inner, f"{path}[]." if is_list else f"{path}.")
        if "dict[" in str(annotation):
            paths.add(f"{path}.*")
    return paths


def _model_in(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    for candidate in candidates:
        for inner in [candidate, *getattr(candidate, "__args__", ())]:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def unknown_fields(text: str, known: set[str]) -> list[str]:
    """Fields a template or condition names that the profile schema does not have."""
    out = []
    for path in fields_of(text):
        if path in known:
            continue
        parent = path.rsplit(".", 1)[0]
        if f"{parent}.*" in known:  # a dict field keyed by data (practices.patch_days.critical)
            continue
        out.append(path)
    return out
