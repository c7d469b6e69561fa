"""The organisation profile (`profile.yaml`): the facts that make every document specific."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.ids import CONTROL_ID, DOCUMENT_ID, ROLE_NAMES, ControlId
from assistant.yamlio import validate_yaml_file

ImplementationStatus = Literal["implemented", "partial", "planned", "not_implemented"]
RemoteWorking = Literal["none", "hybrid", "mostly_remote", "fully_remote"]
Criticality = Literal["low", "medium", "high", "critical"]
ObligationKind = Literal["legal", "regulatory", "contractual", "business"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Identity(_Strict):
    name: str = Field(min_length=1, description="Short name used in documents")
    legal_name: str = Field(min_length=1)
    sector: str
    headcount: int = Field(ge=1, le=1_000_000)
    jurisdictions: list[str] = Field(min_length=1, description="Countries or regions whose law applies")
    description: str = Field(min_length=10, description="What the organisation does, one or two sentences")


class Office(_Strict):
    name: str
    city: str
    country: str
    staff: int | None = Field(default=None, ge=0)
    access_control: str | None = Field(default=None, description="How entry is controlled")


class DataCentre(_Strict):
    name: str
    kind: Literal["colocation", "owned", "cloud_region"]
    location: str
    provider: str | None = None


class Locations(_Strict):
    offices: list[Office] = Field(default_factory=list)
    data_centres: list[DataCentre] = Field(default_factory=list)
    cloud_regions: list[str] = Field(default_factory=list)
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
    approvers: list[str] = Field(min_length=1, description="Names of the people who may approve documents")

    def people(self) -> dict[str, Person]:
        return {name: p for name in ROLE_NAMES if (p := getattr(self, name)) is not None}

    def holder(self, role: str) -> Person:
        """The person in `role`, falling back to the ISMS owner for roles the organisation does not staff."""
        found = getattr(self, role, None)
        return found if isinstance(found, Person) else self.isms_owner

    @model_validator(mode="after")
    def _approvers_are_people(self) -> Roles:
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


class DocumentControl(_Strict):
    owner: str = Field(description="Default document owner (a role name such as isms_owner)")
    approver: str
    classification: str = "Internal"
    review_cycle_months: int = Field(default=12, ge=1, le=36)
    classification_levels: list[str] = Field(
        default_factory=lambda: ["Public", "Internal", "Confidential", "Restricted"], min_length=2
    )

    @model_validator(mode="after")
    def _classification_known(self) -> DocumentControl:
        if self.classification not in self.classification_levels:
            raise ValueError(
                f"classification {self.classification!r} is not one of {self.classification_levels}"
            )
        return self


class Practices(_Strict):
    """Operating facts that several documents state and that must agree across the set."""

    access_review_months: int = Field(ge=1, le=24)
    incident_report_hours: int = Field(ge=1, le=168, description="Staff report suspected incidents within")
    breach_notification_hours: int | None = Field(default=None, ge=1, le=720)
    patch_days: dict[Literal["critical", "high", "medium", "low"], int]
    log_retention_days: int = Field(ge=1, le=3650)
    vulnerability_scanning: str
    penetration_test_months: int = Field(ge=1, le=36)
    encryption: str = Field(description="Encryption at rest and in transit, e.g. 'AES-256 at rest, TLS 1.2+'")


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
        for field_name in ("owner", "approver"):
            role = getattr(self.document_control, field_name)
            if role not in ROLE_NAMES:
                raise ValueError(
                    f"document_control.{field_name} must be a role name {ROLE_NAMES}, found {role!r}"
                )
            if getattr(self.roles, role) is None:
                raise ValueError(f"document_control.{field_name} is {role!r} but roles.{role} is not set")
        return self

    @property
    def name(self) -> str:
        return self.identity.name


def load_profile(path: Path) -> Profile:
    """Read and validate `profile.yaml`; raise InputError naming file, line and field on bad input."""
    profile: Profile = validate_yaml_file(path, Profile, what="organisation profile")
    return profile
