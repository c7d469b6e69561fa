"""The data `isms init` builds a new workspace from: the obligations catalogue (`corpus/obligations.yaml`),
the starter risks (`corpus/starter-risks.yaml`) and the countries it accepts (`corpus/countries.yaml`).
Each file is validated when it is read, so a mistake in the corpus is named with its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.ids import CONTROL_ID, DOCUMENT_ID, ROLE_NAMES, ControlId
from assistant.inputs.profile import NotificationKind, ObligationKind
from assistant.inputs.risks import KNOWN_CONTROLS, Treatment
from assistant.yamlio import validate_yaml_file

OBLIGATIONS_FILE = "obligations.yaml"
STARTER_RISKS_FILE = "starter-risks.yaml"
COUNTRIES_FILE = "countries.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _known_controls(values: list[str]) -> list[str]:
    unknown = [v for v in values if not CONTROL_ID.match(v) or v not in KNOWN_CONTROLS]
    if unknown:
        raise ValueError(f"{unknown} are not Annex A controls of ISO 27001:2022 (A.5.1 to A.8.34)")
    return values


def _standard_role(value: str) -> str:
    if value not in ROLE_NAMES:
        raise ValueError(f"expected a standard role id {sorted(ROLE_NAMES)}, found {value!r}")
    return value


class NotificationDefault(_Strict):
    """A notification an obligation requires, with defaults the person confirms or changes."""

    kind: NotificationKind
    trigger: str = Field(min_length=10)
    deadline_hours: int = Field(ge=1, le=2160)
    notifier: str
    party: str | None = Field(
        default=None, min_length=2, description="The authority, wherever the organisation is"
    )
    party_by_country: dict[str, str] = Field(default_factory=dict, description="The authority by country")
    party_help: str | None = None

    _notifier = field_validator("notifier")(_standard_role)

    def party_for(self, country: str | None) -> str | None:
        """The default authority for an organisation whose main establishment is in `country`."""
        if country is not None and country in self.party_by_country:
            return self.party_by_country[country]
        return self.party


class ObligationEntry(_Strict):
    id: str
    kind: ObligationKind
    name: str = Field(min_length=3)
    summary: str = Field(min_length=20)
    controls: list[ControlId] = Field(min_length=1)
    notifications: list[NotificationDefault] = Field(default_factory=list)

    _controls = field_validator("controls")(_known_controls)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not DOCUMENT_ID.match(value):
            raise ValueError(f"expected a lowercase slug like eu-gdpr, found {value!r}")
        return value


class ObligationsFile(_Strict):
    obligations: list[ObligationEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ObligationsFile:
        ids = [o.id for o in self.obligations]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"obligation ids must be unique, found duplicates {dupes}")
        return self


class RiskCondition(_Strict):
    answered: str | None = Field(default=None, description="An answer key that must be given")
    obligations: list[str] = Field(default_factory=list, description="Any one of these obligations chosen")
    remote_working: bool | None = None


class StarterRisk(_Strict):
    id: str
    title: str = Field(min_length=3)
    description: str = Field(min_length=10)
    when: RiskCondition = Field(default_factory=RiskCondition)
    owner: str
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    treatment: Treatment
    controls: list[ControlId] = Field(min_length=1)

    _controls = field_validator("controls")(_known_controls)
    _owner = field_validator("owner")(_standard_role)


class StarterRisksFile(_Strict):
    risks: list[StarterRisk] = Field(min_length=1)


class CountriesFile(_Strict):
    countries: dict[str, list[str]] = Field(min_length=1)
    regions: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class StarterCatalogues:
    """Everything `isms init` offers, read from one corpus folder."""

    obligations: dict[str, ObligationEntry]
    risks: tuple[StarterRisk, ...]
    countries: dict[str, str]  # any accepted spelling, lower case -> canonical country name
    regions: dict[str, str]  # the same for regions (jurisdictions only)

    def country(self, text: str) -> str | None:
        return self.countries.get(text.strip().lower())

    def jurisdiction(self, text: str) -> str | None:
        key = text.strip().lower()
        return self.countries.get(key) or self.regions.get(key)


def _spellings(names: dict[str, list[str]]) -> dict[str, str]:
    return {alias.lower(): name for name, aliases in names.items() for alias in [name, *aliases]}


def load_obligations(path: Path) -> dict[str, ObligationEntry]:
    """The obligations catalogue, by id; raise InputError naming the file, line and field."""
    data: ObligationsFile = validate_yaml_file(path, ObligationsFile, what="obligations catalogue")
    return {o.id: o for o in data.obligations}


def load_starter_catalogues(corpus_dir: Path) -> StarterCatalogues:
    """Read and validate the three files `isms init` needs from `corpus_dir`."""
    risks: StarterRisksFile = validate_yaml_file(
        corpus_dir / STARTER_RISKS_FILE, StarterRisksFile, what="starter risk catalogue"
    )
    countries: CountriesFile = validate_yaml_file(
        corpus_dir / COUNTRIES_FILE, CountriesFile, what="country list"
    )
    return StarterCatalogues(
        obligations=load_obligations(corpus_dir / OBLIGATIONS_FILE),
        risks=tuple(risks.risks),
        countries=_spellings(countries.countries),
        regions=_spellings(countries.regions),
    )
