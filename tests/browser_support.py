"""A real browser against `isms ui`: Debian's chromium through playwright (never `playwright install`).

Shared by the browser tests and bench/ui_pages.py: start the server on a free loopback port, wait until it
answers, launch chromium with the flags this closed network needs, stop the server afterwards.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def have_chromium() -> bool:
    return Path(CHROMIUM).exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


@contextmanager
def served(workspace: Path, cwd: Path | None = None, home: Path | None = None) -> Iterator[str]:
    """`isms ui` on the workspace (started in `cwd`, with `home` as HOME); yields its base address."""
    port = _free_port()
    isms = str(Path(sys.executable).with_name("isms"))
    server = subprocess.Popen(
        [isms, "ui", "--workspace", str(workspace), "--port", str(port)],
        cwd=cwd,
        env={**os.environ, **({"HOME": str(home)} if home is not None else {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/_stcore/health")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def settled(page: Any, timeout: float = 60_000) -> None:
    """Wait until the app's script run is over (Streamlit marks the app element while it runs)."""
    page.wait_for_selector("[data-test-script-state='notRunning']", state="attached", timeout=timeout)
