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
from assistant.limits import (
    YAML_ALIAS_NODES,
    YAML_ALIASES,
    YAML_BYTES,
    YAML_DEPTH,
    YAML_NODES,
    Limit,
    LimitExceeded,
    read_bounded,
)


class UnreadableFile(InputError):
    """The file could not be read or parsed at all (missing, binary, not UTF-8, YAML syntax or budgets)."""


PathKey = tuple[str | int, ...]
# The C parser when libyaml is available: same safe semantics, several times faster. It composes the
# node graph in C; construction (and the checks below) run in Python on that graph.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_YAML_BYTES = YAML_BYTES.default
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loading that reports a value Python cannot build (a 5,000-digit integer, 2024-13-45) at its
    line instead of raising a bare ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value ({_short_text(str(exc))})", node.start_mark
            ) from None


def _short_text(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text_file(path: Path, *, what: str, max_bytes: int | None = None, limit: Limit = YAML_BYTES) -> str:
    """Read a small UTF-8 text file, refusing missing, empty, binary or oversized files.

    `limit` is the budget (and its environment variable); `max_bytes` overrides its value.
    """
    if not path.exists():
        raise UnreadableFile(f"{path}: {what} not found")
    if path.is_dir():
        raise UnreadableFile(f"{path}: expected a {what} file, found a directory")
    budget = max_bytes if max_bytes is not None else limit.value
    try:
        raw = read_bounded(path, budget, limit.env)
    except LimitExceeded as exc:
        raise UnreadableFile(f"{path}: the {what} cannot be read: {exc}") from None
    if not raw:
        raise UnreadableFile(f"{path}: the {what} is empty")
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        raise UnreadableFile(
            f"{path}:{line}: the {what} is a binary file (NUL byte at offset {nul}), expected UTF-8 text"
        )
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
    """Parse a YAML file; return the data and a map from key path to 1-based line.

    The node graph is checked before anything is built from it: duplicate keys, recursive aliases,
    nesting depth and the number of values aliases expand to (a "billion laughs" file is refused in
    milliseconds instead of exhausting memory downstream).
    """
    text = read_text_file(path, what=what)
    loader = _Loader(text)
    try:
        _count_events(text, path, what)
        node = loader.get_single_node()
        if node is not None:
            _check_graph(node, path, what)
        data = loader.construct_document(node) if node is not None else None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise UnreadableFile(f"{where}: {exc.problem or 'invalid YAML value'}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = exc.problem or "invalid YAML"
        raise UnreadableFile(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise UnreadableFile(f"{path}: YAML syntax error: {exc}") from None
    except RecursionError:
        raise UnreadableFile(f"{path}: the {what} is nested too deeply to read") from None
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return data, lines


_EVENT_KINDS: dict[type, int] = {
    yaml.ScalarEvent: 0,
    yaml.SequenceStartEvent: 1,
    yaml.MappingStartEvent: 1,
    yaml.SequenceEndEvent: 2,
    yaml.MappingEndEvent: 2,
    yaml.AliasEvent: 3,
    yaml.StreamEndEvent: 4,
}


def _count_events(text: str, path: Path, what: str) -> None:
    """Count values, aliases and nesting on libyaml's event stream before composing the node graph:
    composing costs about 300 bytes and 4 microseconds a value, the events a fraction of that."""
    max_nodes, max_aliases, max_depth = YAML_NODES.value, YAML_ALIASES.value, YAML_DEPTH.value
    parser = _BaseLoader(text)
    get_event, kinds = parser.get_event, _EVENT_KINDS
    nodes = aliases = depth = 0
    problem = ""
    try:
        while True:
            event = get_event()
            kind = kinds.get(type(event), -1)
            if kind == 0 or kind == 1:
                nodes += 1
                if kind == 1:
                    depth += 1
                if nodes > max_nodes:
                    problem = f"has more than {max_nodes:,} values ({YAML_NODES.env})"
                elif depth > max_depth:
                    problem = f"is nested more than {max_depth} levels deep ({YAML_DEPTH.env})"
            elif kind == 2:
                depth -= 1
            elif kind == 3:
                aliases += 1
                if aliases > max_aliases:
                    problem = f"uses more than {max_aliases} YAML aliases ({YAML_ALIASES.env})"
            elif kind == 4 or event is None:
                return
            if problem:
                raise UnreadableFile(f"{path}:{_mark_line(event)}: the {what} {problem}")
    finally:
        parser.dispose()


def _mark_line(event: yaml.Event) -> int:
    mark = event.start_mark
    return int(mark.line) + 1 if mark is not None else 1


def _children(node: yaml.Node) -> list[tuple[str | int | None, yaml.Node]]:
    """(key, child) pairs: a mapping's key nodes (key None) and values, or a sequence's items."""
    if isinstance(node, yaml.MappingNode):
        out: list[tuple[str | int | None, yaml.Node]] = []
        for key_node, value_node in node.value:
            out.append((None, key_node))
            out.append((str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None, value_node))
        return out
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    return []


class _Frame:
    __slots__ = ("node", "loc", "kids", "next")

    def __init__(self, node: yaml.Node, loc: PathKey) -> None:
        self.node, self.loc, self.kids, self.next = node, loc, _children(node), 0


def _check_graph(root: yaml.Node, path: Path, what: str) -> None:
    """Walk the composed node graph once, without recursion, before anything is constructed.

    Aliases make the graph a DAG (or, for `a: &a [*a]`, a cycle): a node reached again is an alias use.
    The expanded size and height of every node are computed once from its children's, so the walk
    stays linear however much the aliases would multiply, and stops at the first budget exceeded.
    """
    max_nodes, max_aliases = YAML_NODES.value, YAML_ALIASES.value
    max_alias_nodes, max_depth = YAML_ALIAS_NODES.value, YAML_DEPTH.value
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    on_path: set[int] = set()
    frames: list[_Frame] = []
    distinct = aliases = 0

    def where(node: yaml.Node, loc: PathKey) -> str:
        field = format_loc(loc)
        return f"{path}:{_line(node)}: " + (f"{_short_text(field, 100)}: " if loc else "")

    def visit(node: yaml.Node, loc: PathKey) -> None:
        nonlocal distinct, aliases
        ident = id(node)
        if ident in on_path:
            raise UnreadableFile(
                f"{where(node, loc)}the YAML anchor on line {_line(node)} is used inside itself "
                "(a recursive alias); write the values out instead"
            )
        if ident in size:
            aliases += 1
            if aliases > max_aliases:
                raise UnreadableFile(
                    f"{where(node, loc)}the {what} uses more than {max_aliases} YAML aliases "
                    f"({YAML_ALIASES.env})"
                )
            return
        distinct += 1
        if distinct > max_nodes:
            raise UnreadableFile(f"{path}: the {what} has more than {max_nodes:,} values ({YAML_NODES.env})")
        if isinstance(node, yaml.ScalarNode):
            size[ident] = height[ident] = 1
            return
        if len(frames) >= max_depth:
            raise UnreadableFile(
                f"{where(node, loc)}the {what} is nested more than {max_depth} levels deep ({YAML_DEPTH.env})"
            )
        if isinstance(node, yaml.MappingNode):
            _check_duplicate_keys(node, loc, path)
        on_path.add(ident)
        frames.append(_Frame(node, loc))

    visit(root, ())
    while frames:
        frame = frames[-1]
        if frame.next < len(frame.kids):
            key, child = frame.kids[frame.next]
            frame.next += 1
            visit(child, frame.loc if key is None else frame.loc + (key,))
            continue
        frames.pop()
        ident = id(frame.node)
        on_path.discard(ident)
        expanded = size[ident] = 1 + sum(size[id(kid)] for _, kid in frame.kids)
        tall = height[ident] = 1 + max((height[id(kid)] for _, kid in frame.kids), default=0)
        # Values added by aliases in this subtree are at least its expanded size minus every distinct
        # node seen so far; at the root the two are equal.
        if expanded - distinct > max_alias_nodes:
            raise UnreadableFile(
                f"{where(frame.node, frame.loc)}the {what} expands to at least {expanded:,} values through "
                f"YAML aliases; the limit is {max_alias_nodes:,} values added by aliases "
                f"({YAML_ALIAS_NODES.env}); write the values out instead"
            )
        if expanded > max_nodes:
            raise UnreadableFile(f"{path}: the {what} has more than {max_nodes:,} values ({YAML_NODES.env})")
        if tall > max_depth:
            raise UnreadableFile(
                f"{where(frame.node, frame.loc)}through YAML aliases the {what} is nested more than "
                f"{max_depth} levels deep ({YAML_DEPTH.env})"
            )


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _check_duplicate_keys(node: yaml.MappingNode, loc: PathKey, path: Path) -> None:
    """A key given twice in one mapping is refused: YAML loaders silently keep the last value, so a
    second `acceptance_threshold:` further down would quietly win. Merge keys (`<<`) may repeat."""
    first: dict[tuple[str, str], int] = {}
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
            continue
        ident = (str(key_node.tag), _canonical_key(key_node))
        line = _line(key_node)
        if ident in first:
            raise UnreadableFile(
                f"{path}:{line}: key '{_short_text(str(key_node.value), 80)}' appears twice"
                + (f" in {format_loc(loc)}" if loc else "")
                + f" (first on line {first[ident]}); keep one"
            )
        first[ident] = line


def _canonical_key(node: yaml.ScalarNode) -> str:
    """The key as the loader would build it, so `yes`/`true` or `0x1`/`1` count as the same key."""
    if node.tag == "tag:yaml.org,2002:str":
        return str(node.value)
    try:
        return repr(yaml.SafeLoader("").construct_object(node, deep=True))
    except Exception:  # an unreadable key is reported by construction, with its line
        return str(node.value)


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
