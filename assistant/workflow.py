"""The review workflow as the UI and the CLI use it: the store plus the files in the output folder."""

from __future__ import annotations

from pathlib import Path

import frontmatter

from assistant.errors import InputError
from assistant.index.ingest import Skip
from assistant.index.ingest import read_document as read_source
from assistant.inputs.profile import Profile
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.store import DocumentStore, StaleEdit
from assistant.store.service import Version


class MergeConflict(StaleEdit):
    """An edit of an older version that conflicts with what was saved since: `merged` holds both sides,
    marked, for the editor to resolve; nothing was saved."""

    def __init__(self, message: str, latest: Version, merged: str, conflicts: int) -> None:
        super().__init__(
            f"{message} Both changed the same lines in {conflicts} place(s): resolve them in the merged text "
            "(between the <<<<<<< and >>>>>>> lines) and save.",
            latest,
        )
        self.merged = merged
        self.conflicts = conflicts


def _writing(ws: Workspace, what: str):  # type: ignore[no-untyped-def]
    from assistant.workspace_lock import writing

    return writing(ws.state_dir, what)


def store_for(ws: Workspace) -> DocumentStore:
    return DocumentStore.for_workspace(ws.state_dir)


def publish(
    ws: Workspace, corpus: Corpus, profile: Profile, version: Version, status: str | None = None
) -> Path:
    """Write a version to out/<doc>.md (and .docx) so the files show what the store holds."""
    with _writing(ws, "ui publish"):
        from assistant.documents.docx_layout import organisation_country
        from assistant.generation.manifest import Manifest
        from assistant.generation.outputs import publish_text
        from assistant.settings import load_settings

        template = load_settings(workspace=ws.root).docx_template  # the organisation's Word template, if any
        content = version.content
        if status is not None:
            post = frontmatter.loads(content)
            post["status"] = status
            content = frontmatter.dumps(post, sort_keys=False) + "\n"
        entry = {"id": version.document_id, "version": version.label, "word_key": ""}
        publish_text(
            ws.out_dir, corpus, profile.identity.legal_name, version.document_id, content, store_for(ws),
            Manifest(ws.out_dir), entry, template=template, country=organisation_country(profile),
        )  # fmt: skip
        return ws.out_dir / f"{version.document_id}.md"


def approve(
    ws: Workspace,
    corpus: Corpus,
    profile: Profile,
    version_id: int,
    reviewer: str,
    comment: str = "",
    *,
    override: bool = False,
) -> Version:
    """Approve through the core's checks (the profile's approvers; an open change request is resolved first
    or overridden with a comment); the output file then says approved."""
    with _writing(ws, "ui approve"):
        store = store_for(ws)
        approved = store.review(
            version_id,
            reviewer=reviewer,
            decision="approve",
            comment=comment,
            approvers=profile.roles.approvers,
            override=override,
        )
        latest = store.latest(approved.document_id)
        if latest is not None and latest.id == approved.id:
            publish(ws, corpus, profile, approved, status="approved")
        return approved


def approve_many(
    ws: Workspace, corpus: Corpus, profile: Profile, version_ids: list[int], reviewer: str, comment: str
) -> list[tuple[int, Version | None, str]]:
    """Approve several versions with one comment, each through `approve` (its own review, audit entry and
    published file). A refusal does not stop the rest: per version, (id, the approved version or None,
    "approved" or the refusal's message). The comment is required: it says what was reviewed."""
    from assistant.errors import IsmsError

    if not comment.strip():
        raise InputError("approving several documents at once needs a comment saying what was reviewed")
    if not version_ids:
        raise InputError("choose at least one version to approve")
    results: list[tuple[int, Version | None, str]] = []
    with _writing(ws, "ui approve"):
        for version_id in dict.fromkeys(version_ids):  # each once, in the order given
            try:
                approved = approve(ws, corpus, profile, version_id, reviewer, comment)
            except IsmsError as exc:
                results.append((version_id, None, exc.message))
            else:
                results.append((version_id, approved, "approved"))
    return results


def edit(
    ws: Workspace,
    corpus: Corpus,
    profile: Profile,
    doc_id: str,
    content: str,
    author: str,
    base_version_id: int,
) -> Version:
    """Save an edit as a new draft version and publish it to the output folder. When someone saved in between,
    the edit is merged three ways (the version it started from, theirs, this one): a clean merge is saved;
    a conflicting one is refused with the merged text and its conflicts marked (MergeConflict), nothing saved.
    """
    from assistant.documents.merge import has_markers, merge3

    with _writing(ws, "ui edit"):
        try:
            frontmatter.loads(content)
        except Exception as exc:
            raise InputError(
                f"the front matter of the edited text is not valid YAML ({exc.__class__.__name__})"
            ) from None
        if has_markers(content):
            raise InputError("the text still holds merge conflict markers; resolve each conflict first")
        store = store_for(ws)
        try:
            version = store.save_edit(doc_id, content, author=author, base_version_id=base_version_id)
        except StaleEdit as exc:
            merged = merge3(store.get(base_version_id).content, exc.latest.content, content)
            if not merged.clean:
                raise MergeConflict(exc.message, exc.latest, merged.text, len(merged.conflicts)) from None
            version = store.save_edit(
                doc_id, merged.text, author=author, base_version_id=exc.latest.id,
                note=f"merged with version {exc.latest.number} by {exc.latest.author}",
            )  # fmt: skip
        publish(ws, corpus, profile, version)
        return version


def import_existing(
    ws: Workspace,
    corpus: Corpus,
    source: Path,
    doc_id: str,
    author: str,
    *,
    profile: Profile | None = None,
) -> Version:
    """Bring an existing Word/Markdown/PDF policy into the versioning flow as the next version of `doc_id`:
    the previous version's front matter kept (owner, classification and review dates edited in one of our
    Word files read back), the minor version bumped; published to out/ when `profile` is given."""
    from assistant.documents.docx_import import WordDocument, read_docx
    from assistant.documents.reimport import imported_content, word_body

    with _writing(ws, "import"):
        if doc_id not in corpus.documents:
            raise InputError(f"unknown document id {doc_id!r}")
        try:
            parsed = read_source(source, source.name, ws.root)
        except Skip as reason:
            raise InputError(f"{source}: cannot import: {reason}") from None
        spec = corpus.documents[doc_id]
        store = store_for(ws)
        previous = store.latest(doc_id)
        word: WordDocument | None = None
        if source.suffix.lower() == ".docx":
            word = read_docx(source.read_bytes(), str(source))
            body = word_body(previous.content if previous else None, word, corpus)
            if not word.ours:
                body = "\n\n".join([f"# {spec.title}", body.removeprefix(f"# {word.title}\n").strip()])
        else:
            sections = [f"## {s.heading or parsed.title}\n\n{s.text}" for s in parsed.sections]
            body = "\n\n".join([f"# {spec.title}", *sections])
        content = imported_content(
            previous.content if previous else None, body, spec.title, doc_id, source.name, word
        )
        version = store.record(
            doc_id, spec.title, content, author=author, source="imported", note=f"imported from {source.name}"
        )
        if profile is not None:
            publish(ws, corpus, profile, version)
        return version
