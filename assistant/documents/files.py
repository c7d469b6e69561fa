"""Atomic file writes: a temporary file in the same folder, then a rename. A crash leaves the old file whole."""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.errors import CheckFailed, InputError

# Files about the set as a whole that sit beside its documents: decisions needed, the evidence guide.
SET_FILES = frozenset({"decisions.md", "evidence-guide.md"})


# Our temporary files carry this prefix, so a clean-up never touches a file we did not write.
TMP_PREFIX = ".isms-tmp-"
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}


class DiskError(CheckFailed):
    """A file could not be written (disk full, read-only, no permission): the run stops, nothing half-done
    is reported as written."""


def disk_error(path: Path, exc: OSError) -> DiskError:
    reason = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exhausted",
              errno.EROFS: "the file system is read-only"}.get(exc.errno or 0, exc.strerror or str(exc))  # fmt: skip
    return DiskError(
        f"{path}: could not write ({reason}); nothing was lost, free space or fix it and run again"
    )


def write_temp(folder: Path, name: str, data: bytes | str) -> Path:
    """Write data to a new temporary file of ours in `folder`, flushed to disk; the caller renames it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{TMP_PREFIX}{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno in DISK_ERRORS:
            raise disk_error(folder / name, exc) from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `path` whole or not at all: a temporary file in the same folder, then a rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in DISK_ERRORS:
            raise disk_error(path, exc) from None
        raise
    tmp = write_temp(path.parent, path.name, data)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno in DISK_ERRORS:
            raise disk_error(path, exc) from None
        if isinstance(exc, IsADirectoryError):
            raise InputError(f"{path}: a folder is in the way of a file isms writes; move it aside") from None
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
