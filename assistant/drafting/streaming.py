"""Showing a section as the model writes it (`isms draft --stream`).

A streamed answer arrives as pieces of one JSON object (the message content, or the tool call's arguments);
`FieldStream` picks the value of its "text" field out of those pieces as they come, decoding escapes that a
piece boundary splits. `collect` sends one request as a stream, shows the text as it grows and returns the
whole answer as one message, which is then parsed and validated exactly like an answer asked for at once.
`TextStream` is what the terminal (or the UI) sees of one section: the streamed text of each attempt, a note
when an answer is re-asked, and at the end whatever of the final text was not shown yet (the tables the code
appends, or a cached answer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
OnText = Callable[[str], None]


class FieldStream:
    """The decoded characters of one top-level string field of a JSON object fed piece by piece."""

    def __init__(self, field: str = "text") -> None:
        self.field = field
        self.depth = 0  # nesting of objects and arrays (0: before the root object)
        self.started = False
        self.in_string = False
        self.capturing = False  # inside the wanted field's value
        self.done = False
        self.expect_key = False
        self.key = ""  # the last key at depth 1
        self._buf: list[str] = []  # the string being read (a key, or the value when capturing)
        self._escape: str | None = None  # "" after a backslash, then the hex digits of a \\u escape
        self._high: int | None = None  # a high surrogate waiting for its low half

    def feed(self, piece: str) -> str:
        """The characters of the field that `piece` completes (empty when none)."""
        out: list[str] = []
        for ch in piece:
            if self.done:
                break
            if self.in_string:
                self._string_char(ch, out)
            elif not self.started:
                if ch == "{":
                    self.started, self.depth, self.expect_key = True, 1, True
            else:
                self._structure_char(ch)
        return "".join(out)

    def _structure_char(self, ch: str) -> None:
        if ch == '"':
            self.in_string = True
            self.capturing = self.depth == 1 and not self.expect_key and self.key == self.field
            self._buf = []
        elif ch in "{[":
            self.depth += 1
        elif ch in "}]":
            self.depth -= 1
            if self.depth <= 0:
                self.done = True
        elif self.depth == 1 and ch == ",":
            self.expect_key = True
        elif self.depth == 1 and ch == ":":
            self.expect_key = False

    def _string_char(self, ch: str, out: list[str]) -> None:
        sink = out if self.capturing else self._buf
        if self._escape is not None:
            if self._escape == "" and ch != "u":
                self._emit(_ESCAPES.get(ch, ch), sink)
                self._escape = None
                return
            if ch == "u" and self._escape == "":
                self._escape = "u"
                return
            self._escape += ch
            if len(self._escape) == 5:  # "u" and four hex digits
                self._codepoint(int(self._escape[1:], 16), sink)
                self._escape = None
            return
        if ch == "\\":
            self._escape = ""
        elif ch == '"':
            self._flush_high(sink)
            self.in_string = False
            if self.capturing:
                self.done = True
            elif self.depth == 1 and self.expect_key:
                self.key = "".join(self._buf)
        else:
            self._emit(ch, sink)

    def _codepoint(self, code: int, sink: list[str]) -> None:
        if 0xD800 <= code < 0xDC00:
            self._flush_high(sink)
            self._high = code
        elif 0xDC00 <= code < 0xE000 and self._high is not None:
            sink.append(chr(0x10000 + ((self._high - 0xD800) << 10) + (code - 0xDC00)))
            self._high = None
        else:
            self._emit(chr(code), sink)

    def _emit(self, text: str, sink: list[str]) -> None:
        self._flush_high(sink)
        sink.append(text)

    def _flush_high(self, sink: list[str]) -> None:
        if self._high is not None:  # a lone high surrogate, as json.loads keeps it
            sink.append(chr(self._high))
            self._high = None


def text_prefix(json_text: str, field: str = "text") -> str:
    """The decoded part of `field`'s string value that `json_text` (the start of an object) holds so far."""
    return FieldStream(field).feed(json_text)


class TextStream:
    """One section on its way to the terminal: `write` shows streamed text, `note` a line of its own (and
    starts a new attempt), `done` the rest of the final text."""

    def __init__(self, out: OnText, heading: str | None = None) -> None:
        self.out = out
        self.shown = ""  # the text of the current attempt shown so far
        if heading is not None:
            out(f"\n## {heading}\n\n")

    def __call__(self, piece: str) -> None:
        self.write(piece)

    def write(self, piece: str) -> None:
        if piece:
            self.shown += piece
            self.out(piece)

    def note(self, message: str) -> None:
        self.out(f"\n({message})\n")
        self.shown = ""

    def done(self, final: str) -> None:
        """Show what of `final` the stream did not (all of it when nothing was streamed, e.g. a cached or
        offline answer; the tables after the model's text otherwise)."""
        shown = self.shown
        if not shown:
            rest = final
        elif final.startswith(shown):
            rest = final[len(shown) :]
        elif shown.strip() and final.startswith(shown.strip()):
            rest = final[len(shown.strip()) :]
        else:
            rest = "\n" + final
        self.out(rest + "\n")
        self.shown = ""


def as_stream(on_text: OnText) -> TextStream:
    return on_text if isinstance(on_text, TextStream) else TextStream(on_text)


def json_source(message: Any, mode: str) -> str:
    """The JSON text a streamed answer holds so far: the tool call's arguments in tools mode, else the
    content (in fenced mode the scanner skips the prose before the object)."""
    if mode == "tools":
        chunks = getattr(message, "tool_call_chunks", None) or []
        return str(chunks[0].get("args") or "") if chunks else ""
    content = getattr(message, "content", "")
    return content if isinstance(content, str) else ""


def collect(runnable: Any, messages: list[Any], mode: str, stream: TextStream, **kwargs: Any) -> Any:
    """Send one request as a stream, show the "text" field as it grows, return the whole answer."""
    from langchain_core.messages import AIMessageChunk

    field = FieldStream()
    fed = 0
    full: Any = None
    for chunk in runnable.stream(messages, **kwargs):
        full = chunk if full is None else full + chunk
        source = json_source(full, mode)
        if len(source) > fed:
            stream.write(field.feed(source[fed:]))
            fed = len(source)
    return full if full is not None else AIMessageChunk(content="")


__all__ = ["FieldStream", "OnText", "TextStream", "as_stream", "collect", "json_source", "text_prefix"]
