"""Markdown documents with YAML front matter: the source of truth for every generated document."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from assistant.documents.files import write_atomic
from assistant.documents.references import document_reference
from assistant.drafting.models import Draft, DraftedSection
from assistant.errors import InputError
from assistant.inputs.profile import Profile
from assistant.knowledge.loader import Corpus

ANNEX_HEADING = "Annex: control mapping"
FRONT_MATTER_FIELDS = (
    "id",
    "reference",
    "title",
    "version",
    "status",
    "owner",
    "approver",
    "classification",
    "distribution",
    "effective_date",
    "next_review",
    "clauses",
    "controls",
    "generated_by",
    "inputs_hash",
)


@dataclass
class DocumentFile:
    meta: dict[str, Any]
    title: str
    sections: list[DraftedSection]
    preamble: str = ""  # text a person put between the title and the first section
    content: str = ""  # the whole Markdown body after the front matter, annex included


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_version(previous: str | None) -> str:
    if not previous:
        return "0.1"
    major, _, minor = str(previous).partition(".")
    try:
        return f"{int(major)}.{int(minor or 0) + 1}"
    except ValueError:
        return "0.1"


def front_matter(draft: Draft, corpus: Corpus, profile: Profile, today: date, version: str) -> dict[str, Any]:
    doc = corpus.documents[draft.doc_id]
    owner = profile.roles.holder(doc.owner_role)
    approver = profile.roles.holder(profile.document_control.approver)
    if approver.name == owner.name:  # nobody approves their own document: the next named approver does
        people = {p.name: p for p in profile.roles.people().values()}
        others = [people[n] for n in profile.roles.approvers if n != owner.name and n in people]
        approver = others[0] if others else approver
    cited_controls = {c for s in draft.sections for c in s.cited_ids if c.startswith("A.")}
    controls = sorted(set(doc.controls) | cited_controls, key=_control_key)
    control = profile.document_control
    return {
        "id": doc.id,
        "reference": document_reference(doc.id, corpus.documents, control),
        "title": doc.title,
        "version": version,
        "status": "draft",
        "owner": f"{owner.name} ({owner.title})",
        "approver": f"{approver.name} ({approver.title})",
        "classification": control.classification,
        "distribution": control.distribution_of(doc.id, doc.kind),
        "effective_date": today.isoformat(),
        "next_review": add_months(today, doc.review_cycle_months).isoformat(),
        "clauses": list(doc.clauses),
        "controls": controls,
        "generated_by": {
            "provider": draft.provider,
            "model": draft.model,
            "prompt_version": draft.prompt_version,
        },
        "inputs_hash": draft.inputs_hash,
        "decisions": draft.decisions,
    }


def _control_key(cid: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", cid))


def render(draft: Draft, meta: dict[str, Any], corpus: Corpus) -> str:
    parts = [f"# {draft.title}"]
    for section in draft.sections:
        parts.append(f"## {section.heading}\n\n{section.text.strip()}")
    parts.append(f"## {ANNEX_HEADING}\n\n" + control_mapping(draft, corpus))
    post = frontmatter.Post("\n\n".join(parts) + "\n", **meta)
    text: str = frontmatter.dumps(post, sort_keys=False)
    return text + "\n"


def control_mapping(draft: Draft, corpus: Corpus) -> str:
    where: dict[str, list[str]] = {}
    for section in draft.sections:
        for cid in sorted(set(section.controls) | {c for c in section.cited_ids if c.startswith("A.")}):
            where.setdefault(cid, []).append(section.heading)
    if not where:  # a clause 4-10 record: map the clauses it serves instead
        for section in draft.sections:
            for clause in section.clauses or [c for c in section.cited_ids if not c.startswith("A.")]:
                where.setdefault(clause, []).append(section.heading)
        for clause in corpus.documents[draft.doc_id].clauses:
            where.setdefault(clause, [])
        rows = ["| Clause | Title | Where this document covers it |", "|---|---|---|"]
        for clause in sorted(where, key=_control_key):
            title = corpus.clauses[clause].title if clause in corpus.clauses else ""
            rows.append(f"| {clause} | {title} | {'; '.join(dict.fromkeys(where[clause])) or 'throughout'} |")
        return "\n".join(rows)
    rows = ["| Control | Title | Where this document covers it |", "|---|---|---|"]
    for cid in sorted(where, key=_control_key):
        title = corpus.controls[cid].title if cid in corpus.controls else ""
        rows.append(f"| {cid} | {title} | {'; '.join(where[cid])} |")
    return "\n".join(rows)


RECORDED = (
    "inputs_hash",
    "generated_by",
    "decisions",
    "reference",
    "distribution",
)  # front matter that changes without the text


def prepare_document(
    path: Path, draft: Draft, corpus: Corpus, profile: Profile, today: date
) -> tuple[str | None, dict[str, Any]]:
    """The Markdown to write at `path` and its front matter; None when the file already says exactly this.
    The version moves on only when the content changed."""
    previous = read_document(path) if path.exists() else None
    version = previous.meta.get("version") if previous else None
    meta = front_matter(draft, corpus, profile, today, str(version or "0.1"))
    text = render(draft, meta, corpus)
    if previous is not None and previous.content == frontmatter.loads(text).content:
        # Same text: the version stays. What it was drafted from is still recorded, or the next run would
        # find the old inputs hash and redraft the document every time.
        if all(previous.meta.get(k) == meta.get(k) for k in RECORDED):
            return None, previous.meta
        meta["version"] = previous.meta.get("version", meta["version"])
        meta["effective_date"] = previous.meta.get("effective_date", meta["effective_date"])
        meta["next_review"] = previous.meta.get("next_review", meta["next_review"])
        return render(draft, meta, corpus), meta
    meta["version"] = next_version(str(version)) if previous else "0.1"
    return render(draft, meta, corpus), meta


def write_document(path: Path, draft: Draft, corpus: Corpus, profile: Profile, today: date) -> dict[str, Any]:
    """Write `path` atomically (see `prepare_document`)."""
    text, meta = prepare_document(path, draft, corpus, profile, today)
    if text is not None:
        write_atomic(path, text)
    return meta


def _body(text: str) -> str:
    return frontmatter.loads(text).content


def read_document(path: Path) -> DocumentFile:
    """Parse a document written by `write_document` (or edited by hand in the same shape)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: document not found; draft it first with `isms draft`") from None
    except IsADirectoryError:
        raise InputError(f"{path}: a folder, not a document; move it aside") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a readable Markdown document ({exc.__class__.__name__})") from None
    return parse_document(text, str(path))


def parse_document(text: str, source: str) -> DocumentFile:
    """Parse the text of a document (front matter and sections)."""
    try:
        post = frontmatter.loads(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(
            f"{source}: its front matter (the block between the --- lines) cannot be read "
            f"({exc.__class__.__name__}); fix it or move the file aside"
        ) from None
    if not isinstance(post.metadata, dict):
        raise InputError(f"{source}: its front matter is not a set of fields; fix it or move the file aside")
    title, sections = "", []
    heading: str | None = None
    lines: list[str] = []
    preamble: list[str] = []
    for line in post.content.splitlines():
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## ") and heading is None:
            preamble, lines, heading = lines, [], line[3:].strip()
        elif line.startswith("## "):
            if heading is not None:
                sections.append(_section(heading, lines, post.metadata))
            heading, lines = line[3:].strip(), []
        else:
            lines.append(line)
    if heading is not None:
        sections.append(_section(heading, lines, post.metadata))
    sections = [s for s in sections if s.heading != ANNEX_HEADING]
    return DocumentFile(
        meta=dict(post.metadata),
        title=title,
        sections=sections,
        preamble="\n".join(preamble).strip(),
        content=post.content,
    )


def replace_section(content: str, heading: str, text: str) -> str:
    """`content` (front matter included) with the body of its `## heading` section replaced by `text`;
    everything else, a person's text between the title and the first section included, as it was."""
    lines = content.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == f"## {heading}"), None)
    if start is None:
        raise InputError(f"no section headed {heading!r} in the document")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = lines[end:] if end < len(lines) else [""]
    return "\n".join([*lines[: start + 1], "", *text.strip().split("\n"), "", *tail])


def _section(heading: str, lines: list[str], meta: dict[str, Any]) -> DraftedSection:
    text = "\n".join(lines).strip()
    cited = sorted(set(re.findall(r"\[((?:A\.)?\d+(?:\.\d+)+)\]", text)))
    return DraftedSection(
        heading=heading,
        text=text,
        cited_ids=cited,
        controls=[c for c in cited if c.startswith("A.")],
        clauses=[c for c in cited if not c.startswith("A.")],
    )


def as_draft(file: DocumentFile) -> Draft:
    generated = file.meta.get("generated_by") or {}
    return Draft(
        doc_id=str(file.meta.get("id", "")),
        title=file.title,
        sections=file.sections,
        provider=str(generated.get("provider", "")),
        model=str(generated.get("model", "")),
        prompt_version=str(generated.get("prompt_version", "")),
        inputs_hash=str(file.meta.get("inputs_hash", "")),
        carried_decisions=[str(q) for q in file.meta.get("decisions") or []],
    )
