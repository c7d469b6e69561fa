"""`isms ui` serves on 127.0.0.1 only, with XSRF protection and cross-origin protection on, and refuses every
request whose Host header is not the address it serves (DNS rebinding)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocket
from streamlit.web.server.app_discovery import discover_asgi_app
from typer.testing import CliRunner

from assistant.cli import ui_cmd
from tests.conftest import copy_example, invoke

FOREIGN = ["evil.example", "evil.example:8501", "127.0.0.1.evil.example", "attacker.localhost.example:80"]


def _options(command: list[str]) -> dict[str, list[str]]:
    """`--name value` pairs of a command line, every value of a repeated option kept."""
    options: dict[str, list[str]] = {}
    for name, value in zip(command, command[1:], strict=False):
        if name.startswith("--"):
            options.setdefault(name, []).append(value)
    return options


def test_the_streamlit_command_is_loopback_xsrf_cors_and_host_limited() -> None:
    command = ui_cmd.streamlit_command(8765)
    assert command[:5] == [sys.executable, "-m", "streamlit", "run", str(ui_cmd.SERVE)]
    options = _options(command)
    assert options["--server.address"] == ["127.0.0.1"]
    assert options["--server.port"] == ["8765"]
    assert options["--server.enableXsrfProtection"] == ["true"]
    # Streamlit's enableCORS is its cross-origin *protection*: false would send
    # `Access-Control-Allow-Origin: *` and take WebSockets from any page.
    assert options["--server.enableCORS"] == ["true"]
    assert options["--server.allowedHosts"] == ["127.0.0.1", "localhost"]
    assert options["--server.headless"] == ["true"]
    assert not any(a.startswith("--server.address=") or a == "0.0.0.0" for a in command)  # noqa: S104


def test_isms_ui_execs_that_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(ui_cmd.os, "execve", lambda path, args, env: calls.append((path, args, env)))
    result = invoke(CliRunner(), "ui", "--workspace", str(ws), "--port", "8766")
    assert result.exit_code == 0, result.output
    [(path, args, env)] = calls
    assert path == sys.executable and args == ui_cmd.streamlit_command(8766)
    assert env["ISMS_WORKSPACE"] == str(ws.resolve())


def test_serve_py_runs_as_an_st_app() -> None:
    """`streamlit run ui/serve.py` finds the st.App (and so its Host middleware) without running it."""
    found = discover_asgi_app(ui_cmd.SERVE)
    assert found.is_asgi_app and found.import_string == "serve:app"
    assert ui_cmd.APP.exists()


def _guarded() -> TestClient:
    async def page(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("workspace")

    async def stream(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("workspace")
        await websocket.close()

    app = Starlette(
        routes=[Route("/", page), WebSocketRoute("/_stcore/stream", stream)],
        middleware=ui_cmd.host_middleware(),
    )
    return TestClient(app, base_url="http://127.0.0.1:8501")


@pytest.mark.parametrize("host", ["127.0.0.1:8501", "127.0.0.1", "localhost:8501", "LOCALHOST"])
def test_the_host_check_lets_the_served_address_through(host: str) -> None:
    client = _guarded()
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 200 and response.text == "workspace"
    with client.websocket_connect("/_stcore/stream", headers={"Host": host}) as socket_:
        assert socket_.receive_text() == "workspace"


@pytest.mark.parametrize("host", FOREIGN)
def test_the_host_check_refuses_any_other_host(host: str) -> None:
    client = _guarded()
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 400 and "workspace" not in response.text
    with pytest.raises(WebSocketDenialResponse) as refused:
        with client.websocket_connect("/_stcore/stream", headers={"Host": host}):
            pass
    assert refused.value.status_code == 400


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(port: int, path: str, host: str, extra: str = "") -> str:
    """The status line and headers the server sends back for a GET with this Host header."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        close = "" if "Upgrade:" in extra else "Connection: close\r\n"
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}{close}\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


UPGRADE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: streamlit\r\n"
)


def _wait(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if " 200 " in _request(port, "/_stcore/health", f"127.0.0.1:{port}").split("\r\n")[0]:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(port)


def test_the_running_server_refuses_foreign_hosts(tmp_path: Path) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    port = _free_port()
    isms = str(Path(sys.executable).with_name("isms"))
    server = subprocess.Popen(
        [isms, "ui", "--workspace", str(ws), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        _wait(port)
        own = _request(port, "/_stcore/health", f"127.0.0.1:{port}", "Origin: http://evil.example\r\n")
        assert own.startswith("HTTP/1.1 200")
        assert "set-cookie: _streamlit_xsrf=" in own.lower()  # XSRF protection is on
        assert "access-control-allow-origin" not in own.lower()  # and no other site may read responses
        assert _request(port, "/", f"localhost:{port}").startswith("HTTP/1.1 200")
        assert _request(port, "/_stcore/stream", f"127.0.0.1:{port}", UPGRADE).startswith("HTTP/1.1 101")
        for host in ["evil.example", f"evil.example:{port}"]:
            for path in ["/", "/_stcore/health", "/_stcore/host-config"]:
                assert _request(port, path, host).startswith("HTTP/1.1 400"), (host, path)
            assert _request(port, "/_stcore/stream", host, UPGRADE).startswith("HTTP/1.1 400"), host
        evil_page = UPGRADE + "Origin: http://evil.example\r\n"
        cross = _request(port, "/_stcore/stream", f"127.0.0.1:{port}", evil_page)
        assert cross.startswith("HTTP/1.1 403")  # a page on another origin gets no WebSocket
    finally:
        server.terminate()
        server.wait(timeout=30)
