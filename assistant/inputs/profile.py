"""The organisation profile (`profile.yaml`): the facts that make every document specific."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.errors import InputError
from assistant.ids import CONTROL_ID, DOCUMENT_ID, ROLE_LABELS, ROLE_NAMES, ControlId
from assistant.inputs.document_control import DocumentControl
from assistant.yamlio import load_yaml, validate_yaml_file

ImplementationStatus = Literal["implemented", "partial", "planned", "not_implemented"]
RemoteWorking = Literal["none", "hybrid", "mostly_remote", "fully_remote"]
Criticality = Literal["low", "medium", "high", "critical"]
ObligationKind = Literal["legal", "regulatory", "contractual", "business"]


ROLE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _reason_if_out(in_scope: bool, reason: str | None, what: str) -> None:
    if not in_scope and (reason is None or len(reason.strip()) < 10):
        raise ValueError(f"{what} is marked out of scope: give the reason in at least a few words")


class LegalEntity(_Strict):
    """A company of the group: the ones in scope, and the ones left out with the reason."""

    name: str = Field(min_length=2)
    country: str = Field(min_length=2)
    relationship: str | None = Field(default=None, description="e.g. parent company, subsidiary")
    in_scope: bool = True
    reason: str | None = Field(default=None, description="Why it is out of scope (required then)")

    @model_validator(mode="after")
    def _reason(self) -> LegalEntity:
        _reason_if_out(self.in_scope, self.reason, f"legal entity {self.name!r}")
        return self


class Identity(_Strict):
    name: str = Field(min_length=1, description="Short name used in documents")
    legal_name: str = Field(min_length=1)
    legal_entities: list[LegalEntity] = Field(
        default_factory=list, description="Every company of the group, each in or out of scope"
    )
    sector: str
    headcount: int = Field(ge=1, le=1_000_000)
    jurisdictions: list[str] = Field(min_length=1, description="Countries or regions whose law applies")
    description: str = Field(min_length=10, description="What the organisation does, one or two sentences")

    @model_validator(mode="after")
    def _entities(self) -> Identity:
        names = [e.name for e in self.legal_entities]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"legal_entities names must be unique, found duplicates {dupes}")
        if self.legal_entities and self.legal_name not in names:
            raise ValueError(f"legal_name {self.legal_name!r} is not one of legal_entities {names}")
        return self


class Office(_Strict):
    name: str
    city: str
    country: str
    staff: int | None = Field(default=None, ge=0)
    access_control: str | None = Field(default=None, description="How entry is controlled")
    in_scope: bool = True
    scope_reason: str | None = Field(default=None, description="Why the site is out of scope (required then)")

    @model_validator(mode="after")
    def _reason(self) -> Office:
        _reason_if_out(self.in_scope, self.scope_reason, f"office {self.name!r}")
        return self


class DataCentre(_Strict):
    name: str
    kind: Literal["colocation", "owned", "cloud_region"]
    location: str
    provider: str | None = None


class EquipmentElsewhere(_Strict):
    """Equipment of the organisation kept at a customer's or partner's site."""

    what: str = Field(min_length=3)
    where: str = Field(min_length=3)
    party: str = Field(min_length=2, description="Whose site it is")
    protection: str | None = Field(default=None, description="How it is protected there")


class Locations(_Strict):
    offices: list[Office] = Field(default_factory=list)
    data_centres: list[DataCentre] = Field(default_factory=list)
    cloud_regions: list[str] = Field(default_factory=list)
    equipment_elsewhere: list[EquipmentElsewhere] = Field(default_factory=list)
    remote_working: RemoteWorking
    remote_notes: str | None = None


class Exclusion(_Strict):
    control: ControlId
    justification: str = Field(min_length=20)


class Scope(_Strict):
    statement: str = Field(min_length=20, description="One-paragraph scope statement")
    organisational: list[str] = Field(min_length=1)
    physical: list[str] = Field(min_length=1)
    technology: list[str] = Field(min_length=1)
    interfaces: list[str] = Field(default_factory=list, description="Interfaces and dependencies")
    exclusions: list[Exclusion] = Field(default_factory=list)


class Person(_Strict):
    name: str = Field(min_length=2)
    title: str = Field(min_length=2)
    email: str | None = None
    organisation: str | None = Field(
        default=None, description="For a role held outside the organisation: the firm that provides it"
    )


class OtherRole(Person):
    """A role beyond the standard ones: an external DPO, a regulatory affairs lead, a works council."""

    id: str = Field(description="A slug used to refer to the role, e.g. regulatory_affairs_lead")
    role: str = Field(min_length=3, description="The role's name as documents give it")

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not ROLE_ID.match(value):
            raise ValueError(f"expected a lowercase id like regulatory_affairs_lead, found {value!r}")
        if value in ROLE_NAMES:
            raise ValueError(f"{value!r} is a standard role: set roles.{value} instead")
        return value


class Roles(_Strict):
    top_management: Person
    isms_owner: Person
    security_lead: Person
    dpo: Person | None = None
    it_lead: Person | None = None
    engineering_lead: Person | None = None
    hr_lead: Person | None = None
    facilities_lead: Person | None = None
    legal_lead: Person | None = None
    finance_lead: Person | None = None
    other: list[OtherRole] = Field(default_factory=list, description="Any further role, internal or external")
    approvers: list[str] = Field(min_length=1, description="Names of the people who may approve documents")

    def people(self) -> dict[str, Person]:
        """The standard roles the organisation staffs, by role id."""
        return {name: p for name in ROLE_NAMES if (p := getattr(self, name)) is not None}

    def every_role(self) -> list[tuple[str, str, Person]]:
        """(role id, role label, holder) of every role, the standard ones first."""
        out: list[tuple[str, str, Person]] = [(r, ROLE_LABELS[r], p) for r, p in self.people().items()]
        return out + [(o.id, o.role, o) for o in self.other]

    def role_ids(self) -> set[str]:
        return set(self.people()) | {o.id for o in self.other}

    def holder(self, role: str) -> Person:
        """The person in `role`, falling back to the ISMS owner for roles the organisation does not staff."""
        found = getattr(self, role, None) if role in ROLE_NAMES else None
        if found is None:
            found = next((o for o in self.other if o.id == role), None)
        return found if isinstance(found, Person) else self.isms_owner

    def auditors(self) -> list[tuple[str, Person]]:
        """Who leads internal audits: the roles named for auditing (an internal auditor, an audit firm). The
        ISMS owner and the security lead run the ISMS and never audit it."""
        barred = {self.isms_owner.name, self.security_lead.name}
        return [(o.id, o) for o in self.other if "audit" in o.role.lower() and o.name not in barred]

    def stand_ins(self) -> list[tuple[str, Person]]:
        """Who audits the parts a lead auditor has a part in: further auditors, then the legal and finance
        leads (never the ISMS owner or the security lead)."""
        barred = {self.isms_owner.name, self.security_lead.name}
        found = list(self.auditors())
        for role in ("legal_lead", "finance_lead"):
            holder = getattr(self, role)
            if holder is not None and holder.name not in {p.name for _r, p in found} | barred:
                found.append((role, holder))
        return found

    def label(self, role: str) -> str:
        if role in ROLE_LABELS:
            return ROLE_LABELS[role]
        return next((o.role for o in self.other if o.id == role), role.replace("_", " "))

    @model_validator(mode="after")
    def _approvers_are_people(self) -> Roles:
        ids = [o.id for o in self.other]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"roles.other ids must be unique, found duplicates {dupes}")
        known = {p.name for p in self.people().values()}
        unknown = [a for a in self.approvers if a not in known]
        if unknown:
            raise ValueError(f"approvers {unknown} are not named in any role (known: {sorted(known)})")
        return self


class IdentityAccess(_Strict):
    provider: str = Field(description="Identity provider, e.g. Okta or Microsoft Entra ID")
    mfa: str = Field(description="How MFA is enforced, e.g. 'phishing-resistant WebAuthn for all staff'")
    sso_coverage: str | None = None
    privileged_access: str | None = Field(default=None, description="How admin access is granted")


class Endpoints(_Strict):
    operating_systems: list[str] = Field(min_length=1)
    device_management: str = Field(description="MDM / endpoint management tool")
    disk_encryption: str
    edr: str | None = None
    byod: Literal["not_allowed", "mobile_only", "allowed_with_mdm", "allowed"] = "not_allowed"


class Backup(_Strict):
    tool: str
    frequency: str
    retention_days: int = Field(ge=1, le=36500)
    tested: str | None = Field(default=None, description="How often restores are tested")


class Technology(_Strict):
    cloud_providers: list[str] = Field(default_factory=list)
    identity: IdentityAccess
    endpoints: Endpoints
    code_hosting: str | None = None
    ci_cd: str | None = None
    logging_monitoring: list[str] = Field(min_length=1)
    backup: Backup
    ticketing: str | None = None
    email_collaboration: list[str] = Field(min_length=1)
    business_systems: list[str] = Field(default_factory=list)
    network: str | None = Field(default=None, description="Network and remote access arrangements")


class People(_Strict):
    contractors: str = Field(description="How many contractors and what they do")
    screening: str
    onboarding: str
    offboarding: str
    training_cadence_months: int = Field(ge=1, le=36)
    training_platform: str | None = None


class Supplier(_Strict):
    name: str
    service: str
    criticality: Criticality
    data_shared: list[str] = Field(default_factory=list)
    assurance: list[str] = Field(default_factory=list, description="e.g. ISO 27001 certificate, SOC 2")


class Obligation(_Strict):
    id: str = Field(description="Slug used in SoA drivers, e.g. gdpr -> legal:gdpr")
    kind: ObligationKind
    name: str
    summary: str = Field(min_length=10)
    controls: list[ControlId] = Field(
        default_factory=list, description="Annex A controls this obligation drives"
    )

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not DOCUMENT_ID.match(value):
            raise ValueError(f"expected a lowercase slug like gdpr or pci-dss, found {value!r}")
        return value

    @property
    def driver_tag(self) -> str:
        prefix = {"legal": "legal", "regulatory": "legal", "contractual": "contract", "business": "business"}
        return f"{prefix[self.kind]}:{self.id}"


class RiskCriteria(_Strict):
    likelihood_scale: dict[int, str]
    impact_scale: dict[int, str]
    acceptance_threshold: int = Field(ge=1, le=25, description="Scores above this must be treated")
    review_months: int = Field(default=12, ge=1, le=36)

    @field_validator("likelihood_scale", "impact_scale")
    @classmethod
    def _five_levels(cls, value: dict[int, str]) -> dict[int, str]:
        if sorted(value) != [1, 2, 3, 4, 5]:
            raise ValueError(f"expected labels for levels 1 to 5, found levels {sorted(value)}")
        return value


class ReviewCadences(_Strict):
    """How often each kind of review runs, in months."""

    user_access: int = Field(ge=1, le=24, description="User access rights reviewed every N months")
    privileged_access: int | None = Field(default=None, ge=1, le=24)
    physical_zones: int | None = Field(default=None, ge=1, le=36, description="Who may enter secure areas")
    suppliers: int | None = Field(default=None, ge=1, le=36, description="Critical suppliers' assurance")


class Practices(_Strict):
    """Operating facts that several documents state and that must agree across the set."""

    reviews: ReviewCadences
    incident_report_hours: int = Field(ge=1, le=168, description="Staff report suspected incidents within")
    patch_days: dict[Literal["critical", "high", "medium", "low"], int]
    log_retention_days: int = Field(ge=1, le=3650)
    vulnerability_scanning: str
    penetration_test_months: int = Field(ge=1, le=36)
    encryption: str = Field(description="Encryption at rest and in transit, e.g. 'AES-256 at rest, TLS 1.2+'")


NotificationKind = Literal["personal_data_breach", "regulator", "customer", "other"]


class Notification(_Strict):
    """Someone the organisation must tell about an incident, by when and who does it."""

    party: str = Field(min_length=2, description="Authority or party notified, e.g. the ICO")
    kind: NotificationKind = Field(description="personal_data_breach, regulator, customer or other")
    trigger: str = Field(min_length=10, description="What must be notified")
    deadline_hours: int = Field(ge=1, le=2160, description="Hours from becoming aware")
    notifier: str = Field(description="Role id of who notifies, e.g. dpo")
    obligation: str | None = Field(default=None, description="Id of the obligation that requires it")


class ContextIssue(_Strict):
    """An internal or external issue (4.1) and what it means for the ISMS."""

    kind: Literal["internal", "external"]
    issue: str = Field(min_length=10)
    effect: str = Field(min_length=10, description="How it shapes the ISMS")


class InterestedParty(_Strict):
    """An interested party (4.2), its requirements and how the ISMS meets them."""

    party: str = Field(min_length=2)
    requirements: list[str] = Field(min_length=1)
    addressed_by: str = Field(min_length=5, description="How the ISMS addresses them")
    obligations: list[str] = Field(default_factory=list, description="Ids of obligations it stands behind")


class Context(_Strict):
    issues: list[ContextIssue] = Field(default_factory=list)
    interested_parties: list[InterestedParty] = Field(default_factory=list)


class ServiceRecovery(_Strict):
    """Recovery time and point objectives of one service."""

    service: str = Field(min_length=2)
    rto_hours: float = Field(gt=0, le=8760, description="Back in service within N hours")
    rpo_hours: float = Field(ge=0, le=8760, description="At most N hours of data lost")
    notes: str | None = None


class Objective(_Strict):
    """An information security objective (6.2) and the plan to achieve it."""

    id: str
    what: str = Field(min_length=5)
    target: str = Field(min_length=5)
    owner: str = Field(description="Role id of who is responsible")
    resources: str = Field(min_length=3)
    due: date
    measured_by: str = Field(min_length=5, description="How progress is measured")
    measured_every_months: int = Field(default=3, ge=1, le=12)
    actions: list[str] = Field(default_factory=list, description="What will be done, in order")

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not DOCUMENT_ID.match(value):
            raise ValueError(f"expected a lowercase slug like patch-on-time, found {value!r}")
        return value


class RecurringActivity(_Strict):
    """An organisation-specific recurring activity for the ISMS calendar (a recertification, a scan, an
    exercise), beyond the reviews and tests the rest of the profile sets."""

    activity: str = Field(min_length=5)
    owner: str = Field(description="Role id of who does it")
    every_months: int = Field(ge=1, le=60)
    next_due: date | None = Field(default=None, description="When it is next due, if known")


class Answer(_Strict):
    """A decision the documents asked for (`isms decisions`), answered: the question is no longer asked and
    the answer, where it is a rule, is written into the section that asked."""

    question: str = Field(min_length=10, description="The question as `isms decisions` prints it")
    answer: str | None = Field(
        default=None, min_length=3, description="The sentence for the document; omit for a plain confirmation"
    )

    def key(self) -> str:
        return question_key(self.question)


def question_key(question: str) -> str:
    """Questions match whatever their spacing, case and final punctuation."""
    return " ".join(question.lower().split()).rstrip("?. ")


class Profile(_Strict):
    identity: Identity
    locations: Locations
    scope: Scope
    roles: Roles
    technology: Technology
    people: People
    suppliers: list[Supplier] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    risk_criteria: RiskCriteria
    document_control: DocumentControl
    practices: Practices
    context: Context = Field(default_factory=Context)
    notifications: list[Notification] = Field(default_factory=list)
    services: list[ServiceRecovery] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    recurring: list[RecurringActivity] = Field(
        default_factory=list, description="Further recurring activities for the ISMS calendar"
    )
    answers: list[Answer] = Field(
        default_factory=list, description="Answers to decisions the documents asked"
    )
    implementation: dict[str, ImplementationStatus] = Field(
        default_factory=dict, description="Current status of Annex A controls, by id"
    )

    @field_validator("implementation")
    @classmethod
    def _implementation_ids(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not CONTROL_ID.match(k)]
        if bad:
            raise ValueError(f"keys must be Annex A ids like A.8.13, found {bad}")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> Profile:
        ids = [o.id for o in self.obligations]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"obligation ids must be unique, found duplicates {dupes}")
        staffed = self.roles.role_ids()
        for field_name in ("owner", "approver"):
            role = getattr(self.document_control, field_name)
            if role not in ROLE_NAMES and role not in staffed:
                raise ValueError(
                    f"document_control.{field_name} must be a role id {sorted(staffed)}, found {role!r}"
                )
            if role not in staffed:
                raise ValueError(f"document_control.{field_name} is {role!r} but roles.{role} is not set")
        problems = []
        for i, n in enumerate(self.notifications):
            if n.notifier not in staffed:
                problems.append(
                    f"notifications[{i}].notifier {n.notifier!r} is not a role the profile staffs"
                )
            if n.obligation is not None and n.obligation not in ids:
                problems.append(
                    f"notifications[{i}].obligation {n.obligation!r} is not an obligation id {ids}"
                )
        for i, party in enumerate(self.context.interested_parties):
            unknown = [o for o in party.obligations if o not in ids]
            if unknown:
                problems.append(
                    f"context.interested_parties[{i}].obligations {unknown} are not obligation ids {ids}"
                )
        for i, o in enumerate(self.objectives):
            if o.owner not in staffed:
                problems.append(f"objectives[{i}].owner {o.owner!r} is not a role the profile staffs")
        for i, r in enumerate(self.recurring):
            if r.owner not in staffed:
                problems.append(f"recurring[{i}].owner {r.owner!r} is not a role the profile staffs")
        for field_name, items in (
            ("objectives", [o.id for o in self.objectives]),
            ("services", [s.service for s in self.services]),
        ):
            dupes = sorted({i for i in items if items.count(i) > 1})
            if dupes:
                problems.append(f"{field_name} must be unique, found duplicates {dupes}")
        if problems:
            raise ValueError("; ".join(problems) + f" (roles staffed: {sorted(staffed)})")
        return self

    def answer_for(self, question: str) -> Answer | None:
        key = question_key(question)
        return next((a for a in self.answers if a.key() == key), None)

    def notification(self, kind: str) -> Notification | None:
        """The first notification obligation of a kind (personal_data_breach, regulator, customer)."""
        return next((n for n in self.notifications if n.kind == kind), None)

    def in_scope_offices(self) -> list[Office]:
        return [o for o in self.locations.offices if o.in_scope]

    @property
    def name(self) -> str:
        return self.identity.name


# Fields of the first profile format and what replaced them (`isms profile upgrade` converts them).
LEGACY_FIELDS: dict[tuple[str, str], str] = {
    ("practices", "access_review_months"): (
        "replaced by practices.reviews (user_access, privileged_access, physical_zones, suppliers: months each)"
    ),
    ("practices", "breach_notification_hours"): (
        "replaced by notifications: a list of party, kind, trigger, deadline_hours and notifier (a role id)"
    ),
}


def legacy_fields(data: Any) -> list[tuple[str, str, str]]:
    """(section, field, what replaced it) for every first-format field in raw profile data."""
    if not isinstance(data, dict):
        return []
    return [
        (section, name, change)
        for (section, name), change in LEGACY_FIELDS.items()
        if isinstance(data.get(section), dict) and name in data[section]
    ]


def load_profile(path: Path) -> Profile:
    """Read and validate `profile.yaml`; raise InputError naming file, line and field on bad input."""
    data, lines = load_yaml(path, what="organisation profile")
    old = legacy_fields(data)
    if old:
        raise InputError(
            f"{path}: this profile uses {len(old)} field(s) of the earlier format; "
            f"run `isms profile upgrade` to convert them, or change them by hand",
            details=[
                f"{path}:{lines.get((section, name), 1)}: {section}.{name}: {change}"
                for section, name, change in old
            ],
        )
    profile: Profile = validate_yaml_file(path, Profile, what="organisation profile")
    return profile
