"""Typed corpus entries: clauses 4-10, the 93 Annex A controls and the document catalogue."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.ids import CLAUSE_ID, DOCUMENT_ID, ControlId, Role

Theme = Literal["organizational", "people", "physical", "technological"]
ControlType = Literal["preventive", "detective", "corrective"]
SecurityProperty = Literal["confidentiality", "integrity", "availability"]
CyberConcept = Literal["identify", "protect", "detect", "respond", "recover"]
OperationalCapability = Literal[
    "governance",
    "asset_management",
    "information_protection",
    "human_resource_security",
    "physical_security",
    "system_and_network_security",
    "application_security",
    "secure_configuration",
    "identity_and_access_management",
    "threat_and_vulnerability_management",
    "continuity",
    "supplier_relationships_security",
    "legal_and_compliance",
    "information_security_event_management",
    "information_security_assurance",
]
SecurityDomain = Literal["governance_and_ecosystem", "protection", "defence", "resilience"]
DocumentKind = Literal["policy", "procedure", "plan", "record", "register", "statement", "report"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentedItem(_Strict):
    item: str = Field(min_length=5)
    mandatory: bool
    document: str | None = None  # catalogue id that fulfils a mandatory item


class Clause(_Strict):
    id: str
    title: str
    parent: str | None = None
    requires: str = Field(min_length=40)
    documented_information: list[DocumentedItem] = Field(default_factory=list)
    auditor_asks: list[str] = Field(min_length=2)
    common_nonconformities: list[str] = Field(min_length=1)
    # How people describe a situation the clause is about, in their own everyday words (search finds the
    # clause from a question that shares no word with its title).
    situations: list[str] = Field(default_factory=list)

    @field_validator("id", "parent")
    @classmethod
    def _clause_id(cls, value: str | None) -> str | None:
        if value is not None and not CLAUSE_ID.match(value):
            raise ValueError(f"expected a clause id like 6.1.2, found {value!r}")
        return value


class Attributes(_Strict):
    control_type: list[ControlType] = Field(min_length=1)
    security_properties: list[SecurityProperty] = Field(min_length=1)
    cybersecurity_concepts: list[CyberConcept] = Field(min_length=1)
    operational_capabilities: list[OperationalCapability] = Field(min_length=1)
    security_domains: list[SecurityDomain] = Field(min_length=1)


class Applicability(_Strict):
    triggers: list[str] = Field(min_length=1)
    exclusion_reasons: list[str] = Field(min_length=1)


class StatementTemplate(_Strict):
    """One rule or fact of the organisation, in its voice, filled from the profile (see
    assistant/drafting/statements.py for the template and condition syntax)."""

    text: str = Field(min_length=3)
    when: str | None = None
    decision: str | None = Field(default=None, description="the question to record when a field is missing")


class Control(_Strict):
    id: ControlId
    title: str
    theme: Theme
    attributes: Attributes
    purpose: str = Field(min_length=20)
    guidance: str = Field(min_length=200)
    cloud_notes: str = Field(min_length=20)
    remote_notes: str = Field(min_length=20)
    evidence: list[str] = Field(min_length=3)
    applicability: Applicability
    related: list[ControlId] = Field(default_factory=list)
    iso2013: list[str] = Field(default_factory=list)
    new_in_2022: bool
    keywords: list[str] = Field(default_factory=list)
    # How people describe a situation where the control matters, in their own everyday words (search finds
    # the control from a question that shares no word with its title or keywords).
    situations: list[str] = Field(default_factory=list)
    # How an organisation implements the control, in its voice (used by SoA justifications).
    statements: list[StatementTemplate] = Field(default_factory=list)


class DecisionTemplate(_Strict):
    """A question the security lead must answer, recorded with the document while `unless` (a profile
    field that would answer it) is missing; with no `unless`, while the profile has no field for it."""

    question: str = Field(min_length=10)
    unless: str | None = None
    when: str | None = None  # asked only of organisations this condition holds for


class Section(_Strict):
    heading: str = Field(min_length=3)
    establishes: str = Field(min_length=20)  # for people and models: what the section is for
    controls: list[str] = Field(default_factory=list)
    clauses: list[str] = Field(default_factory=list)
    statements: list[StatementTemplate] = Field(default_factory=list)  # the document text itself
    blocks: list[str] = Field(default_factory=list)  # named tables built from data (drafting/blocks.py)
    decisions: list[DecisionTemplate] = Field(default_factory=list)


class RequiredTable(_Strict):
    """A table a record must hold: each column group names words one header cell must contain."""

    what: str = Field(min_length=3)
    columns: list[list[str]] = Field(min_length=1)
    min_rows: int = Field(default=1, ge=1)


class RequiredTopic(_Strict):
    """Something a record must cover: one unit of its text must match a word of every group."""

    what: str = Field(min_length=3)
    all_of: list[list[str]] = Field(min_length=1)


class RecordSpec(_Strict):
    """What makes a record (audit programme, review minutes, ...) a record rather than a heading list."""

    tables: list[RequiredTable] = Field(default_factory=list)
    topics: list[RequiredTopic] = Field(default_factory=list)
    horizon_months: int | None = Field(default=None, ge=1, le=60)
    dated: bool = Field(default=False, description="the record is of an event and must say when it is")


class DocumentSpec(_Strict):
    id: str
    title: str
    kind: DocumentKind
    purpose: str = Field(min_length=20)
    mandatory: bool
    clauses: list[str] = Field(default_factory=list)
    controls: list[str] = Field(default_factory=list)
    sections: list[Section] = Field(min_length=3)
    owner_role: Role
    review_cycle_months: int = Field(ge=1, le=36)
    record: RecordSpec | None = None

    @property
    def planning_horizon_months(self) -> int:
        """How far ahead the document's planned dates may lie: its record horizon, else its cycle."""
        if self.record is not None and self.record.horizon_months:
            return self.record.horizon_months
        return self.review_cycle_months

    @field_validator("id")
    @classmethod
    def _doc_id(cls, value: str) -> str:
        if not DOCUMENT_ID.match(value):
            raise ValueError(f"expected a lowercase slug like access-control-policy, found {value!r}")
        return value
