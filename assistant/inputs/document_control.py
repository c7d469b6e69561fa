"""How the organisation controls its documents: owner and approver roles, classification, review cycle, and
the reference each document carries (ISMS-POL-001 by default) and who it is distributed to."""

from __future__ import annotations

import re
import string

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_REFERENCE_SCHEME = "ISMS-{kind}-{number:03d}"
REFERENCE_FIELDS = {"kind", "number", "id"}
KIND_CODES = {
    "policy": "POL",
    "procedure": "PRO",
    "plan": "PLN",
    "record": "REC",
    "register": "REG",
    "report": "RPT",
    "statement": "STM",
}
# Who receives each kind of document unless the profile says otherwise.
DEFAULT_DISTRIBUTION = {
    "policy": "All staff and contractors in the scope of the ISMS",
    "procedure": "Staff who carry out the procedure, their managers and the ISMS owner",
    "plan": "Top management, the ISMS owner and the owners of the actions",
    "record": "Top management, the ISMS owner and auditors",
    "register": "The ISMS owner, the register's owners and auditors",
    "report": "Top management, the ISMS owner and auditors",
    "statement": "Top management, the ISMS owner, auditors and, on request, customers",
}
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/ -]{1,39}$")


class DocumentControl(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str = Field(description="Default document owner (a role name such as isms_owner)")
    approver: str
    classification: str = "Internal"
    review_cycle_months: int = Field(default=12, ge=1, le=36)
    classification_levels: list[str] = Field(
        default_factory=lambda: ["Public", "Internal", "Confidential", "Restricted"], min_length=2
    )
    reference_scheme: str = Field(
        default=DEFAULT_REFERENCE_SCHEME,
        description="Document references: {kind} (POL, PRO, PLN, REC, REG, RPT, STM), {number} (the "
        "document's place among its kind, with a format such as {number:03d}) and {id} may be used",
    )
    references: dict[str, str] = Field(
        default_factory=dict, description="A reference per document id, where the scheme's does not fit"
    )
    distribution: dict[str, str] = Field(
        default_factory=dict,
        description="Who receives each kind of document (policy, procedure, ...) or a named document id",
    )

    @model_validator(mode="after")
    def _classification_known(self) -> DocumentControl:
        if self.classification not in self.classification_levels:
            raise ValueError(
                f"classification {self.classification!r} is not one of {self.classification_levels}"
            )
        return self

    @field_validator("reference_scheme")
    @classmethod
    def _scheme(cls, value: str) -> str:
        try:
            names = {
                name for _text, name, _spec, _conv in string.Formatter().parse(value) if name is not None
            }
        except ValueError as exc:
            raise ValueError(f"reference_scheme {value!r} is not a valid pattern ({exc})") from None
        unknown = names - REFERENCE_FIELDS
        if unknown:
            raise ValueError(
                f"reference_scheme {value!r} uses {', '.join(sorted(unknown))}; use {{kind}}, {{number}} or {{id}}"
            )
        if "number" not in names and "id" not in names:
            raise ValueError(f"reference_scheme {value!r} needs {{number}} or {{id}} to tell documents apart")
        try:
            example = value.format(kind="POL", number=1, id="access-control-policy")
        except (ValueError, KeyError, IndexError) as exc:
            raise ValueError(f"reference_scheme {value!r} is not a valid pattern ({exc})") from None
        if not _REFERENCE.match(example):
            raise ValueError(
                f"reference_scheme {value!r} gives {example!r}: use letters, digits, - . / and _"
            )
        return value

    @field_validator("references")
    @classmethod
    def _references(cls, value: dict[str, str]) -> dict[str, str]:
        for doc_id, reference in value.items():
            if not _REFERENCE.match(reference):
                raise ValueError(
                    f"references.{doc_id}: {reference!r} is not a document reference (2-40 characters)"
                )
        return value

    @field_validator("distribution")
    @classmethod
    def _distribution(cls, value: dict[str, str]) -> dict[str, str]:
        for key, who in value.items():
            if len(who.strip()) < 3:
                raise ValueError(f"distribution.{key}: say who receives the document")
        return value

    def distribution_of(self, doc_id: str, kind: str) -> str:
        return (
            self.distribution.get(doc_id) or self.distribution.get(kind) or DEFAULT_DISTRIBUTION.get(kind, "")
        )


__all__ = ["DEFAULT_DISTRIBUTION", "DEFAULT_REFERENCE_SCHEME", "DocumentControl", "KIND_CODES"]
