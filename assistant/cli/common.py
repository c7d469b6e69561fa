"""Shared CLI plumbing: options, the console and the error-to-exit-code mapping."""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from assistant.errors import CheckFailed, InputError, IsmsError
from assistant.settings import Settings

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

WorkspaceOpt = Annotated[
    Path, typer.Option("--workspace", "-w", help="The organisation's workspace folder.", show_default=True)
]
ProfileOpt = Annotated[
    Path | None, typer.Option("--profile", help="Profile file (default: WORKSPACE/profile.yaml).")
]
RisksOpt = Annotated[
    Path | None, typer.Option("--risks", help="Risk register CSV or XLSX (default: WORKSPACE/risks.csv).")
]


def handles_errors(fn: F) -> F:
    """Turn the core's errors into one clear message and the contract's exit code; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IsmsError as exc:
            _report(exc)
            raise typer.Exit(exc.exit_code) from None
        except OSError as exc:
            # Only what the person's environment causes: a folder they may not write, a full disk. Any other
            # OSError is a bug to see with its traceback.
            mapped = environment_error(exc)
            if mapped is None:
                raise
            _report(mapped)
            raise typer.Exit(mapped.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def check_corpus_dir(settings: Settings) -> None:
    """Name the setting when the corpus folder is missing (the loader names only the sub-folder it lacks)."""
    if not settings.corpus_dir.is_dir():
        raise InputError(
            f"{settings.corpus_dir}: corpus folder not found; set ISMS_CORPUS_DIR to a folder with clauses/, "
            "controls/ and documents/ (or unset it to use the bundled corpus)"
        )


def _report(exc: IsmsError) -> None:
    label = "error" if exc.exit_code == 2 else "failed"
    err_console.print(f"[bold red]{label}:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
    for detail in exc.details:
        err_console.print(f"  - {detail}", highlight=False, soft_wrap=True, markup=False)


def environment_error(exc: OSError) -> IsmsError | None:
    """The user-facing error for an OSError the person's environment caused, or None for any other."""
    path = exc.filename if exc.filename is not None else exc.filename2
    where = str(path) if path is not None else "a file of the workspace"
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "read-only file system" if exc.errno == errno.EROFS else "permission denied"
        return InputError(
            f"{where}: {reason}; make the workspace and output folder writable, or choose others with "
            "--workspace / --out"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return CheckFailed(f"disk full while writing {where}; free some space and run the command again")
    return None
