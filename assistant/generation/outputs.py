"""Write one document's files: Markdown (source of truth), then Word, then its manifest entry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.documents.markdown import read_document, write_document
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


def _word_key(md_path: Path, history: list[dict[str, str]], inputs: Inputs, doc_id: str) -> str:
    """What the Word file is made from: the Markdown, the change history, the template and the exporter.
    A Word file made from the same is not rendered again (a forced re-run of an unchanged set)."""
    import hashlib
    import json

    from assistant.documents import docx_export

    template = inputs.settings.docx_template or docx_export.BUNDLED_TEMPLATE
    exporter = Path(docx_export.__file__)
    payload = json.dumps(
        [md_path.read_text(encoding="utf-8"), history, str(template),
         template.stat().st_mtime_ns if template.exists() else 0, exporter.stat().st_mtime_ns,
         inputs.profile.identity.legal_name, doc_id],
        sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def write_outputs(
    inputs: Inputs,
    engine: Engine,
    manifest: Manifest,
    draft: Draft,
    change: str,
    seconds: float,
    store: DocumentStore | None = None,
) -> dict[str, Any]:
    # Word and Excel libraries load only when something is written (an unchanged run needs neither).
    from assistant.documents.docx_export import render_docx, write_docx
    from assistant.documents.files import numpy_hidden
    from assistant.documents.soa_csv import write_soa_csv

    with numpy_hidden():
        from assistant.documents.soa_xlsx import write_soa_xlsx

    out_dir = inputs.workspace.out_dir
    md_path = out_dir / f"{draft.doc_id}.md"
    meta = write_document(md_path, draft, inputs.corpus, inputs.profile, inputs.today)
    if draft.doc_id == SOA_DOC:
        soa = engine.soa()
        write_soa_csv(out_dir / "soa.csv", soa)
        write_soa_xlsx(out_dir / "soa.xlsx", soa, inputs.profile.identity.legal_name)
    history = manifest.history(draft.doc_id)
    if not history or history[-1].get("version") != str(meta["version"]):
        history.append({"version": str(meta["version"]), "date": inputs.today.isoformat(), "change": change})
    docx_path = out_dir / f"{draft.doc_id}.docx"
    word_key = _word_key(md_path, history, inputs, draft.doc_id)
    if not (docx_path.exists() and manifest.documents.get(draft.doc_id, {}).get("word_key") == word_key):
        data = render_docx(
            read_document(md_path),
            inputs.corpus,
            inputs.profile.identity.legal_name,
            history,
            template=inputs.settings.docx_template,
            landscape=draft.doc_id == SOA_DOC,
        )
        write_docx(docx_path, data)
    entry = {
        "word_key": word_key,
        "id": draft.doc_id,
        "version": str(meta["version"]),
        "inputs_hash": draft.inputs_hash,
        "prompt_version": draft.prompt_version,
        "provider": draft.provider,
        "model": draft.model,
        "prompt_tokens": draft.usage.prompt_tokens,
        "completion_tokens": draft.usage.completion_tokens,
        "cost_usd": round(draft.usage.cost_usd, 6),
        "seconds": round(seconds, 3),
        "status": "written",
        "decisions": draft.decisions,
    }
    manifest.record(entry, change=change, date=inputs.today.isoformat())
    if store is not None:  # every generated text becomes a draft version; approved ones stay as they were
        store.record(
            draft.doc_id,
            draft.title,
            md_path.read_text(encoding="utf-8"),
            author=f"isms ({draft.provider}, {draft.model})",
            source="generated",
            inputs_hash=draft.inputs_hash,
            note=change,
        )
    return entry
