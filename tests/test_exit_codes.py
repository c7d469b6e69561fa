"""Exit codes of the commands that call a model or read configuration (issue 14): 2 with a message naming the
setting, file or folder to fix; 1 for a failed step; never a traceback. And a dishonest model: SoA
justifications pass the same checks as sections, are re-asked once, then replaced by the offline row."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.common import handles_errors
from assistant.cli.loading import load_inputs
from assistant.drafting.engine import Engine
from assistant.drafting.llm import ProviderAuthError
from assistant.drafting.models import SoaRowDraft
from assistant.drafting.prompts import PromptFileError, load_prompt
from assistant.drafting.soa import RowChecker
from assistant.settings import REPO_ROOT
from tests.conftest import copy_example, invoke
from tests.openai_server import FakeOpenAI

KEY = "sk-test-rejected-key-0000000000"
DOC = "cryptography-policy"
SOA = "statement-of-applicability"


class RejectingOpenAI(FakeOpenAI):
    """An endpoint that refuses the key on every request, chat and embeddings alike (HTTP 401)."""

    def _handler(self) -> Any:
        base: Any = super()._handler()
        fake = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with fake._lock:
                    fake.chat_requests.append({"path": self.path})
                self._json(
                    401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
                )

        return Handler


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return copy_example("kestrel-saas", tmp_path / "kestrel")


@pytest.fixture
def rejecting(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ISMS_MAX_RETRIES", "0")
    with RejectingOpenAI() as fake:
        yield fake


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key-000000")
    monkeypatch.setenv("ISMS_MAX_RETRIES", "0")
    monkeypatch.setenv("ISMS_CONCURRENCY", "1")  # scripted replies meet requests in a known order
    with FakeOpenAI() as fake:
        yield fake


def _clean(result: Any, code: int, *named: str) -> str:
    """The exit code is `code`, the output names each of `named`, and no traceback or key is shown."""
    out = result.output.replace("\n", " ")
    out = " ".join(out.split())
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert KEY not in result.output
    for name in named:
        assert name in out, (name, result.output)
    return out


# -- 1. a rejected or missing API key: exit 2 from every command that calls a model ---------------------------


@pytest.mark.parametrize("doc", [DOC, SOA])
def test_draft_rejected_key_is_exit_2(runner: CliRunner, ws: Path, rejecting: FakeOpenAI, doc: str) -> None:
    result = invoke(
        runner, "draft", doc, "--provider", "openai", "--base-url", rejecting.base_url, "--workspace", str(ws)
    )
    _clean(
        result,
        2,
        "rejected the API key",
        "OPENAI_API_KEY",
        "ISMS_API_KEY",
        rejecting.base_url,
        "ISMS_BASE_URL",
    )
    assert rejecting.chat_requests  # the endpoint was asked, and said no
    assert not (ws / "out" / f"{doc}.md").exists()


def test_draft_rejected_key_with_parallel_sections_is_exit_2(
    runner: CliRunner, ws: Path, rejecting: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISMS_CONCURRENCY", "8")
    result = invoke(
        runner, "draft", DOC, "--provider", "openai", "--base-url", rejecting.base_url, "--workspace", str(ws)
    )
    _clean(result, 2, "rejected the API key", "OPENAI_API_KEY")


def test_generate_rejected_key_is_exit_2(runner: CliRunner, ws: Path, rejecting: FakeOpenAI) -> None:
    result = invoke(
        runner,
        "generate",
        "--only",
        DOC,
        "--provider",
        "openai",
        "--base-url",
        rejecting.base_url,
        "--workspace",
        str(ws),
    )
    _clean(result, 2, "rejected the API key", "OPENAI_API_KEY")


def test_index_build_rejected_key_is_exit_2(
    runner: CliRunner, ws: Path, rejecting: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index embeds locally, unless the openai provider is in use (a key alone selects it): then the
    embeddings endpoint is called, and its 401 is a configuration problem like the chat model's."""
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")  # the index embeds offline unless told so
    monkeypatch.setenv("ISMS_BASE_URL", rejecting.base_url)
    result = invoke(runner, "index", "build", "--workspace", str(ws))
    _clean(
        result, 2, "embeddings endpoint", "rejected the API key", "OPENAI_API_KEY", "ISMS_PROVIDER=offline"
    )
    assert any(r["path"].endswith("/embeddings") for r in rejecting.chat_requests)


def test_search_rejected_key_is_exit_2(runner: CliRunner, ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")  # the index embeds offline unless told so
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-loopback-key-000000")
    with FakeOpenAI() as good:
        monkeypatch.setenv("ISMS_BASE_URL", good.base_url)
        assert invoke(runner, "index", "build", "--workspace", str(ws)).exit_code == 0
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ISMS_MAX_RETRIES", "0")
    with RejectingOpenAI() as bad:
        monkeypatch.setenv("ISMS_BASE_URL", bad.base_url)
        result = invoke(runner, "search", "a query never embedded before", "--workspace", str(ws))
    _clean(result, 2, "rejected the API key", "OPENAI_API_KEY")


def test_missing_key_is_exit_2_before_any_request(
    runner: CliRunner, ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--provider openai with neither a key nor a base URL can only be refused by api.openai.com."""
    monkeypatch.setenv("ISMS_EMBEDDING_PROVIDER", "openai")  # the index embeds offline unless told so
    monkeypatch.setenv("ISMS_MAX_RETRIES", "0")
    monkeypatch.setenv("ISMS_TIMEOUT_SECONDS", "1")
    draft = invoke(runner, "draft", DOC, "--provider", "openai", "--workspace", str(ws))
    _clean(draft, 2, "needs an API key", "OPENAI_API_KEY", "ISMS_API_KEY", "--provider offline")
    monkeypatch.setenv("ISMS_PROVIDER", "openai")
    index = invoke(runner, "index", "build", "--workspace", str(ws))
    _clean(index, 2, "needs an API key", "OPENAI_API_KEY", "ISMS_PROVIDER=offline")


@pytest.mark.parametrize("key", ["sk-caf\u00e9-0000", "sk-two words"])
def test_malformed_key_is_exit_2_without_echo(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", key)
    result = invoke(runner, "config", "show")
    out = _clean(result, 2, "OPENAI_API_KEY", "printable ASCII")
    assert key not in out


def test_base_url_must_be_a_url(runner: CliRunner, ws: Path) -> None:
    result = invoke(
        runner, "draft", DOC, "--provider", "openai", "--base-url", "localhost 11434", "--workspace", str(ws)
    )
    _clean(result, 2, "--base-url", "http://")


def test_provider_auth_error_is_an_input_error() -> None:
    assert ProviderAuthError("x").exit_code == 2


# -- 2. prompts, corpus and Word template folders ---------------------------------------------------------------


def _prompts_copy(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(REPO_ROOT / "prompts", target)
    return target


def _draft_openai(runner: CliRunner, ws: Path, doc: str = DOC) -> Any:
    # The endpoint is never reached: configuration is checked before any request.
    return invoke(
        runner,
        "draft",
        doc,
        "--provider",
        "openai",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--workspace",
        str(ws),
    )


def test_missing_prompts_dir_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-prompts-here"
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(missing))
    _clean(_draft_openai(runner, ws), 2, str(missing), "ISMS_PROMPTS_DIR")
    assert not (ws / "out" / f"{DOC}.md").exists()


def test_prompts_dir_that_is_a_file_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "prompts.txt"
    file.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(file))
    _clean(_draft_openai(runner, ws), 2, str(file), "ISMS_PROMPTS_DIR")


def test_missing_prompt_chain_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = _prompts_copy(tmp_path)
    shutil.rmtree(prompts / "soa_batch")
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(prompts))
    _clean(_draft_openai(runner, ws), 2, str(prompts / "soa_batch"), "ISMS_PROMPTS_DIR")


def test_missing_prompt_file_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = _prompts_copy(tmp_path)
    for user in (prompts / "draft_section").glob("user.v*.md.j2"):
        user.unlink()
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(prompts))
    _clean(
        _draft_openai(runner, ws),
        2,
        str(prompts / "draft_section"),
        "no complete template pair",
        "ISMS_PROMPTS_DIR",
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"Hello \xe9\xff {{ org_name }}", "not UTF-8"),
        (b"{% for x in %}broken", "template syntax error on line 1"),
    ],
)
def test_unreadable_prompt_file_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, problem: str
) -> None:
    prompts = _prompts_copy(tmp_path)
    newest = load_prompt(prompts, "draft_section").version
    bad = prompts / "draft_section" / f"system.v{newest}.md.j2"
    bad.write_bytes(content)
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(prompts))
    _clean(_draft_openai(runner, ws), 2, str(bad), problem, "ISMS_PROMPTS_DIR")


def test_prompt_file_error_is_still_a_prompt_error(tmp_path: Path) -> None:
    from assistant.drafting.prompts import PromptError

    with pytest.raises(PromptError) as info:
        load_prompt(tmp_path, "draft_section")
    assert isinstance(info.value, PromptFileError) and info.value.exit_code == 2


def test_missing_redraft_prompt_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke(runner, "draft", DOC, "--provider", "offline", "--workspace", str(ws)).exit_code == 0
    prompts = _prompts_copy(tmp_path)
    shutil.rmtree(prompts / "redraft_section")
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(prompts))
    result = invoke(
        runner, "draft", DOC, "--section", "1", "--instruction", "Keys rotate yearly",
        "--provider", "openai", "--base-url", server.base_url, "--workspace", str(ws),
    )  # fmt: skip
    _clean(result, 2, str(prompts / "redraft_section"), "ISMS_PROMPTS_DIR")
    assert not server.chat_requests


def test_offline_provider_does_not_need_prompts(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISMS_PROMPTS_DIR", str(tmp_path / "none"))
    assert invoke(runner, "draft", DOC, "--provider", "offline", "--workspace", str(ws)).exit_code == 0


@pytest.mark.parametrize("command", [["draft", DOC], ["index", "build"]])
def test_missing_corpus_dir_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    missing = tmp_path / "no-corpus"
    monkeypatch.setenv("ISMS_CORPUS_DIR", str(missing))
    _clean(invoke(runner, *command, "--workspace", str(ws)), 2, str(missing), "ISMS_CORPUS_DIR")


def test_incomplete_corpus_dir_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("ISMS_CORPUS_DIR", str(corpus))
    _clean(invoke(runner, "draft", DOC, "--workspace", str(ws)), 2, str(corpus))


@pytest.mark.parametrize("command", [["draft", DOC], ["generate", "--only", DOC]])
def test_missing_docx_template_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    missing = tmp_path / "house-style.docx"
    monkeypatch.setenv("ISMS_DOCX_TEMPLATE", str(missing))
    _clean(invoke(runner, *command, "--workspace", str(ws)), 2, str(missing), "ISMS_DOCX_TEMPLATE")


def test_docx_template_that_is_not_word_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "house-style.docx"
    fake.write_text("plain text, not a Word file", encoding="utf-8")
    monkeypatch.setenv("ISMS_DOCX_TEMPLATE", str(fake))
    _clean(invoke(runner, "draft", DOC, "--workspace", str(ws)), 2, str(fake))


# -- 3. settings that used to escape as tracebacks ---------------------------------------------------------------


@pytest.mark.parametrize("command", [["config", "show"], ["draft", DOC], ["index", "build"]])
def test_bad_json_prices_is_exit_2(
    runner: CliRunner, ws: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("ISMS_PRICES", "{bad")
    extra = ["--workspace", str(ws)] if command[0] != "config" else []
    _clean(invoke(runner, *command, *extra), 2, "ISMS_PRICES", "not valid JSON")


def test_bad_json_prices_in_dotenv_names_the_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / ".env").write_text("ISMS_PRICES={bad\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    _clean(invoke(runner, "config", "show"), 2, "ISMS_PRICES", str(folder / ".env"), "not valid JSON")


def test_prices_of_the_wrong_shape_name_the_entry(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_PRICES", json.dumps({"gpt-4o": {"prompt": -1, "completion": 1}}))
    _clean(invoke(runner, "config", "show"), 2, "ISMS_PRICES['gpt-4o']['prompt']")


@pytest.mark.parametrize(
    "command", [["config", "show"], ["draft", DOC], ["index", "build"], ["generate", "--only", DOC]]
)
def test_dotenv_not_utf8_is_exit_2(
    runner: CliRunner, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / ".env").write_bytes(b"ISMS_MODEL=gpt-4o-mini\n# caf\xe9 in Latin-1\n")
    monkeypatch.chdir(folder)
    extra = ["--workspace", str(ws)] if command[0] != "config" else []
    _clean(invoke(runner, *command, *extra), 2, str(folder / ".env"), "not UTF-8", "line 2")


def test_utf8_dotenv_still_works(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("ISMS_MODEL=modèle-local\n", encoding="utf-8")
    result = invoke(runner, "config", "show", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["model"] == "modèle-local"


# -- handles_errors: the person's environment, not programming errors ----------------------------------------------


def _cli(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handles_errors
    def run() -> None:
        raise exc

    return app


def test_permission_error_is_exit_2_naming_the_path() -> None:
    app = _cli(PermissionError(errno.EACCES, "Permission denied", "/ws/out/soa.csv"))
    result = CliRunner().invoke(app, [])
    _clean(result, 2, "/ws/out/soa.csv", "permission denied")


def test_read_only_file_system_is_exit_2() -> None:
    app = _cli(OSError(errno.EROFS, "Read-only file system", "/ws/.isms/index"))
    _clean(CliRunner().invoke(app, []), 2, "/ws/.isms/index", "read-only file system")


def test_disk_full_is_exit_1_naming_the_path() -> None:
    app = _cli(OSError(errno.ENOSPC, "No space left on device", "/ws/out/policy.docx"))
    _clean(CliRunner().invoke(app, []), 1, "disk full while writing /ws/out/policy.docx")


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.EBADF, "Bad file descriptor"),
        FileNotFoundError(2, "x", "y"),
        KeyError("bug"),
        TypeError("bug"),
    ],
)
def test_other_errors_are_not_swallowed(exc: BaseException) -> None:
    result = CliRunner().invoke(_cli(exc), [])
    assert result.exit_code == 1 and result.exception is exc  # escaped as itself: a bug to see


def test_permission_error_from_a_command(
    runner: CliRunner, ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.generation.outputs as outputs

    target = ws / "out" / f"{DOC}.md"

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr(outputs, "write_outputs", refuse)
    _clean(invoke(runner, "draft", DOC, "--workspace", str(ws)), 2, str(target), "permission denied")


def test_disk_full_from_a_command(runner: CliRunner, ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.generation.outputs as outputs

    target = ws / "out" / f"{DOC}.docx"

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(outputs, "write_outputs", full)
    _clean(invoke(runner, "draft", DOC, "--workspace", str(ws)), 1, f"disk full while writing {target}")


# -- 4. a dishonest model: SoA justifications are checked like sections ------------------------------------------

DISHONEST = [
    "Applies to [TBD] once the scope is agreed.",
    "{org} applies this control to all systems.",
    "Owned by <insert owner name> and reviewed yearly.",
    "TODO: describe how this control is applied.",
    "Reviewed by XXX every quarter.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
    "MFA is optional for staff who work from the office.",
]


def _first_batch(ws: Path) -> list[str]:
    return [b for b in list(load_inputs(ws, provider="offline").corpus.controls)[:12]]


def _batch_reply(ids: list[str], bad: dict[str, str]) -> str:
    rows = [
        {
            "control_id": c,
            "applicable": True,
            "implementation_status": "partial",
            "justification": bad.get(c, f"Kestrel Analytics applies {c} as its register requires."),
            "evidence": f"records for {c}",
        }
        for c in ids
    ]
    return json.dumps({"rows": rows})


def _offline_justifications(ws: Path) -> dict[str, str]:
    soa = Engine(load_inputs(ws, provider="offline")).soa()
    return {r.control_id: r.justification for r in soa.rows}


@pytest.mark.parametrize("text", DISHONEST)
def test_row_checker_catches_each_dishonest_text(ws: Path, text: str) -> None:
    inputs = load_inputs(ws, provider="offline")
    checker = RowChecker(inputs.corpus, inputs.profile)
    row = SoaRowDraft(
        control_id="A.5.1", applicable=True, justification=text, implementation_status="partial"
    )
    assert checker.problems(row), text
    honest = row.model_copy(
        update={"justification": "Kestrel Analytics applies A.5.1 through its policy set."}
    )
    assert checker.problems(honest) == []


def test_dishonest_soa_rows_are_re_asked_then_replaced_by_the_offline_rows(
    ws: Path, server: FakeOpenAI
) -> None:
    ids = _first_batch(ws)
    bad = dict(zip(ids, DISHONEST, strict=False))
    server.reply(_batch_reply(ids, bad))
    server.reply(_batch_reply(ids, bad))  # the model persists when re-asked
    soa = Engine(load_inputs(ws, provider="openai", base_url=server.base_url)).soa()
    assert len(soa.rows) == 93
    feedback = server.chat_requests[1]["messages"][-1]["content"]
    assert "not valid" in feedback
    for cid in bad:
        assert f"{cid} justification" in feedback
    assert "placeholder" in feedback and "MFA as optional" in feedback
    offline = _offline_justifications(ws)
    rows = {r.control_id: r for r in soa.rows}
    for cid, text in bad.items():
        assert rows[cid].justification == offline[cid]
        assert text not in rows[cid].justification
        assert any(n.startswith(f"{cid}: the model's row was not used") for n in soa.notes)
    honest = next(c for c in ids if c not in bad)
    assert rows[honest].justification == f"Kestrel Analytics applies {honest} as its register requires."
    assert len(server.chat_requests) == 8 + 1  # 8 batches and one re-ask


def test_dishonest_soa_row_fixed_on_re_ask_is_used(ws: Path, server: FakeOpenAI) -> None:
    ids = _first_batch(ws)
    server.reply(_batch_reply(ids, {ids[0]: "Applies to [TBD]."}))
    server.reply(_batch_reply(ids, {}))
    soa = Engine(load_inputs(ws, provider="openai", base_url=server.base_url)).soa()
    row = next(r for r in soa.rows if r.control_id == ids[0])
    assert row.justification == f"Kestrel Analytics applies {ids[0]} as its register requires."
    assert not any("the model's row was not used" in n for n in soa.notes)


def test_dishonest_evidence_is_checked_too(ws: Path, server: FakeOpenAI) -> None:
    ids = _first_batch(ws)
    reply = json.loads(_batch_reply(ids, {}))
    reply["rows"][0]["evidence"] = "Screenshots from HashiCorp Vault, owner <insert name>"
    server.reply(json.dumps(reply))
    server.reply(json.dumps(reply))
    soa = Engine(load_inputs(ws, provider="openai", base_url=server.base_url)).soa()
    row = next(r for r in soa.rows if r.control_id == ids[0])
    assert "HashiCorp" not in row.evidence and "<insert" not in row.evidence


def test_dishonest_soa_never_reaches_the_files(runner: CliRunner, ws: Path, server: FakeOpenAI) -> None:
    ids = _first_batch(ws)
    bad = dict(zip(ids, DISHONEST, strict=False))
    server.reply(_batch_reply(ids, bad))
    server.reply(_batch_reply(ids, bad))
    result = invoke(
        runner, "draft", SOA, "--provider", "openai", "--base-url", server.base_url, "--workspace", str(ws)
    )
    out = _clean(result, 0)
    assert "the model's row was not used" in out
    written = "\n".join(
        p.read_text(encoding="utf-8") for p in (ws / "out").glob("*") if p.suffix in (".md", ".csv")
    )
    assert written
    for text in DISHONEST:
        assert text not in written
    # A second identical run mends the cached reply the same way and asks nothing.
    before = len(server.chat_requests)
    again = invoke(
        runner, "draft", SOA, "--provider", "openai", "--base-url", server.base_url, "--workspace", str(ws)
    )
    _clean(again, 0)
    assert len(server.chat_requests) == before
