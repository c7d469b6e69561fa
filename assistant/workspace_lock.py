"""One writer per workspace: generate, draft, import, index build and the review workspace's writes hold
`.isms/lock`; a second writer waits for it (with a message) and then gives up naming the holder."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.errors import InputError

DEFAULT_WAIT_SECONDS = 30.0


def _wait_seconds() -> float:
    raw = os.environ.get("ISMS_LOCK_WAIT", "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_WAIT_SECONDS
    except ValueError:
        raise InputError(f"ISMS_LOCK_WAIT: expected a number of seconds, found {raw!r}") from None


def holder(state_dir: Path) -> str:
    try:
        info = json.loads((state_dir / "lock.json").read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(float(info["since"])))
        return f"`isms {info['command']}` (process {info['pid']} on {info['host']}, since {since})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another isms process"


_held: dict[str, int] = {}  # lock files this process holds, with how many blocks hold each (re-entrant)
_guard = threading.Lock()


@contextmanager
def writing(state_dir: Path, command: str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the workspace's write lock for the block (re-entrant within one process)."""
    _wait_seconds()  # a bad ISMS_LOCK_WAIT is reported whether or not anyone holds the lock
    key = str(state_dir.resolve() / "lock")
    with _guard:
        if _held.get(key):
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _guard:
                _held[key] -= 1
        return
    with _exclusive(state_dir, command, on_wait):
        with _guard:
            _held[key] = 1
        try:
            yield
        finally:
            with _guard:
                _held.pop(key, None)


@contextmanager
def _exclusive(state_dir: Path, command: str, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{state_dir}: cannot create the workspace state folder ({exc.strerror})") from None
    lock = FileLock(str(state_dir / "lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        wait = _wait_seconds()
        who = holder(state_dir)
        if wait > 0:
            if on_wait is not None:
                on_wait(f"{who} is writing this workspace; waiting up to {wait:.0f} s")
            try:
                lock.acquire(timeout=wait)
            except Timeout:
                raise InputError(
                    f"{state_dir.parent}: {who} is still writing this workspace; run again when it has "
                    "finished (or stop it)"
                ) from None
        else:
            raise InputError(
                f"{state_dir.parent}: {who} is writing this workspace; run again when it has finished"
            ) from None
    except OSError as exc:
        raise InputError(f"{state_dir / 'lock'}: cannot take the workspace lock ({exc.strerror})") from None
    info = state_dir / "lock.json"
    try:
        info.write_text(
            json.dumps(
                {"pid": os.getpid(), "command": command, "host": socket.gethostname(), "since": time.time()}
            ),
            encoding="utf-8",
        )
        yield
    finally:
        info.unlink(missing_ok=True)
        lock.release()
