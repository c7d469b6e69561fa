"""A real browser (Debian's chromium through playwright) drives `isms ui`: overview, review, approve."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.loading import load_inputs
from assistant.workflow import store_for
from tests.conftest import copy_example, invoke

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("ISMS_SCREENSHOTS", Path(__file__).resolve().parents[1] / "bench" / "results")
)


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


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by `make test`")
def test_approve_through_a_real_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ws = tmp_path / "kestrel"
    copy_example("kestrel-saas", ws)
    assert (
        invoke(CliRunner(), "generate", "--workspace", str(ws), "--only", "cryptography-policy").exit_code
        == 0
    )
    port = _free_port()
    isms = str(Path(sys.executable).with_name("isms"))
    server = subprocess.Popen(
        [isms, "ui", "--workspace", str(ws), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/_stcore/health")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="networkidle")
            page.get_by_text("ISMS document set").first.wait_for(timeout=30_000)
            page.get_by_text("Generate or update the document set").first.wait_for(timeout=30_000)
            page.get_by_role("link", name="Review").click()
            page.get_by_text("Decision on").first.wait_for(timeout=30_000)
            page.get_by_label("Reviewer", exact=True).last.fill("Priya Raman")
            page.get_by_label("Comment", exact=True).last.fill("Approved in the browser test")
            page.get_by_role("button", name="Approve").click()
            page.get_by_text("approved by Priya Raman").first.wait_for(timeout=30_000)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "review-approved.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    store = store_for(load_inputs(ws).workspace)
    approved = store.last_approved("cryptography-policy")
    assert approved is not None and approved.status == "approved"
    assert [(r.reviewer, r.decision) for r in store.reviews("cryptography-policy")] == [
        ("Priya Raman", "approve")
    ]
    assert (SCREENSHOTS / "review-approved.png").stat().st_size > 10_000
