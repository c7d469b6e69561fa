"""Atomic file writes: a temporary file in the same folder, then a rename. A crash leaves the old file whole."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Files about the set as a whole that sit beside its documents: decisions needed, the evidence guide.
SET_FILES = frozenset({"decisions.md", "evidence-guide.md"})


def write_atomic(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fingerprint(*folders: Path) -> list[list[Any]]:
    """Names, sizes and modification times of every file under the folders: what a cached result rests on."""
    found: list[list[Any]] = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    stat = path.stat()
                    found.append([str(path), stat.st_size, stat.st_mtime_ns])
    return found


@contextmanager
def numpy_hidden() -> Iterator[None]:
    """Import openpyxl inside this block: it loads numpy (a quarter of a second, a twentieth of a whole
    generation run) only to recognise numpy numbers, which we never write. A process that already has
    numpy is left as it is, and numpy imports normally after the block."""
    if "numpy" in sys.modules:
        yield
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "numpy" in sys.modules and sys.modules["numpy"] is None:
            del sys.modules["numpy"]
