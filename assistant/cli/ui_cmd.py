"""`isms ui`: start the Streamlit review workspace for one workspace."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import WorkspaceOpt, err_console, handles_errors
from assistant.errors import InputError
from assistant.inputs.workspace import Workspace

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"


def ui(
    workspace: WorkspaceOpt = Path("."),
    port: Annotated[int, typer.Option("--port", min=1024, max=65535, help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Open the review workspace in the browser (Streamlit, on 127.0.0.1)."""
    ws = Workspace.open(workspace)
    if not ws.profile_path.exists():
        raise InputError(f"{ws.profile_path}: organisation profile not found; pass --workspace")
    if not APP.exists():
        raise InputError(f"{APP}: the UI is not installed with this copy")
    env = {**os.environ, "ISMS_WORKSPACE": str(ws.root), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    err_console.print(f"review workspace for {ws.root} on http://127.0.0.1:{port}", highlight=False)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the Streamlit server rather than wait for it as a child: stopping `isms ui` (Ctrl-C, SIGTERM
    # from a service manager or a test) then stops the server too, instead of leaving it running orphaned.
    os.execve(sys.executable, command, env)


ui_cmd = handles_errors(ui)
