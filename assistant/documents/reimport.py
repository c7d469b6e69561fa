"""An imported file as the next version of a document: the previous front matter kept (with the control fields
edited in Word read back), the minor version bumped, and for our own Word files what Word could not carry
restored from the version the file was made from."""

from __future__ import annotations

from typing import Any

import frontmatter

from assistant.documents.docx_import import WordDocument, read_docx
from assistant.documents.markdown import ANNEX_HEADING, next_version, parse_document
from assistant.documents.merge import MINE_MARK, SPLIT_MARK, THEIRS_MARK, merge3
from assistant.documents.soa_word import SOA_ID
from assistant.errors import InputError
from assistant.knowledge.loader import Corpus

EDITABLE_FIELDS = ("owner", "approver", "classification", "distribution", "effective_date", "next_review")


def imported_content(
    previous: str | None, body: str, title: str, doc_id: str, source_name: str, word: WordDocument | None
) -> str:
    """The Markdown (front matter included) of the new version. `body` is the imported Markdown body,
    `previous` the newest stored version's content (None for a first version)."""
    meta: dict[str, Any] = {"id": doc_id, "title": title}
    annex = ""
    if previous is not None:
        old = parse_document(previous, doc_id)
        meta = dict(old.meta) or meta
        _body, annex = split_annex(old.content)
    if word is not None and word.ours:
        for key in EDITABLE_FIELDS:
            value = word.fields.get(key, "").strip()
            if value and value != str(meta.get(key, "")):
                meta[key] = value
    else:
        meta["imported_from"] = source_name
    meta["version"] = (
        next_version(str(meta["version"])) if previous is not None and meta.get("version") else "0.1"
    )
    meta["status"] = "draft"
    text = body.rstrip("\n") + "\n"
    if annex and word is not None and word.ours:
        text += "\n" + annex
    return frontmatter.dumps(frontmatter.Post(text, **meta), sort_keys=False) + "\n"


def split_annex(content: str) -> tuple[str, str]:
    """A Markdown body split before its generated `## Annex: control mapping` section."""
    marker = f"## {ANNEX_HEADING}"
    lines = content.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip() == marker), None)
    if start is None:
        return content.rstrip("\n") + "\n", ""
    return "\n".join(lines[:start]).rstrip("\n") + "\n", "\n".join(lines[start:]).rstrip("\n") + "\n"


def word_body(previous: str | None, word: WordDocument, corpus: Corpus) -> str:
    """The Word file's body, with what the export loses (loose lists, link addresses, deep headings, nesting)
    restored from `previous` wherever the file left that text unedited."""
    if previous is None or not word.ours:
        return word.body
    from assistant.documents.docx_export import render_docx

    old = parse_document(previous, "previous version")
    exported, _annex = split_annex(old.content)
    base = read_docx(render_docx(old, corpus, "", []), "previous version").body
    if old.meta.get("id") == SOA_ID and _control_rows(base) != _control_rows(word.body):
        raise InputError(
            f"{SOA_ID}: the Word file's control table is a one-line summary of each control, so rows changed "
            "there cannot be imported; change rows in soa.xlsx (`isms import soa.xlsx`) or in the SoA grid of "
            "`isms ui`. Edits to the other sections import as usual."
        )
    return restore(base, exported, word.body)


def _control_rows(body: str) -> list[str]:
    return [line for line in body.splitlines() if line.startswith(("| A.", "| [A."))]


def restore(base: str, exported: str, imported: str) -> str:
    """`imported` (the edited Word file read back) with what Word could not carry taken from `exported`
    (the Markdown the file was made from); `base` is that Markdown exported and read back unedited. Where
    the Word file's edits and the export's losses touch the same lines, the Word file wins."""
    merged = merge3(base, exported, imported)
    if merged.clean:
        return merged.text
    out: list[str] = []
    keep = True
    for line in merged.text.split("\n"):
        if line in (MINE_MARK, THEIRS_MARK):
            keep = True
        elif line == SPLIT_MARK:
            keep = False
        elif keep:
            out.append(line)
    return "\n".join(out)
