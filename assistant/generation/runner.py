"""Generate the whole document set with bounded concurrency; skip what has not changed; never lose work.

Every file is written atomically and recorded in the manifest as soon as its document is done, so after
Ctrl-C or kill -9 a re-run keeps every finished document (its inputs hash matches) and completes the rest.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter

from assistant.documents.files import TMP_PREFIX, DiskError
from assistant.drafting.budget import BudgetReached
from assistant.drafting.engine import SOA_DOC, Engine, Inputs
from assistant.drafting.models import Usage
from assistant.errors import InputError, IsmsError
from assistant.generation.decisions import write_decisions
from assistant.generation.manifest import Manifest
from assistant.generation.outputs import output_paths, write_outputs
from assistant.ids import DOCUMENT_ID


@dataclass
class DocResult:
    id: str
    status: str = "queued"  # queued | drafting | written | unchanged | failed
    version: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0
    seconds: float = 0.0
    reason: str = ""


@dataclass
class RunReport:
    results: dict[str, DocResult]
    seconds: float = 0.0
    warmup_seconds: float = 0.0  # loading the model client and planning, before the first request
    drafting_seconds: float = 0.0  # from the first request to the last document written
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)
    stopped: str = ""  # why the run stopped early (its --max-cost), when it did
    usage: Usage | None = None  # every answer of the run (failed documents' too), when a model was asked

    def totals(self) -> tuple[int, int, int, float]:
        """Model calls, prompt and completion tokens, and cost of the whole run."""
        if self.usage is not None:
            u = self.usage
            return u.calls, u.prompt_tokens, u.completion_tokens, u.cost_usd
        results = self.results.values()
        return (
            sum(r.calls for r in results),
            sum(r.prompt_tokens for r in results),
            sum(r.completion_tokens for r in results),
            sum(r.cost_usd for r in results),
        )

    def count(self, status: str) -> int:
        return sum(1 for r in self.results.values() if r.status == status)

    @property
    def failed(self) -> list[DocResult]:
        return [r for r in self.results.values() if r.status == "failed"]


def select_documents(inputs: Inputs, only: str | None) -> list[str]:
    """The catalogue in a stable order (mandatory first), or the validated `--only` subset."""
    catalogue = sorted(inputs.corpus.documents.values(), key=lambda d: (not d.mandatory, d.id))
    ids = [d.id for d in catalogue]
    if not only:
        return ids
    wanted = [part.strip() for part in only.split(",") if part.strip()]
    if not wanted:
        raise InputError("--only is empty; give catalogue ids separated by commas")
    escaping = [w for w in wanted if "/" in w or "\\" in w or ".." in w]
    if escaping:
        raise InputError(
            f"--only ids must be catalogue slugs; {', '.join(escaping)} would leave the output folder"
        )
    unknown = [w for w in wanted if w not in ids or not DOCUMENT_ID.match(w)]
    if unknown:
        raise InputError(
            f"--only names unknown document id(s): {', '.join(unknown)}",
            details=[f"known ids: {', '.join(ids)}"],
        )
    return [i for i in ids if i in wanted]


def prepare_out_dir(out_dir: Path, doc_ids: list[str] | None = None, force: bool = False) -> list[str]:
    """Fail before any drafting if the output folder cannot be written or holds files isms did not write;
    finish what an interrupted run left half-done. Returns what was repaired."""
    from assistant.generation.journal import recover
    from assistant.generation.ownership import claim_out_dir

    claim_out_dir(out_dir, doc_ids or [], force)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out_dir, prefix=f"{TMP_PREFIX}write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{out_dir}: the output folder is not writable ({exc.strerror or exc})") from None
    return recover(out_dir, Manifest(out_dir))


def is_unchanged(inputs: Inputs, engine: Engine, doc_id: str) -> str | None:
    """The existing version when every output file is present and was built from the same inputs."""
    paths = output_paths(inputs.workspace.out_dir, doc_id)
    if not all(p.exists() for p in paths):
        return None
    try:
        meta = frontmatter.load(str(paths[0])).metadata
    except Exception:  # a damaged file is regenerated, never trusted
        return None
    if meta.get("inputs_hash") != engine.inputs_hash(doc_id):
        return None
    return str(meta.get("version", ""))


class Generator:
    def __init__(
        self,
        inputs: Inputs,
        engine: Engine,
        *,
        force: bool = False,
        on_change: Callable[[DocResult], None] | None = None,
    ) -> None:
        self.inputs = inputs
        self.engine = engine
        self.force = force
        self.on_change = on_change or (lambda _r: None)
        self.manifest = Manifest(inputs.workspace.out_dir)
        self._store: Any = None
        self._store_lock = threading.Lock()
        self._stop = threading.Event()
        self.budget_note = ""  # why the run stopped at its --max-cost, when it did

    def store(self) -> Any:
        """The version store, opened when the first document is written (an unchanged run needs none)."""
        with self._store_lock:
            if self._store is None:
                from assistant.store import DocumentStore

                self._store = DocumentStore.for_workspace(self.inputs.workspace.state_dir)
            return self._store

    def run(self, doc_ids: list[str]) -> RunReport:
        started = time.perf_counter()
        results = {d: DocResult(d) for d in doc_ids}
        report = RunReport(results)
        self.manifest.start(self.inputs.today.isoformat())
        todo = []
        for doc_id in doc_ids:
            version = None if self.force else is_unchanged(self.inputs, self.engine, doc_id)
            if version is not None:
                results[doc_id].status, results[doc_id].version = "unchanged", version
                self.manifest.record({"id": doc_id, "status": "unchanged"}, save=False)
                self.on_change(results[doc_id])
            else:
                todo.append(doc_id)
        # The SoA drives several batches of model calls: start it first so it is not the long tail.
        todo.sort(key=lambda d: d != SOA_DOC)
        if todo:
            self._warm(todo)
        report.warmup_seconds = time.perf_counter() - started
        # Documents wait here for their sections (drafted on the writer's one request pool) and then write
        # their files, off the request path.
        workers = max(1, self.inputs.settings.concurrency)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="document")
        try:
            futures = {pool.submit(self._one, results[d]): d for d in todo}
            for future in as_completed(futures):
                future.result()
        except KeyboardInterrupt:
            self._stop.set()
            report.interrupted = True
            self.engine.close()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if self.budget_note:
                for result in results.values():
                    if result.status == "queued":
                        result.status, result.reason = (
                            "failed",
                            "not drafted: the run stopped at its --max-cost",
                        )
                report.stopped = self.budget_note
            report.usage = self.engine.spent()
            report.seconds = time.perf_counter() - started
            report.drafting_seconds = report.seconds - report.warmup_seconds
            if SOA_DOC in todo and self.engine.soa_ready:
                report.notes = list(self.engine.soa().notes)
            self.manifest.finish(self._run_summary(report))
            self.engine.save_caches()
            inputs = self.inputs
            if SOA_DOC in todo and self.engine.soa_ready:
                from assistant.documents.files import numpy_hidden

                with numpy_hidden():  # openpyxl: loaded when needed, without numpy
                    from assistant.generation.evidence_guide import write_evidence_guide

                write_evidence_guide(
                    inputs.workspace.out_dir,
                    self.engine.soa(),
                    inputs.corpus,
                    inputs.profile.identity.name,
                    self.engine.known_text,
                    classification=inputs.profile.document_control.classification,
                )
            write_decisions(
                inputs.workspace.out_dir,
                {d.id: d.title for d in inputs.corpus.documents.values()},
                inputs.profile.identity.name,
            )
        return report

    def _warm(self, todo: list[str]) -> None:
        """Everything the first requests and the first written document would otherwise wait for: the
        writer's client and checkers, each section's plan, the version store and the Word and Excel code."""
        from assistant.generation.outputs import load_renderers

        self.engine.warm(todo)
        load_renderers()
        self.store()

    def _one(self, result: DocResult) -> None:
        if self._stop.is_set():
            return
        started = time.perf_counter()
        result.status = "drafting"
        self.on_change(result)
        try:
            existed = (self.inputs.workspace.out_dir / f"{result.id}.md").exists()
            draft = self.engine.draft(result.id)
            change = ("Regenerated: inputs changed" if existed else "First draft") + (
                f" ({draft.provider}, {draft.model})"
            )
            if draft.carried_from:
                names = ", ".join(Path(f).name for f in draft.carried_from)
                change += f"; rules carried over from {names}"
            entry = write_outputs(
                self.inputs,
                self.engine,
                self.manifest,
                draft,
                change,
                time.perf_counter() - started,
                self.store(),
                force=self.force,
            )
            if entry["status"] == "needs_merge":
                result.status, result.reason = "needs merge", entry["reason"]
                return
            result.status, result.version = "written", entry["version"]
            result.prompt_tokens, result.completion_tokens = (
                draft.usage.prompt_tokens,
                draft.usage.completion_tokens,
            )
            result.cost_usd, result.calls = draft.usage.cost_usd, draft.usage.calls
        except BudgetReached as exc:  # --max-cost: no further request is sent; finished documents stay
            self._stop.set()
            self.budget_note = exc.message
            result.status, result.reason = "failed", exc.message
            self.manifest.record({"id": result.id, "status": "failed", "reason": exc.message})
        except IsmsError as exc:
            # Configuration problems (a rejected key) and a full or read-only disk stop the run.
            if exc.exit_code == 2 or isinstance(exc, DiskError):
                self._stop.set()
                raise
            result.status, result.reason = "failed", str(exc)
            self.manifest.record({"id": result.id, "status": "failed", "reason": exc.message})
        finally:
            result.seconds = time.perf_counter() - started
            self.on_change(result)

    def _run_summary(self, report: RunReport) -> dict[str, object]:
        calls, prompt, completion, cost = report.totals()
        return {
            "provider": self.engine.provider,
            "model": self.engine.model,
            "date": self.inputs.today.isoformat(),
            "written": report.count("written"),
            "unchanged": report.count("unchanged"),
            "failed": report.count("failed"),
            "seconds": round(report.seconds, 3),
            "warmup_seconds": round(report.warmup_seconds, 3),
            "drafting_seconds": round(report.drafting_seconds, 3),
            "calls": calls,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cost_usd": round(cost, 6),
            "interrupted": report.interrupted,
        }
