"""Shared CLI plumbing: options, the console and the error-to-exit-code mapping."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from assistant.errors import IsmsError

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
            label = "error" if exc.exit_code == 2 else "failed"
            err_console.print(f"[bold red]{label}:[/] {exc.message}", highlight=False, soft_wrap=True)
            for detail in exc.details:
                err_console.print(f"  - {detail}", highlight=False, soft_wrap=True, markup=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]
