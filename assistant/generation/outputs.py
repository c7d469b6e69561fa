"""Write one document's files: Markdown (source of truth), then Word, then its manifest entry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.drafting.engine import SOA_DOC, Engine, Inputs
from assistant.drafting.models import Draft
from assistant.generation.manifest import Manifest

if TYPE_CHECKING:
    from assistant.store import DocumentStore


def output_paths(out_dir: Path, doc_id: str) -> list[Path]:
    paths = [out_dir / f"{doc_id}.md", out_dir / f"{doc_id}.docx"]
    if doc_id == SOA_DOC:
        paths += [out_dir / "soa.csv", out_dir / "soa.xlsx"]
    return paths


def _word_key(
    md_text: str, history: list[dict[str, str]], inputs: Inputs, doc_id: str, approvals: list[list[str]]
) -> str:
    """What the Word file is made from: the Markdown, the change history, the approval record, the template
    and the exporter. A Word file made from the same is not rendered again (a forced re-run of an unchanged
    set)."""
    import hashlib
    import json

    from assistant.documents import docx_export
    from assistant.documents.docx_layout import organisation_country

    template = inputs.settings.docx_template or docx_export.BUNDLED_TEMPLATE
    folder = Path(docx_export.__file__).parent
    exporter = max(p.stat().st_mtime_ns for p in [*folder.glob("docx_*.py"), folder / "soa_word.py"])
    payload = json.dumps(
        [md_text, history, approvals, str(template),
         template.stat().st_mtime_ns if template.exists() else 0, exporter,
         inputs.profile.identity.legal_name, organisation_country(inputs.profile), doc_id],
        sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def file_hash(data: bytes | str) -> str:
    import hashlib

    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()[:16]


def load_renderers() -> None:
    """Load the Word and Excel code now (before drafting), not when the first document is written."""
    from assistant.documents import docx_export, markdown  # noqa: F401
    from assistant.documents.files import numpy_hidden
    from assistant.generation import journal, word_file  # noqa: F401

    with numpy_hidden():
        from assistant.documents import soa_xlsx  # noqa: F401


def write_outputs(
    inputs: Inputs,
    engine: Engine,
    manifest: Manifest,
    draft: Draft,
    change: str,
    seconds: float,
    store: DocumentStore | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Render every file of the document, then change them together (see `journal`): after a crash the
    Markdown, Word and SoA files, the store and the manifest agree. A person's edit newer than the last
    generated version is never overwritten (unless `force`): the new draft is merged under it."""
    # Word and Excel libraries load only when something is written (an unchanged run needs neither).
    from assistant.documents.docx_export import approval_rows, render_docx
    from assistant.documents.docx_layout import organisation_country
    from assistant.documents.files import numpy_hidden
    from assistant.documents.markdown import parse_document, prepare_document
    from assistant.documents.soa_csv import soa_csv_text
    from assistant.generation.journal import Staged
    from assistant.generation.word_file import TOOL_AUTHOR

    with numpy_hidden():
        from assistant.documents.soa_xlsx import render_soa_xlsx

    out_dir = inputs.workspace.out_dir
    md_path = out_dir / f"{draft.doc_id}.md"
    docx_path = out_dir / f"{draft.doc_id}.docx"
    text, meta = prepare_document(md_path, draft, inputs.corpus, inputs.profile, inputs.today)
    md_text = text if text is not None else md_path.read_text(encoding="utf-8")
    human = None if force or store is None else human_work(store, draft.doc_id)
    if human is not None and text is not None and store is not None:
        merged = _merge_onto_new_draft(inputs, manifest, draft, change, store, human, md_text, meta, seconds)
        if draft.doc_id == SOA_DOC and merged["status"] == "written":  # soa.csv/.xlsx keep the person's cells
            from assistant.soa_edits import publish_merged_soa

            text = md_path.read_text(encoding="utf-8")
            publish_merged_soa(out_dir, manifest, text, engine.soa().rows, inputs.corpus, inputs.profile)
        return merged
    staged = Staged(out_dir, draft.doc_id)
    files: dict[str, str] = {md_path.name: file_hash(md_text)}
    if text is not None:
        staged.add(md_path.name, text)
    if draft.doc_id == SOA_DOC:
        soa = engine.soa()
        csv_text = soa_csv_text(soa)
        xlsx = render_soa_xlsx(
            soa,
            inputs.profile.identity.legal_name,
            classification=inputs.profile.document_control.classification,
            front_matter=meta,
        )
        staged.add("soa.csv", csv_text)
        staged.add("soa.xlsx", xlsx)
        files["soa.csv"] = file_hash(csv_text)
    history = [{**h, "author": h.get("author") or TOOL_AUTHOR} for h in manifest.history(draft.doc_id)]
    if not history or history[-1].get("version") != str(meta["version"]):
        history.append(
            {
                "version": str(meta["version"]),
                "date": inputs.today.isoformat(),
                "author": TOOL_AUTHOR,
                "change": change,
            }
        )
    approvals = store.approvals(draft.doc_id) if store is not None else []  # the Word file's approval record
    word_key = _word_key(md_text, history, inputs, draft.doc_id, approval_rows(approvals))
    previous = manifest.documents.get(draft.doc_id, {})
    if docx_path.exists() and previous.get("word_key") == word_key:
        files[docx_path.name] = previous.get("files", {}).get(docx_path.name, "")
    else:
        data = render_docx(
            parse_document(md_text, str(md_path)),
            inputs.corpus,
            inputs.profile.identity.legal_name,
            history,
            template=inputs.settings.docx_template,
            landscape=draft.doc_id == SOA_DOC,
            approvals=approvals,
            country=organisation_country(inputs.profile),
        )
        staged.add(docx_path.name, data)
        files[docx_path.name] = file_hash(data)
    entry = {
        "word_key": word_key,
        "id": draft.doc_id,
        "version": str(meta["version"]),
        "inputs_hash": draft.inputs_hash,
        "inputs_parts": draft.inputs_parts,
        "prompt_version": draft.prompt_version,
        "provider": draft.provider,
        "model": draft.model,
        "prompt_tokens": draft.usage.prompt_tokens,
        "completion_tokens": draft.usage.completion_tokens,
        "cost_usd": round(draft.usage.cost_usd, 6),
        "seconds": round(seconds, 3),
        "status": "written",
        "decisions": draft.decisions,
        "files": files,
    }
    try:
        if store is not None:  # every generated text becomes a draft version; approved ones stay as they were
            store.record(
                draft.doc_id,
                draft.title,
                md_text,
                author=f"isms ({draft.provider}, {draft.model})",
                source="generated",
                inputs_hash=draft.inputs_hash,
                note=change,
            )
    except BaseException:
        staged.discard()
        raise
    staged.commit(manifest, entry, change, inputs.today.isoformat())
    return entry


HUMAN_SOURCES = ("edited", "imported")


def human_work(store: DocumentStore, doc_id: str) -> tuple[Any, Any] | None:
    """(the newest version a person made or approved, the last generated version before it) when a person's
    work is newer than the last generated version; None otherwise."""
    versions = sorted(store.versions(doc_id), key=lambda v: v.number)
    if not versions:
        return None
    newest = versions[-1]
    if newest.source not in HUMAN_SOURCES and newest.status != "approved":
        return None
    generated = [v for v in versions if v.source == "generated" and v.number < newest.number]
    return newest, (generated[-1] if generated else None)


def _merge_onto_new_draft(
    inputs: Inputs,
    manifest: Manifest,
    draft: Draft,
    change: str,
    store: DocumentStore,
    human: tuple[Any, Any],
    new_text: str,
    meta: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    """The new draft becomes a pending version; the person's changes since the last generated version are
    merged onto it. A clean merge is the new newest version and goes to out/; a merge with conflicts leaves
    out/ as the person left it and marks the document "needs merge"."""
    import frontmatter

    from assistant.documents.merge import merge3

    newest, last_generated = human
    base = last_generated.content if last_generated is not None else ""
    store.record(
        draft.doc_id, draft.title, new_text, author=f"isms ({draft.provider}, {draft.model})",
        source="generated", inputs_hash=draft.inputs_hash, note=f"{change} (pending: merged with human edits)",
    )  # fmt: skip
    merged = merge3(base, new_text, newest.content)
    entry_base = {"id": draft.doc_id, "inputs_hash": draft.inputs_hash, "inputs_parts": draft.inputs_parts, "provider": draft.provider,
                  "model": draft.model, "seconds": round(seconds, 3), "decisions": draft.decisions}  # fmt: skip
    if not merged.clean:
        entry = {
            **entry_base,
            "status": "needs_merge",
            "conflicts": [f"line {c.line}: your text and the new draft differ" for c in merged.conflicts],
            "reason": f"{len(merged.conflicts)} conflict(s) between the new draft and version "
            f"{newest.number} by {newest.author}; out/ keeps the person's version",
        }
        manifest.record(entry)
        return entry
    post = frontmatter.loads(merged.text)
    post["status"] = "draft"  # a merge is a new version: approval belongs to the version approved
    post["inputs_hash"] = draft.inputs_hash
    text = frontmatter.dumps(post, sort_keys=False) + "\n"
    version = store.record(
        draft.doc_id, draft.title, text, author="isms (new draft merged with human edits)", source="edited",
        note=f"{change}; human edits of version {newest.number} by {newest.author} kept",
    )  # fmt: skip
    entry = {**entry_base, "status": "written", "version": str(post.get("version", meta["version"])),
             "word_key": "", "merged_from": newest.number, "store_version": version.number}  # fmt: skip
    return publish_text(
        inputs.workspace.out_dir, inputs.corpus, inputs.profile.identity.legal_name, draft.doc_id, text, store,
        manifest, entry, change=f"{change}; human edits kept", date=inputs.today.isoformat(),
        template=inputs.settings.docx_template,
    )  # fmt: skip


def publish_text(
    out_dir: Path,
    corpus: Any,
    organisation: str,
    doc_id: str,
    text: str,
    store: DocumentStore,
    manifest: Manifest,
    entry: dict[str, Any],
    *,
    change: str | None = None,
    date: str = "",
    template: Path | None = None,
    country: str | None = None,
) -> dict[str, Any]:
    """Write a version's Markdown and its Word file (with the store's change history and approval record)
    to out/ together and record them in the manifest."""
    from assistant.generation.journal import Staged
    from assistant.generation.word_file import version_docx

    path = out_dir / f"{doc_id}.md"
    staged = Staged(out_dir, doc_id)
    staged.add(path.name, text)
    files = {path.name: file_hash(text)}
    data = version_docx(
        text, doc_id, corpus, organisation, store, template=template, country=country, path=str(path)
    )
    if data is not None:
        staged.add(f"{doc_id}.docx", data)
        files[f"{doc_id}.docx"] = file_hash(data)
    entry = {**entry, "files": files}
    staged.commit(manifest, entry, change, date)
    return entry
