"""`isms draft --stream`: a section shown as the model writes it, and the same document written as without."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.loading import load_inputs
from assistant.drafting.streaming import FieldStream, TextStream, text_prefix
from tests.conftest import copy_example, invoke
from tests.helpers import loopback_openai
from tests.openai_server import FakeOpenAI

DOC = "cryptography-policy"
TEXT = 'Keys "rotate"\n\tyearly \\ at C:\\keys/ — é 😀 ☃ [A.8.24]\u0001end'


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("first", ["text", "cited_ids"])
def test_the_text_field_at_every_split(ensure_ascii: bool, first: str) -> None:
    data = {"cited_ids": ["text", "A.8.24"], "nested": {"text": "not this"}, "text": TEXT}
    if first == "text":
        data = {"text": TEXT, **data}
    raw = json.dumps(data, ensure_ascii=ensure_ascii)
    assert json.loads(raw)["text"] == TEXT
    grown = ""
    for cut in range(len(raw) + 1):
        prefix = text_prefix(raw[:cut])
        assert TEXT.startswith(prefix), (cut, prefix)
        assert prefix.startswith(grown)  # it only grows
        grown = prefix
        stream = FieldStream()
        assert stream.feed(raw[:cut]) + stream.feed(raw[cut:]) == TEXT, cut
    assert text_prefix(raw) == TEXT
    # one character at a time, the way the smallest chunks come
    stream = FieldStream()
    assert "".join(stream.feed(ch) for ch in raw) == TEXT


def test_fenced_prose_before_the_object_is_skipped() -> None:
    raw = "Here is the JSON:\n```json\n" + json.dumps({"text": TEXT, "cited_ids": []}) + "\n```"
    for cut in range(len(raw) + 1):
        assert TEXT.startswith(text_prefix(raw[:cut]))
    assert text_prefix(raw) == TEXT


def test_the_terminal_sees_the_rest_of_the_final_text() -> None:
    out: list[str] = []
    stream = TextStream(out.append, "Keys")
    stream.write("Rotate keys")
    stream.note("re-asking: too short")
    stream.write("Rotate keys yearly")
    stream.done("Rotate keys yearly\n\n| table |")
    assert (
        "".join(out) == "\n## Keys\n\nRotate keys\n(re-asking: too short)\nRotate keys yearly\n\n| table |\n"
    )


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with loopback_openai(monkeypatch, retries=2) as fake:
        yield fake


def _workspace(tmp_path: Path, name: str, runner) -> Path:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / name)
    result = invoke(runner, "draft", DOC, "--provider", "offline", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    return ws


def _refine(runner, ws: Path, server: FakeOpenAI, heading: str, *extra: str):  # type: ignore[no-untyped-def]
    return invoke(
        runner,
        "draft",
        DOC,
        "--section",
        heading,
        "--instruction",
        "Mention that keys rotate yearly",
        "--provider",
        "openai",
        "--base-url",
        server.base_url,
        "--workspace",
        str(ws),
        *extra,
    )


def _reply(heading: str, text: str) -> str:
    return json.dumps({"heading": heading, "cited_ids": ["A.8.24"], "text": text})


def _out(ws: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((ws / "out").glob("*.md"))}


def _cache(ws: Path) -> dict[str, str]:
    root = ws / ".isms" / "cache" / "llm"
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


GOOD = 'Kestrel Analytics rotates encryption keys every year [A.8.24].\nOwners check "key" ages. ' * 6


def test_a_refined_section_is_streamed_and_written_as_without(
    runner, tmp_path: Path, server: FakeOpenAI
) -> None:  # type: ignore[no-untyped-def]
    plain, streamed = _workspace(tmp_path, "plain", runner), _workspace(tmp_path, "streamed", runner)
    heading = load_inputs(plain, provider="offline").corpus.documents[DOC].sections[0].heading

    server.reply(_reply(heading, GOOD))
    result = _refine(runner, plain, server, heading)
    assert result.exit_code == 0, result.output
    assert not server.chat_requests[-1].get("stream")  # not asked for: the request is as before

    server.reply(_reply(heading, GOOD))
    result = _refine(runner, streamed, server, heading, "--stream")
    assert result.exit_code == 0, result.output
    body = server.chat_requests[-1]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["response_format"]["type"] == "json_schema"  # the same structured output, streamed
    assert f"## {heading}\n\n{GOOD.rstrip()}" in result.output
    assert "re-asking" not in result.output
    assert _out(streamed) == _out(plain)
    assert _cache(streamed) == _cache(plain) and _cache(plain)


def test_the_text_comes_in_pieces(runner, tmp_path: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    from assistant.drafting.llm import ChatModel
    from assistant.drafting.models import SectionDraft
    from assistant.settings import load_settings

    ws = copy_example("kestrel-saas", tmp_path / "ws")
    settings = load_settings(workspace=ws, provider="openai", base_url=server.base_url)
    chat = ChatModel(settings, None, provider="openai")
    server.reply(_reply("Keys", GOOD))
    pieces: list[str] = []
    parsed, usage = chat.structured(
        SectionDraft, "system", "user", "test.v1", lambda _p: [], on_text=pieces.append
    )
    assert len(pieces) > 3 and "".join(pieces) == GOOD == parsed.text
    assert (usage.prompt_tokens, usage.completion_tokens, usage.calls) == (100, 50, 1)  # the stream's usage


@pytest.mark.parametrize("mode", ["tools", "fenced"])
def test_other_modes_stream_too(runner, tmp_path: Path, server: FakeOpenAI, mode: str) -> None:  # type: ignore[no-untyped-def]
    from assistant.drafting.llm import ChatModel
    from assistant.drafting.models import SectionDraft
    from assistant.settings import load_settings

    for refused in ("json_schema", "tools", "json_object")[: ("tools", "fenced").index(mode) * 2 + 1]:
        server.reject[refused] = f"{refused} is not supported"
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    settings = load_settings(workspace=ws, provider="openai", base_url=server.base_url)
    chat = ChatModel(settings, None, provider="openai")
    server.reply(_reply("Keys", GOOD))
    pieces: list[str] = []
    parsed, _usage = chat.structured(
        SectionDraft, "system", "user", "test.v1", lambda _p: [], on_text=pieces.append
    )
    assert server.modes[-1] == mode and server.chat_requests[-1]["stream"] is True
    assert len(pieces) > 3 and "".join(pieces) == GOOD == parsed.text


def test_a_rejected_streamed_answer_is_re_asked(runner, tmp_path: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    ws = _workspace(tmp_path, "ws", runner)
    heading = load_inputs(ws, provider="offline").corpus.documents[DOC].sections[0].heading
    bad = "Keys rotate every year [A.99.99]. " * 6  # a control that does not exist
    server.reply(_reply(heading, bad))
    server.reply(_reply(heading, GOOD))
    before = len(server.chat_requests)
    result = _refine(runner, ws, server, heading, "--stream")
    assert result.exit_code == 0, result.output
    assert len(server.chat_requests) == before + 2
    assert all(b["stream"] is True for b in server.chat_requests[before:])
    assert "(re-asking: " in result.output
    assert (
        result.output.index(bad.strip()[:40])
        < result.output.index("re-asking")
        < result.output.index(GOOD[:40])
    )
    written = (ws / "out" / f"{DOC}.md").read_text(encoding="utf-8")
    assert "rotates encryption keys every year" in written and "A.99.99" not in written


def test_a_streamed_document_is_the_same_document(runner, tmp_path: Path, server: FakeOpenAI) -> None:  # type: ignore[no-untyped-def]
    plain = copy_example("kestrel-saas", tmp_path / "plain")
    streamed = copy_example("kestrel-saas", tmp_path / "streamed")
    args = ["draft", DOC, "--provider", "openai", "--base-url", server.base_url, "--workspace"]
    assert invoke(runner, *args, str(plain)).exit_code == 0
    result = invoke(runner, *args, str(streamed), "--stream")
    assert result.exit_code == 0, result.output
    sections = load_inputs(plain, provider="offline").corpus.documents[DOC].sections
    for section in sections:
        assert f"## {section.heading}\n" in result.output
    assert _out(streamed).keys() == _out(plain).keys()
    assert _out(streamed) == _out(plain)
    assert _cache(streamed) == _cache(plain)


def test_offline_stream_prints_each_section(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    result = invoke(runner, "draft", DOC, "--provider", "offline", "--workspace", str(ws), "--stream")
    assert result.exit_code == 0, result.output
    for section in load_inputs(ws, provider="offline").corpus.documents[DOC].sections:
        assert f"## {section.heading}\n" in result.output


def test_azure_and_ollama_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.drafting.llm import ChatModel
    from assistant.drafting.models import SectionDraft
    from assistant.settings import load_settings
    from tests.openai_server import FakeAzure, FakeOllama

    for name in (
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "AZURE_OPENAI_ENDPOINT",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-test-loopback-key-000000")
    with FakeAzure() as azure:
        monkeypatch.setenv("ISMS_AZURE_ENDPOINT", azure.endpoint)
        monkeypatch.setenv("ISMS_AZURE_DEPLOYMENT", "isms-gpt4o")
        monkeypatch.setenv("ISMS_AZURE_API_VERSION", "2024-06-01")
        chat = ChatModel(load_settings(provider="azure"), None, provider="azure")
        azure.reply(_reply("Keys", GOOD))
        pieces: list[str] = []
        parsed, usage = chat.structured(
            SectionDraft, "system", "user", "test.v1", lambda _p: [], on_text=pieces.append
        )
        assert azure.chat_requests[-1]["stream"] is True and azure.paths[-1].startswith(
            "/openai/deployments/"
        )
    assert len(pieces) > 3 and "".join(pieces) == GOOD == parsed.text
    assert (usage.prompt_tokens, usage.completion_tokens) == (100, 50)

    with FakeOllama() as ollama:
        chat = ChatModel(load_settings(base_url=ollama.base_url, provider="ollama"), None, provider="ollama")
        ollama.reply(_reply("Keys", GOOD))
        pieces = []
        parsed, usage = chat.structured(
            SectionDraft, "system", "user", "test.v1", lambda _p: [], on_text=pieces.append
        )
        assert "text" in ollama.chat_requests[-1]["format"]["properties"]  # the schema as its format
    assert len(pieces) >= 2 and "".join(pieces) == GOOD == parsed.text
    assert (usage.prompt_tokens, usage.completion_tokens, usage.calls) == (100, 50, 1)


@pytest.mark.parametrize("mode", ["json_schema", "tools"])
def test_a_streamed_answer_cut_off_is_an_error(tmp_path: Path, server: FakeOpenAI, mode: str) -> None:
    from assistant.drafting.llm import ChatModel, DraftStepFailed
    from assistant.drafting.models import SectionDraft
    from assistant.settings import load_settings

    if mode == "tools":
        server.reject["json_schema"] = "json_schema is not supported"
    chat = ChatModel(load_settings(base_url=server.base_url, provider="openai"), None, provider="openai")
    server.truncate()
    with pytest.raises(DraftStepFailed, match="cut off"):
        user = 'Write the section "Keys". Allowed citations: A.8.24'
        chat.structured(SectionDraft, "system", user, "test.v1", lambda _p: [], on_text=lambda _t: None)
    assert server.modes[-1] == mode and server.chat_requests[-1]["stream"] is True
