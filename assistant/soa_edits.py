"""An edit of the SoA grid is a version of the Statement of Applicability: checked by the SoA rules, written into
the latest version's Markdown (only the rows and cells the grid changed, and the counts and exclusions that
follow from them), saved in the store and published with its Word file, soa.csv and soa.xlsx in step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter

from assistant.documents.docx_layout import organisation_country
from assistant.documents.soa_csv import COLUMNS, read_soa_csv, row_values
from assistant.drafting.engine import SOA_DOC
from assistant.drafting.models import Soa, SoaRow
from assistant.drafting.soa import bases
from assistant.drafting.soa_document import soa_sections
from assistant.errors import InputError
from assistant.generation.manifest import Manifest
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.soa_checks import EDITABLE, generated_justifications, soa_edit_problems, text
from assistant.store import StaleEdit
from assistant.store.service import Version

_CONTROL_ROW = re.compile(r"^\|\s*\[(A\.\d+\.\d+)\]\s*\|")
_ITEM = re.compile(r"^- \[(A\.\d+\.\d+)\]")
_CELLS = {"applicable": "applicable", "implementation_status": "status", "justification": "justification"}


class NothingChanged(InputError):
    """The grid holds the rows of the latest version: there is nothing to save."""


@dataclass(frozen=True)
class SoaSaved:
    version: Version
    changes: list[str]  # "A.7.6 excluded", "A.8.1 status planned -> implemented", ...
    written: list[str]  # the files of out/ written


def grid_rows(rows: list[SoaRow]) -> list[dict[str, str]]:
    """SoA rows as the grid shows them: soa.csv's columns, lists joined with `;`."""
    return [dict(zip(COLUMNS, row_values(r), strict=True)) for r in rows]


def soa_rows(grid: list[dict[str, Any]]) -> list[SoaRow]:
    """The grid's rows as the engine's SoA rows (an excluded control is not implemented, as in `finalise`)."""
    out = []
    for row in grid:
        values = {c: text(row, c) for c in COLUMNS}
        if values["applicable"] == "no":
            values["implementation_status"] = "not_implemented"
        lists = {k: [v for v in values[k].split(";") if v.strip()] for k in ("drivers", "documents")}
        out.append(
            SoaRow.model_validate({**values, **{k: [v.strip() for v in vs] for k, vs in lists.items()}})
        )
    return out


def rendered(corpus: Corpus, profile: Profile, rows: list[SoaRow]) -> str:
    """The SoA document's sections as the generator renders them from `rows` (the one renderer)."""
    soa = Soa(rows=rows, provider="", model="", prompt_version="", inputs_hash="")
    titles = {d.id: d.title for d in corpus.documents.values()}
    sections = soa_sections(corpus.documents[SOA_DOC], soa, profile, titles)
    return "\n\n".join(f"## {s.heading}\n\n{s.text}" for s in sections) + "\n"


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _table(lines: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(column by lower-case header name, line number by control id) of the control table in `lines`."""
    columns: dict[str, int] = {}
    at: dict[str, int] = {}
    for number, line in enumerate(lines):
        if not columns and re.match(r"^\|\s*Control\s*\|", line):
            columns = {name.lower(): i for i, name in enumerate(_cells(line))}
        found = _CONTROL_ROW.match(line)
        if columns and found:
            at.setdefault(found.group(1), number)
    return columns, at


def overlay(rows: list[SoaRow], markdown: str, generated: str) -> list[SoaRow]:
    """`rows` with the cells a person changed in the SoA document's table (where `markdown`, a version of
    it, differs from `generated`, the table rendered from `rows`): the document's newer word wins."""
    mine, theirs = markdown.splitlines(), generated.splitlines()
    (cols, at), (gcols, gat) = _table(mine), _table(theirs)
    out = []
    for row in rows:
        cid, update = row.control_id, {}
        if cid in at and cid in gat:
            ours, gen = _cells(mine[at[cid]]), _cells(theirs[gat[cid]])
            for field, col in _CELLS.items():
                if (
                    col in cols
                    and col in gcols
                    and len(ours) > cols[col]
                    and ours[cols[col]] != gen[gcols[col]]
                ):
                    value = (
                        ours[cols[col]].replace(" ", "_")
                        if field == "implementation_status"
                        else ours[cols[col]]
                    )
                    update[field] = value
        try:
            out.append(SoaRow.model_validate({**row.model_dump(), **update}))
        except ValueError:  # a value the SoA does not allow ("maybe"): soa.csv's stays
            out.append(row)
    return out


def current_rows(ws: Workspace, corpus: Corpus, profile: Profile) -> tuple[list[SoaRow], Version | None]:
    """The SoA as it stands: soa.csv, with any newer change made in the SoA document's text over it, and
    the latest version of the document (None before the first generation)."""
    from assistant.workflow import store_for

    path = ws.out_dir / "soa.csv"
    if not path.is_file():
        raise InputError(f"{path}: missing; generate the document set first (`isms generate`)")
    rows = read_soa_csv(path)
    latest = store_for(ws).latest(SOA_DOC)
    if latest is None:
        return rows, None
    return overlay(rows, latest.content, rendered(corpus, profile, rows)), latest


def describe(before: SoaRow, after: SoaRow) -> str:
    cid = before.control_id
    if before.applicable != after.applicable:
        return f"{cid} excluded" if after.applicable == "no" else f"{cid} made applicable"
    if before.implementation_status != after.implementation_status:
        return f"{cid} status {before.implementation_status} -> {after.implementation_status}"
    return f"{cid} justification"


def patch_markdown(markdown: str, changed: list[str], new: str) -> str:
    """`markdown` with the changed controls' table cells, the summary counts and the exclusions list taken
    from `new` (the sections rendered from the edited rows); every other line as it was; status draft."""
    lines, theirs = markdown.splitlines(), new.splitlines()
    (cols, at), (ncols, nat) = _table(lines), _table(theirs)
    for cid in changed:
        if cid not in at:
            raise InputError(f"{cid}: the SoA document has no row for it; edit the document's table first")
        cells, fresh = _cells(lines[at[cid]]), _cells(theirs[nat[cid]])
        for col in _CELLS.values():
            if col in cols and len(cells) > cols[col]:
                cells[cols[col]] = fresh[ncols[col]]
        lines[at[cid]] = "| " + " | ".join(cells) + " |"
    _replace_summary(lines, theirs)
    _replace_exclusions(lines, theirs, set(changed))
    out = "\n".join(lines) + ("\n" if markdown.endswith("\n") else "")
    head, sep, body = out.partition("\n---\n")
    if out.startswith("---\n") and sep:
        head = re.sub(r"(?m)^status:.*$", "status: draft", head, count=1)
        out = head + sep + body
    return out


def _section(lines: list[str], word: str) -> range:
    start = next((i for i, line in enumerate(lines) if line.startswith("## ") and word in line.lower()), None)
    if start is None:
        return range(0)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return range(start + 1, end)


def _replace_summary(lines: list[str], theirs: list[str]) -> None:
    fresh = {
        _cells(theirs[i])[0]: theirs[i] for i in _section(theirs, "summary") if theirs[i].startswith("|")
    }
    for i in _section(lines, "summary"):
        if lines[i].startswith("|") and lines[i] not in fresh.values():
            key = _cells(lines[i])[0] if _cells(lines[i]) else ""
            if key in fresh and not key.startswith("-") and key != "Theme":
                lines[i] = fresh[key]


def _replace_exclusions(lines: list[str], theirs: list[str], changed: set[str]) -> None:
    mine = _section(lines, "exclusion")
    if not mine:
        return
    old = {m.group(1): lines[i] for i in mine if (m := _ITEM.match(lines[i]))}
    region = [i for i in mine if _ITEM.match(lines[i]) or "has excluded none" in lines[i]]
    block = [
        old[m.group(1)] if m.group(1) in old and m.group(1) not in changed else line
        for line in (theirs[i] for i in _section(theirs, "exclusion"))
        if (m := _ITEM.match(line))
    ]
    if not block:
        block = [
            next((theirs[i] for i in _section(theirs, "exclusion") if "has excluded none" in theirs[i]), "")
        ]
    if region:
        lines[region[0] : region[-1] + 1] = block
    else:
        end = mine.stop
        while end > mine.start and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = ["", *block]


def publish_soa_files(
    out_dir: Path,
    manifest: Manifest,
    rows: list[SoaRow],
    organisation: str,
    *,
    classification: str | None = None,
    text: str | None = None,
) -> list[str]:
    """Write soa.csv and soa.xlsx from `rows` (the generator's renderers), each atomically, and record their
    hashes in the SoA document's manifest entry (so `isms doctor --verify` and `isms generate` know them)."""
    from assistant.documents.files import numpy_hidden, write_atomic
    from assistant.documents.soa_csv import soa_csv_text
    from assistant.generation.outputs import file_hash

    with numpy_hidden():
        from assistant.documents.soa_xlsx import render_soa_xlsx
    soa = Soa(rows=rows, provider="", model="", prompt_version="", inputs_hash="")
    files: dict[str, bytes | str] = {
        "soa.csv": soa_csv_text(soa),
        "soa.xlsx": render_soa_xlsx(
            soa,
            organisation,
            classification=classification,
            front_matter=frontmatter.loads(text).metadata if text is not None else None,
        ),
    }
    for name, data in files.items():
        write_atomic(out_dir / name, data)
    recorded = dict(manifest.documents.get(SOA_DOC, {}).get("files") or {})
    manifest.record({"id": SOA_DOC, "files": {**recorded, **{n: file_hash(d) for n, d in files.items()}}})
    return list(files)


def publish_merged_soa(
    out_dir: Path, manifest: Manifest, text: str, generated: list[SoaRow], corpus: Corpus, profile: Profile
) -> list[str]:
    """soa.csv and soa.xlsx for a merged version of the SoA document (`isms generate` onto a person's edit):
    the new draft's rows with the cells the person changed in the merged text, so an exclusion made in the
    grid stays an exclusion in every file."""
    rows = overlay(generated, text, rendered(corpus, profile, generated))
    return publish_soa_files(
        out_dir, manifest, rows, profile.identity.legal_name,
        classification=profile.document_control.classification, text=text,
    )  # fmt: skip


def save_soa_edit(
    ws: Workspace,
    corpus: Corpus,
    profile: Profile,
    register: RiskRegister | None,
    rows: list[dict[str, Any]],
    author: str,
    base_version_id: int,
) -> SoaSaved:
    """Save the edited grid as a new draft version of the SoA document and publish it (Markdown, Word,
    soa.csv, soa.xlsx, manifest). InputError lists every problem by control id and nothing is written;
    StaleEdit when someone saved a version after `base_version_id`; NothingChanged when no row changed."""
    from assistant.generation.outputs import publish_text
    from assistant.workflow import store_for
    from assistant.workspace_lock import writing

    if not author.strip():
        raise InputError("say who is editing the Statement of Applicability")
    with writing(ws.state_dir, "soa edit"):
        store = store_for(ws)
        current, latest = current_rows(ws, corpus, profile)
        if latest is None:
            raise InputError(f"{SOA_DOC} has no version yet; generate the document set first")
        if latest.id != base_version_id:
            raise StaleEdit(
                f"{latest.author} saved version {latest.number} of the Statement of Applicability while you "
                f"were editing (your grid started from an older version); nothing was saved and your edits are "
                "kept: move them onto the newest version and save again.",
                latest,
            )
        generated = generated_justifications(corpus, profile, register)
        problems = soa_edit_problems(
            rows, bases(corpus, profile, register), profile, register, current, generated
        )
        if problems:
            raise InputError(f"the SoA was not saved: {len(problems)} problem(s)", details=problems)
        order = {r.control_id: i for i, r in enumerate(current)}
        edited = sorted(soa_rows(rows), key=lambda r: order[r.control_id])
        changes = [
            (old, new)
            for old, new in zip(current, edited, strict=True)
            if any(str(getattr(old, f)).strip() != str(getattr(new, f)) for f in EDITABLE)
        ]
        if not changes:
            raise NothingChanged(f"nothing to save: the grid holds the rows of version {latest.number}")
        ids = [new.control_id for _old, new in changes]
        content = patch_markdown(latest.content, ids, rendered(corpus, profile, edited))
        note = "SoA grid: " + ", ".join(describe(old, new) for old, new in changes)
        version = store.save_edit(SOA_DOC, content, author=author, base_version_id=base_version_id, note=note)
        store.audit(author, "soa-edited", SOA_DOC, ", ".join(ids))
        manifest = Manifest(ws.out_dir)
        entry = {"id": SOA_DOC, "version": version.label, "word_key": "", "status": "written"}
        published = publish_text(
            ws.out_dir, corpus, profile.identity.legal_name, SOA_DOC, content, store, manifest, entry,
            country=organisation_country(profile),
        )  # fmt: skip
        written = [
            *published["files"],
            *publish_soa_files(
                ws.out_dir,
                manifest,
                edited,
                profile.identity.legal_name,
                classification=profile.document_control.classification,
                text=content,
            ),  # fmt: skip
        ]
        return SoaSaved(version, [describe(old, new) for old, new in changes], written)
