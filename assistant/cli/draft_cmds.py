"""`isms draft DOC_ID`: draft one document (or refine one section of it) into the output folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import (
    ProfileOpt,
    RisksOpt,
    WorkspaceOpt,
    check_corpus_dir,
    console,
    err_console,
    handles_errors,
)
from assistant.cli.loading import describe_provider, load_inputs
from assistant.errors import InputError
from assistant.settings import load_settings

OutOpt = Annotated[Path | None, typer.Option("--out", help="Output folder (default: WORKSPACE/out).")]
ProviderOpt = Annotated[
    str | None, typer.Option("--provider", help="auto or a registered provider (offline, openai, ...).")
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="Model name for the openai provider.")]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint URL.")]


def draft(
    doc_id: Annotated[str, typer.Argument(help="Catalogue document id, e.g. access-control-policy.")],
    section: Annotated[
        str | None, typer.Option("--section", help="Heading (or number) of a section to refine.")
    ] = None,
    instruction: Annotated[
        str | None, typer.Option("--instruction", help="How to change that section.")
    ] = None,
    profile: ProfileOpt = None,
    risks: RisksOpt = None,
    out: OutOpt = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    stream: Annotated[
        bool, typer.Option("--stream", help="Print each section as the model writes it.")
    ] = False,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Draft one document into the output folder, or refine one of its sections with an instruction."""
    from assistant.documents.docx_export import check_template
    from assistant.documents.markdown import as_draft, read_document
    from assistant.drafting.engine import SOA_DOC, Engine
    from assistant.generation.manifest import Manifest
    from assistant.generation.outputs import write_outputs
    from assistant.generation.runner import prepare_out_dir
    from assistant.store import DocumentStore

    if (section is None) != (instruction is None):
        raise InputError("--section and --instruction go together")
    check_corpus_dir(load_settings(workspace=workspace))
    inputs = load_inputs(
        workspace, profile=profile, risks=risks, out=out, provider=provider, model=model, base_url=base_url
    )
    corpus = inputs.corpus
    if doc_id not in corpus.documents:
        raise InputError(f"unknown document id {doc_id!r}; known ids: {', '.join(sorted(corpus.documents))}")
    engine = Engine(inputs)
    check_template(inputs.settings.docx_template)
    err_console.print(describe_provider(inputs), highlight=False)
    from assistant.workspace_lock import writing

    with writing(
        inputs.workspace.state_dir, "draft", on_wait=lambda m: err_console.print(m, highlight=False)
    ):
        out_dir = inputs.workspace.out_dir
        path = out_dir / f"{doc_id}.md"
        if section is not None and not path.is_file():
            raise InputError(f"{path}: document not found; draft it first with `isms draft {doc_id}`")
        for repaired in prepare_out_dir(out_dir, [doc_id]):
            err_console.print(f"[yellow]repaired:[/] {repaired}", highlight=False)
        manifest = Manifest(out_dir)
        shown = _show if stream else None
        store = DocumentStore.for_workspace(inputs.workspace.state_dir)
        if section is not None and instruction is not None:
            current = as_draft(read_document(path))
            spec = {s.heading: s for s in corpus.documents[doc_id].sections}
            current.sections = [
                s.model_copy(
                    update={
                        "controls": list(spec[s.heading].controls),
                        "clauses": list(spec[s.heading].clauses),
                    }
                )
                if s.heading in spec
                else s
                for s in current.sections
            ]
            revised, usage = engine.redraft_section(current, section, instruction, on_text=shown)
            current.sections = [revised if s.heading == revised.heading else s for s in current.sections]
            current.provider, current.model = engine.provider, engine.model
            current.usage = usage
            change = f"Section '{revised.heading}' revised: {instruction}"
            entry = write_outputs(inputs, engine, manifest, current, change, 0.0, store)
            console.print(
                f"revised section {revised.heading!r} of {path} (version {entry['version']}); "
                f"{usage.calls} model call(s)",
                highlight=False,
            )
            return
        result = engine.draft(doc_id, on_text=shown)
        change = "Regenerated with isms draft" if path.exists() else "First draft"
        meta = write_outputs(
            inputs,
            engine,
            manifest,
            result,
            f"{change} ({result.provider}, {result.model})",
            result.seconds,
            store,
        )
        if doc_id == SOA_DOC:
            for note in engine.soa().notes:
                err_console.print(f"[yellow]note:[/] {note}", highlight=False)
        u = result.usage
        console.print(
            f"wrote {path} (version {meta['version']}, {len(result.sections)} sections) in {result.seconds:.2f}s; "
            f"{u.calls} model call(s), {u.cached_calls} cached, {u.prompt_tokens}+{u.completion_tokens} tokens, "
            f"est. ${u.cost_usd:.4f}",
            highlight=False,
        )


draft_cmd = handles_errors(draft)


def _show(piece: str) -> None:
    """Streamed section text, as it comes (no markup, no wrapping)."""
    console.print(piece, end="", markup=False, highlight=False, emoji=False, soft_wrap=True)
    console.file.flush()
