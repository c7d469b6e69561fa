"""Read YAML files into plain data, keeping the line of every key for error messages.

Validation errors name `file:line` and the field path, so a user can find the mistake without
reading a traceback.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import InputError


class UnreadableFile(InputError):
    """The file could not be read or parsed at all (missing, binary, not UTF-8, YAML syntax)."""


PathKey = tuple[str | int, ...]
# The C parser when libyaml is available: same safe semantics, several times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_BYTES = 5 * 1024 * 1024


def read_text_file(path: Path, *, what: str, max_bytes: int = MAX_YAML_BYTES) -> str:
    """Read a small UTF-8 text file, refusing missing, empty, binary or oversized files."""
    if not path.exists():
        raise UnreadableFile(f"{path}: {what} not found")
    if path.is_dir():
        raise UnreadableFile(f"{path}: expected a {what} file, found a directory")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile(f"{path}: the {what} is empty")
    if size > max_bytes:
        raise UnreadableFile(f"{path}: the {what} is {size} bytes; the limit is {max_bytes} bytes")
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise UnreadableFile(f"{path}: the {what} is a binary file, expected UTF-8 text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnreadableFile(
            f"{path}:{line}: the {what} is not valid UTF-8 text (byte {exc.start})"
        ) from None
    if not text.strip():
        raise UnreadableFile(f"{path}: the {what} is empty")
    return text


def load_yaml(path: Path, *, what: str) -> tuple[Any, dict[PathKey, int]]:
    """Parse a YAML file; return the data and a map from key path to 1-based line."""
    text = read_text_file(path, what=what)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = exc.problem or "invalid YAML"
        raise UnreadableFile(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise UnreadableFile(f"{path}: YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return data, lines


def _collect_lines(node: yaml.Node, prefix: PathKey, out: dict[PathKey, int]) -> None:
    out.setdefault(prefix, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = prefix + (str(key_node.value),)
            out[key] = key_node.start_mark.line + 1
            _collect_lines(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, prefix + (index,), out)


def line_for(lines: dict[PathKey, int], loc: PathKey) -> int | None:
    """The line of the deepest known ancestor of `loc`."""
    for end in range(len(loc), -1, -1):
        found = lines.get(tuple(loc[:end]))
        if found is not None:
            return found
    return None


def format_loc(loc: PathKey) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def describe_validation_error(
    exc: ValidationError,
    *,
    source: str,
    model: type[BaseModel],
    lines: dict[PathKey, int] | None = None,
) -> list[str]:
    """Turn a pydantic error into lines like `profile.yaml:12: roles.ismo_owner: unknown field ...`."""
    messages: list[str] = []
    for err in exc.errors():
        loc: PathKey = tuple(err["loc"])
        line = line_for(lines, loc) if lines else None
        where = f"{source}:{line}" if line else source
        field = format_loc(loc)
        found = err.get("input")
        if err["type"] == "extra_forbidden":
            hint = _closest_field(model, loc)
            msg = f"{where}: {field}: unknown field" + (f"; did you mean '{hint}'?" if hint else "")
        elif err["type"] == "missing":
            msg = f"{where}: {field}: required field is missing"
        else:
            msg = f"{where}: {field}: {err['msg']}; found {_short(found)}"
        messages.append(msg)
    return messages


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _closest_field(model: type[BaseModel], loc: PathKey) -> str | None:
    """Walk the model along `loc` to the parent of the bad key and suggest a near field name."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        current = _inner_model(fields[part].annotation)
        if current is None:
            return None
    fields = getattr(current, "model_fields", {})
    match = difflib.get_close_matches(str(loc[-1]), list(fields), n=1, cutoff=0.6)
    return match[0] if match else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def validate_yaml_file(path: Path, model: type[BaseModel], *, what: str) -> Any:
    """Load `path` and validate it as `model`, raising InputError with located messages."""
    data, lines = load_yaml(path, what=what)
    if not isinstance(data, dict):
        raise InputError(f"{path}:1: the {what} must be a mapping of fields, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = describe_validation_error(exc, source=str(path), model=model, lines=lines)
        raise InputError(
            f"{path}: the {what} is not valid ({len(details)} problem(s))", details=details
        ) from None
