"""`isms ui`: start the Streamlit review workspace for one workspace."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.common import WorkspaceOpt, err_console, handles_errors
from assistant.errors import InputError
from assistant.inputs.workspace import Workspace
from assistant.resources import ui_dir

if TYPE_CHECKING:
    from starlette.middleware import Middleware

UI = ui_dir()  # the installed `ui` package, else the checkout's ui/
APP = UI / "app.py"  # the review workspace's pages
SERVE = UI / "serve.py"  # what `isms ui` runs: APP as an st.App behind the Host check below
ADDRESS = "127.0.0.1"
# The names a browser on this machine reaches the server by. Any other Host header is refused: a page on
# another site whose domain was re-pointed at 127.0.0.1 (DNS rebinding) still sends its own name.
HOSTS = (ADDRESS, "localhost")


def host_middleware() -> list[Middleware]:
    """For `ui/serve.py`: every HTTP request and WebSocket whose Host is not one of HOSTS gets a 400."""
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    return [Middleware(TrustedHostMiddleware, allowed_hosts=list(HOSTS), www_redirect=False)]


def streamlit_command(port: int) -> list[str]:
    """The Streamlit server `isms ui` becomes: loopback only, XSRF protection on, cross-origin requests
    refused (`server.enableCORS` is Streamlit's CORS *protection*: true means only same-origin pages),
    WebSockets only for HOSTS (`server.allowedHosts`), and every request Host-checked by SERVE."""
    hosts = [arg for host in HOSTS for arg in ("--server.allowedHosts", host)]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(SERVE),
        "--server.port",
        str(port),
        "--server.address",
        ADDRESS,
        "--server.headless",
        "true",
        "--server.enableXsrfProtection",
        "true",
        "--server.enableCORS",
        "true",
        *hosts,
        "--browser.gatherUsageStats",
        "false",
    ]


def ui(
    workspace: WorkspaceOpt = Path("."),
    port: Annotated[int, typer.Option("--port", min=1024, max=65535, help="Port on 127.0.0.1.")] = 8501,
) -> None:
    """Open the review workspace in the browser (Streamlit, on 127.0.0.1)."""
    ws = Workspace.open(workspace)
    if not ws.profile_path.exists():
        err_console.print(
            f"{ws.profile_path} does not exist yet: the Profile page asks the questionnaire of `isms init`",
            highlight=False,
        )
    if not APP.exists() or not SERVE.exists():
        raise InputError(f"{UI}: the UI is not installed with this copy")
    env = {**os.environ, "ISMS_WORKSPACE": str(ws.root), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    err_console.print(f"review workspace for {ws.root} on http://{ADDRESS}:{port}", highlight=False)
    command = streamlit_command(port)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the Streamlit server rather than wait for it as a child: stopping `isms ui` (Ctrl-C, SIGTERM
    # from a service manager or a test) then stops the server too, instead of leaving it running orphaned.
    os.execve(sys.executable, command, env)


ui_cmd = handles_errors(ui)
