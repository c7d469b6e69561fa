"""Turn the corpus, the profile, the risk register and existing documents into indexable chunks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.index.ingest import SourceDocument
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus
from assistant.tokens import OFFLINE_ENCODING

Kind = Literal["control", "clause", "document", "org"]
CHUNK_TOKENS = 220
CHUNK_OVERLAP = 30


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage. `ref` is the id a search result reports (A.8.24, 6.1.2, doc:..., org:...)."""

    chunk_id: str
    kind: Kind
    ref: str
    title: str
    text: str
    metadata: dict[str, str] = field(default_factory=dict)
    # Long guidance passages are searched lexically only: embedding them doubled the cold build time for
    # no gain in recall on the labelled set (the summary passages carry the meaning for dense search).
    dense: bool = True

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.kind, self.ref, self.title, self.text, self.metadata, self.dense], sort_keys=True
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def chunking_settings() -> dict[str, object]:
    return {"tokens": CHUNK_TOKENS, "overlap": CHUNK_OVERLAP, "encoding": OFFLINE_ENCODING, "version": 5}


@lru_cache(maxsize=1)
def _splitter() -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=OFFLINE_ENCODING, chunk_size=CHUNK_TOKENS, chunk_overlap=CHUNK_OVERLAP
    )


def split(text: str) -> list[str]:
    return [part for part in _splitter().split_text(text) if part.strip()]


def corpus_chunks(corpus: Corpus) -> list[Chunk]:
    chunks: list[Chunk] = []
    for c in corpus.controls.values():
        meta = {"theme": c.theme, "source": str(corpus.sources[c.id].relative_to(corpus.root.parent))}
        head = f"{c.id} {c.title}."
        summary = " ".join(
            [
                head,
                c.purpose,
                "Talked about as: " + "; ".join(c.keywords) + ".",
                "Applies when: " + "; ".join(c.applicability.triggers) + ".",
            ]
        )
        chunks.append(
            Chunk(
                f"control:{c.id}:summary",
                "control",
                c.id,
                c.title,
                summary,
                {**meta, "location": "purpose, keywords, triggers"},
            )
        )
        for n, part in enumerate(split(c.guidance)):
            chunks.append(
                Chunk(
                    f"control:{c.id}:guidance:{n}",
                    "control",
                    c.id,
                    c.title,
                    f"{head} {part}",
                    {**meta, "location": f"guidance part {n + 1}"},
                    dense=False,
                )
            )
        if c.situations:  # how people put it in their own words: found from a question sharing no term
            chunks.append(
                Chunk(
                    f"control:{c.id}:situations",
                    "control",
                    c.id,
                    c.title,
                    f"{head} Situations: " + "; ".join(c.situations) + ".",
                    {**meta, "location": "situations in everyday words"},
                )
            )
        practice = " ".join([head, c.cloud_notes, c.remote_notes, "Evidence: " + "; ".join(c.evidence) + "."])
        chunks.append(
            Chunk(
                f"control:{c.id}:practice",
                "control",
                c.id,
                c.title,
                practice,
                {**meta, "location": "cloud, remote and evidence notes"},
                dense=False,  # notes on practice: found by their words (the summary and situations carry meaning)
            )
        )
    for cl in corpus.clauses.values():
        meta = {"theme": "clause", "source": str(corpus.sources[cl.id].relative_to(corpus.root.parent))}
        items = "; ".join(i.item for i in cl.documented_information)
        text = f"Clause {cl.id} {cl.title}. {cl.requires}" + (
            f" Documented information: {items}." if items else ""
        )
        for n, part in enumerate(split(text)):
            chunks.append(
                Chunk(
                    f"clause:{cl.id}:{n}",
                    "clause",
                    cl.id,
                    cl.title,
                    part,
                    {**meta, "location": f"requirement part {n + 1}"},
                )
            )
        if cl.situations:
            chunks.append(
                Chunk(
                    f"clause:{cl.id}:situations",
                    "clause",
                    cl.id,
                    cl.title,
                    f"Clause {cl.id} {cl.title}. Situations: " + "; ".join(cl.situations) + ".",
                    {**meta, "location": "situations in everyday words"},
                )
            )
        asks = f"Clause {cl.id} {cl.title}. Auditors ask: " + " ".join(
            cl.auditor_asks + cl.common_nonconformities
        )
        chunks.append(
            Chunk(
                f"clause:{cl.id}:audit",
                "clause",
                cl.id,
                cl.title,
                asks,
                {**meta, "location": "auditor questions"},
            )
        )
    for d in corpus.documents.values():
        meta = {"theme": "document", "source": str(corpus.sources[d.id].relative_to(corpus.root.parent))}
        headings = "; ".join(s.heading for s in d.sections)
        text = f"{d.title}. {d.purpose} Sections: {headings}."
        chunks.append(
            Chunk(
                f"document:{d.id}",
                "document",
                f"doc:{d.id}",
                d.title,
                text,
                {**meta, "location": "purpose and sections"},
            )
        )
    return chunks


def profile_chunks(profile: Profile, source: str) -> list[Chunk]:
    """The profile as a handful of fact passages a drafter can quote."""
    p = profile
    t = p.technology
    facts: dict[str, tuple[str, str]] = {
        "scope": (
            "ISMS scope",
            " ".join(
                [
                    p.scope.statement,
                    "Organisational: " + "; ".join(p.scope.organisational),
                    "Physical: " + "; ".join(p.scope.physical),
                    "Technology: " + "; ".join(p.scope.technology),
                    "Interfaces: " + "; ".join(p.scope.interfaces),
                ]
            ),
        ),
        "identity": (
            "Organisation",
            f"{p.identity.legal_name} ({p.identity.name}), {p.identity.sector}, "
            f"{p.identity.headcount} people, jurisdictions "
            f"{', '.join(p.identity.jurisdictions)}. {p.identity.description}",
        ),
        "locations": (
            "Locations",
            "Offices: "
            + "; ".join(f"{o.name}, {o.city}, {o.country}" for o in p.locations.offices)
            + ". Data centres: "
            + "; ".join(f"{d.name} ({d.kind}, {d.location})" for d in p.locations.data_centres)
            + f". Cloud regions: {', '.join(p.locations.cloud_regions)}. Remote working: "
            f"{p.locations.remote_working.replace('_', ' ')}. {p.locations.remote_notes or ''}",
        ),
        "technology": (
            "Technology",
            f"Cloud: {', '.join(t.cloud_providers)}. Identity provider {t.identity.provider}; "
            f"MFA {t.identity.mfa}. Endpoints {', '.join(t.endpoints.operating_systems)} "
            f"managed with {t.endpoints.device_management}, disk encryption "
            f"{t.endpoints.disk_encryption}, EDR {t.endpoints.edr or 'none'}. Code hosting "
            f"{t.code_hosting or 'none'}, CI/CD {t.ci_cd or 'none'}. Logging and monitoring "
            f"{', '.join(t.logging_monitoring)}. Backup {t.backup.tool}, {t.backup.frequency}, "
            f"kept {t.backup.retention_days} days. Ticketing {t.ticketing or 'none'}. "
            f"Email and collaboration {', '.join(t.email_collaboration)}. "
            f"Business systems {', '.join(t.business_systems)}. {t.network or ''}",
        ),
        "roles": (
            "Roles",
            "; ".join(
                f"{label}: {person.name}, {person.title}"
                + (f" ({person.organisation})" if person.organisation else "")
                for _role, label, person in p.roles.every_role()
            )
            + f". Approvers: {', '.join(p.roles.approvers)}.",
        ),
        "people": (
            "People practices",
            f"Contractors: {p.people.contractors}. Screening: {p.people.screening}. "
            f"Onboarding: {p.people.onboarding}. Offboarding: {p.people.offboarding}. "
            f"Training every {p.people.training_cadence_months} months.",
        ),
        "practices": (
            "Security practices",
            f"User access reviews every {p.practices.reviews.user_access} months; "
            f"incidents reported within {p.practices.incident_report_hours} hours; "
            f"patching days {p.practices.patch_days}; logs kept "
            f"{p.practices.log_retention_days} days; scanning "
            f"{p.practices.vulnerability_scanning}; penetration tests every "
            f"{p.practices.penetration_test_months} months; {p.practices.encryption}.",
        ),
    }
    chunks = [
        Chunk(
            f"org:profile:{key}",
            "org",
            f"org:profile.{key}",
            title,
            text,
            {"theme": "profile", "source": source, "location": key},
        )
        for key, (title, text) in facts.items()
    ]
    for s in p.suppliers:
        chunks.append(
            Chunk(
                f"org:supplier:{s.name}",
                "org",
                f"org:supplier.{_slug(s.name)}",
                s.name,
                f"Supplier {s.name}: {s.service}. Criticality {s.criticality}. Data shared: "
                f"{', '.join(s.data_shared) or 'none'}. Assurance: {', '.join(s.assurance) or 'none'}.",
                {"theme": "supplier", "source": source, "location": "suppliers"},
            )
        )
    for o in p.obligations:
        chunks.append(
            Chunk(
                f"org:obligation:{o.id}",
                "org",
                f"org:{o.driver_tag}",
                o.name,
                f"{o.kind.capitalize()} obligation {o.name} ({o.driver_tag}): {o.summary}",
                {"theme": "obligation", "source": source, "location": "obligations"},
            )
        )
    return chunks


def risk_chunks(register: RiskRegister, source: str) -> list[Chunk]:
    return [
        Chunk(
            f"org:risk:{r.id}",
            "org",
            f"risk:{r.id}",
            r.title,
            f"Risk {r.id} {r.title}: {r.description} Owner {r.owner}. Likelihood {r.likelihood}, impact "
            f"{r.impact}, score {r.score}. Treatment {r.treatment}. Controls {', '.join(r.controls) or 'none'}.",
            {"theme": "risk", "source": source, "location": f"line {r.line}"},
        )
        for r in register.risks
    ]


def document_chunks(doc: SourceDocument) -> list[Chunk]:
    chunks: list[Chunk] = []
    for s_index, section in enumerate(doc.sections):
        heading = section.heading or doc.title
        for n, part in enumerate(split(section.text)):
            chunks.append(
                Chunk(
                    f"org:file:{doc.relative}:{s_index}:{n}",
                    "org",
                    f"file:{doc.relative}",
                    doc.title,
                    f"{heading}. {part}",
                    {"theme": "existing-document", "source": doc.relative, "location": section.location},
                )
            )
    return chunks


def _slug(name: str) -> str:
    return "-".join("".join(ch.lower() if ch.isalnum() else " " for ch in name).split())
