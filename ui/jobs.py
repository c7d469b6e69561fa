"""Long-running work for the review workspace, kept off Streamlit's script thread.

`Generator.run` reports progress through `on_change` from its drafting worker threads, which have no
Streamlit session: calling `st` there fails with `NoSessionContext`. A GenerateJob runs the generator in
a background thread whose callbacks only put copies of the results on a queue; the page (the script
thread) drains the queue and is the only one to touch Streamlit.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from pathlib import Path

from assistant.drafting.engine import Engine, Inputs
from assistant.errors import InputError, IsmsError
from assistant.generation.runner import DocResult, Generator, RunReport, prepare_out_dir

RUNNING = ("queued", "drafting")  # any other state is a document's last: written, unchanged, failed, ...

# The runs going on in this server process, by output folder. The workspace lock is re-entrant within a
# process, so it would not keep a second browser window from starting a second run into the same folder.
_running: dict[str, GenerateJob] = {}
_running_guard = threading.Lock()


class GenerateJob:
    """One `Generate or update the document set` run: started once, drained by the page until finished."""

    def __init__(self, data: Inputs, engine: Engine, ids: list[str]) -> None:
        self.data, self.engine, self.ids = data, engine, list(ids)
        self.results: dict[str, DocResult] = {d: DocResult(d) for d in ids}
        self.report: RunReport | None = None
        self.error: str | None = None  # an IsmsError: shown with st.error, never a traceback
        self.crash: BaseException | None = None  # anything else: re-raised on the script thread
        self.finished = False
        self.started = time.monotonic()
        self.repaired: list[str] = []
        self._events: queue.Queue[tuple[str, object]] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="ui-generate", daemon=True)

    def start(self) -> GenerateJob:
        """Start the run; refused while another run into the same output folder is going on."""
        key = str(self.data.workspace.out_dir.resolve())
        with _running_guard:
            other = _running.get(key)
            if other is not None and other._thread.is_alive():
                raise InputError(
                    "the document set is being generated already (started in another window); "
                    "wait for it to finish"
                )
            _running[key] = self
            self._thread.start()
        return self

    def _release(self) -> None:
        key = str(self.data.workspace.out_dir.resolve())
        with _running_guard:
            if _running.get(key) is self:
                del _running[key]

    @property
    def running(self) -> bool:
        return not self.finished

    def _changed(self, result: DocResult) -> None:
        """Generator's on_change, called from worker threads: a copy onto the queue, nothing else."""
        self._events.put(("doc", dataclasses.replace(result)))

    def _work(self) -> None:
        from assistant.workspace_lock import writing

        outcome: tuple[str, object] = ("error", "generation stopped without a result")
        try:
            ws = self.data.workspace
            with writing(ws.state_dir, "ui generate"):
                repaired = prepare_out_dir(ws.out_dir, self.ids)
                repaired += _after_unfinished_run(ws.out_dir, ws.state_dir)
                if repaired:
                    self._events.put(("repaired", repaired))
                report = Generator(self.data, self.engine, on_change=self._changed).run(self.ids)
            outcome = ("done", report)
        except IsmsError as exc:
            outcome = ("error", str(exc))
        except BaseException as exc:  # handed to the script thread, which raises it
            outcome = ("crash", exc)
        finally:
            self._release()
            self._events.put(outcome)

    def drain(self, timeout: float = 0.25) -> bool:
        """Apply what the run reported since the last call (waiting up to `timeout` for the first event);
        True when anything changed. Call from the script thread only."""
        changed = False
        wait: float | None = timeout
        while not self.finished:
            try:
                kind, payload = self._events.get(timeout=wait) if wait else self._events.get_nowait()
            except queue.Empty:
                break
            wait = None
            changed = True
            if kind == "doc":
                assert isinstance(payload, DocResult)
                self.results[payload.id] = payload
            elif kind == "repaired":
                self.repaired += list(payload)  # type: ignore[call-overload]
            elif kind == "done":
                assert isinstance(payload, RunReport)
                self.report = payload
                self.results.update({k: dataclasses.replace(v) for k, v in payload.results.items()})
                self.finished = True
            elif kind == "error":
                self.error, self.finished = str(payload), True
            else:
                assert isinstance(payload, BaseException)
                self.crash, self.finished = payload, True
        return changed

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def done_count(self) -> int:
        return sum(1 for r in self.results.values() if r.status not in RUNNING)

    @property
    def fraction(self) -> float:
        return self.done_count / len(self.ids) if self.ids else 1.0

    def rows(self) -> list[dict[str, str]]:
        """The progress table, as `isms generate` shows it (text cells: blank until known)."""
        return [
            {
                "document": r.id,
                "state": r.status,
                "version": r.version,
                "tokens": str(r.prompt_tokens + r.completion_tokens or ""),
                "seconds": f"{r.seconds:.2f}" if r.seconds else "",
            }
            for r in self.results.values()
        ]


def _after_unfinished_run(out_dir: Path, state_dir: Path) -> list[str]:
    """As `isms generate` does: when the previous run never finished, check files, manifest and store."""
    from assistant.generation.manifest import Manifest

    if not Manifest(out_dir).unfinished:
        return []
    from assistant.generation.doctor import check_workspace
    from assistant.store import DocumentStore

    return check_workspace(out_dir, DocumentStore.for_workspace(state_dir), repair=True).repaired
