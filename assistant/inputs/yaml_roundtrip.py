"""Round-trip editing of a YAML text: what is not changed stays byte-identical.

ruamel.yaml's round-trip mode keeps comments, key order and quoting; the indentation is guessed from the
text itself. Top-level sections can be read and replaced as the text the user typed, comments included.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import ScalarString

from assistant.errors import InputError

FieldPath = tuple[str | int, ...]
DEFAULT_INDENT = (2, 4, 2)  # mapping, sequence, offset of the dash: the examples' layout


# -- reading and writing YAML text ---------------------------------------------------------------------


def _guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) as the file itself indents; the defaults where it does not show."""
    mapping = sequence = offset = None
    parent: int | None = None  # indentation of the last `key:` line that opened a block
    for line in text.splitlines():
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        col = len(line) - len(body)
        if parent is not None and col > parent:
            if body.startswith("- ") and sequence is None:
                offset = col - parent
                rest = body[1:]
                sequence = offset + 1 + len(rest) - len(rest.lstrip(" "))
            elif not body.startswith("- ") and mapping is None:
                mapping = col - parent
        if mapping is not None and sequence is not None:
            break
        stripped = body[2:].lstrip(" ") if body.startswith("- ") else body
        opens = line.rstrip().endswith(":") and not stripped.startswith(("'", '"'))
        parent = (col + len(body) - len(stripped)) if opens else None
    default = DEFAULT_INDENT
    return (mapping or default[0], sequence or default[1], default[2] if offset is None else offset)


def _yaml(indent: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    yaml.width = 4096  # never re-fold a long line the user wrote (or a long answer)
    return yaml


def _parse(yaml: YAML, text: str, where: str) -> Any:
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{where}{line}: YAML syntax error: {exc.problem or 'invalid YAML'}") from None
    except YAMLError as exc:
        raise InputError(f"{where}: YAML syntax error: {exc}") from None


class RoundTrip:
    """A YAML text loaded for a round trip: `dump()` gives it back byte for byte until something changes."""

    def __init__(self, text: str, where: str = "profile.yaml") -> None:
        self.text = text
        self.yaml = _yaml(_guess_indent(text))
        self.data = _parse(self.yaml, text, where)
        if not isinstance(self.data, CommentedMap):
            raise InputError(f"{where}: expected the profile's sections (identity:, scope:, ...) at the top")

    def dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def styled(old: Any, new: Any) -> Any:
    """The new value, quoted the way the old one was."""
    if isinstance(old, ScalarString) and isinstance(new, str) and not isinstance(new, ScalarString):
        return type(old)(new)
    return new


def set_values(text: str, changes: Mapping[FieldPath, Any]) -> str:
    """The profile text with each field path (("risk_criteria", "acceptance_threshold"), ...) set; every
    other line stays as it was. Missing mappings on the way are created."""
    doc = RoundTrip(text)
    changed = False
    for path, value in changes.items():
        node: Any = doc.data
        for part in path[:-1]:
            if isinstance(node, dict) and not isinstance(node.get(part), (dict, list)):
                node[part] = CommentedMap()
            node = node[part]
        last = path[-1]
        old = node.get(last) if isinstance(node, dict) else node[last]
        if old == value and isinstance(old, bool) == isinstance(value, bool):
            continue
        node[last] = styled(old, value)
        changed = True
    return doc.dump() if changed else text


# -- sections as the user typed them -------------------------------------------------------------------


@lru_cache(maxsize=8)  # a page shows, then replaces, the sections of one text: parse it once
def _spans(text: str) -> Mapping[str, tuple[int, int]]:
    """Top-level key -> (first line, end line) of its text: the comment lines right above the key, the key
    and its body up to its last line; blank lines and left-margin comments after it are left out."""
    data = RoundTrip(text).data
    lines = text.splitlines(keepends=True)
    keys = [(str(k), int(data.lc.key(k)[0])) for k in data]
    starts = []
    for _key, line in keys:
        start = line
        while start > 0 and lines[start - 1].startswith("#"):
            start -= 1
        starts.append(start)
    spans: dict[str, tuple[int, int]] = {}
    for i, (key, line) in enumerate(keys):
        end = starts[i + 1] if i + 1 < len(keys) else len(lines)
        while end > line + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        spans[key] = (starts[i], end)
    return spans


def sections(text: str) -> dict[str, str]:
    """Each top-level section's text as the file has it, comments included, in file order."""
    lines = text.splitlines(keepends=True)
    return {key: "".join(lines[a:b]).rstrip("\n") + "\n" for key, (a, b) in _spans(text).items()}


def replace_section(text: str, key: str, section_text: str) -> str:
    """The profile text with top-level section `key` replaced by `section_text` (which starts with `key:`,
    comments kept as typed); an empty text removes the section. The rest stays byte-identical."""
    where = f"profile section `{key}`"
    typed = textwrap.dedent(section_text.replace("\r\n", "\n"))
    block = ""
    if typed.strip():
        parsed = _parse(_yaml(_guess_indent(typed)), typed, where)
        if not isinstance(parsed, dict) or list(parsed) != [key]:
            found = sorted(str(k) for k in parsed) if isinstance(parsed, dict) else type(parsed).__name__
            raise InputError(
                f"{where}: the text must start with `{key}:` at the left margin and hold only that "
                f"section (found {found})"
            )
        block = typed.strip("\n") + "\n"
    spans = _spans(text)
    lines = text.splitlines(keepends=True)
    if key in spans:
        first, end = spans[key]
        if "".join(lines[first:end]).rstrip("\n") + "\n" == block:
            return text
        lines[first:end] = [block]
    elif block:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(("\n" if lines else "") + block)
    return "".join(lines)
