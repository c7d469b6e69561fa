"""One question of `isms init` and the checks on its answer, with no terminal in sight: the CLI asks again
with the reason when a check fails, and a form can show the same reason beside its field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assistant.inputs.starter_catalogues import StarterCatalogues

Kind = Literal[
    "text", "int", "bool", "choice", "choices", "list", "country", "countries", "date", "paths", "records"
]
Answers = dict[str, Any]

REQUIRED_REASON = "documents state this; it cannot be left open"
LIST_SEPARATOR = re.compile(r"\s*;\s*")
CHOICE_SEPARATOR = re.compile(r"\s*[;,]\s*")


class AnswerError(ValueError):
    """An answer that cannot be used; the message is the reason, shown before the question is asked again."""


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    kind: Kind = "text"
    section: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""
    minimum: int | None = None
    maximum: int | None = None
    min_length: int = 1
    blank_is_answer: bool = False  # an empty answer means "none" (nobody holds the role), not "not known"
    fields: tuple[Question, ...] = ()  # the fields of each record of a "records" question
    check: Callable[[Any, Mapping[str, Any]], None] | None = None  # a further check across answers
    # For a field of a record: asked only when this holds for the fields given so far.
    ask_when: Callable[[Mapping[str, Any]], bool] | None = None
    record_check: Callable[[Mapping[str, Any]], None] | None = None  # a check of each whole record

    @property
    def is_list(self) -> bool:
        return self.kind in ("choices", "list", "countries", "paths", "records")


# -- checking one answer -------------------------------------------------------------------------------


def _split(value: Any, separator: re.Pattern[str]) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in separator.split(value.strip()) if part]
    if isinstance(value, list | tuple):
        return list(value)
    raise AnswerError(f"expected a list, found {value!r}")


def _text(value: Any, q: Question) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise AnswerError(f"expected text, found {value!r}")
    text = " ".join(str(value).split())
    if len(text) < q.min_length:
        raise AnswerError(f"too short: give at least {q.min_length} characters")
    return text


def _int(value: Any, q: Question) -> int:
    if isinstance(value, bool):
        raise AnswerError(f"expected a whole number, found {value!r}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise AnswerError(f"expected a whole number, found {value!r}") from None
    if q.minimum is not None and number < q.minimum:
        raise AnswerError(f"{number} is too small: give a number from {q.minimum} to {q.maximum}")
    if q.maximum is not None and number > q.maximum:
        raise AnswerError(f"{number} is too large: give a number from {q.minimum} to {q.maximum}")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("y", "yes", "true", "1"):
        return True
    if text in ("n", "no", "false", "0"):
        return False
    raise AnswerError(f"expected yes or no, found {value!r}")


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise AnswerError(f"expected a date as YYYY-MM-DD, found {value!r}") from None


def _choice(value: Any, q: Question) -> str:
    text = str(value).strip().lower()
    for choice in q.choices:
        if text in (choice.lower(), choice.lower().replace("_", " ")):
            return choice
    raise AnswerError(f"{value!r} is not one of: {', '.join(q.choices)}")


def _country(value: Any, cat: StarterCatalogues, *, regions: bool) -> str:
    text = str(value).strip()
    found = cat.jurisdiction(text) if regions else cat.country(text)
    if found is None:
        raise AnswerError(
            f"{text!r} is not a country this tool knows; give its English name, e.g. Netherlands or Germany"
        )
    return found


def _path(value: Any) -> str:
    path = Path(str(value).strip()).expanduser()
    if not path.is_file():
        raise AnswerError(f"{path}: no such file")
    return str(path)


def check_answer(q: Question, value: Any, answers: Mapping[str, Any], cat: StarterCatalogues) -> Any:
    """The checked value of an answer, or None for an optional question left open. Raise AnswerError with
    the reason when the answer cannot be used (the question is then asked again)."""
    empty = value is None or (isinstance(value, str) and not value.strip()) or value == []
    if empty:
        if q.required:
            raise AnswerError(f"an answer is needed: {REQUIRED_REASON}")
        return [] if q.is_list else None
    result: Any
    if q.kind == "text":
        result = _text(value, q)
    elif q.kind == "int":
        result = _int(value, q)
    elif q.kind == "bool":
        result = _bool(value)
    elif q.kind == "date":
        result = _date(value)
    elif q.kind == "choice":
        result = _choice(value, q)
    elif q.kind == "country":
        result = _country(value, cat, regions=False)
    elif q.kind == "choices":
        result = unique([_choice(v, q) for v in _split(value, CHOICE_SEPARATOR)])
    elif q.kind == "countries":
        result = unique([_country(v, cat, regions=True) for v in _split(value, CHOICE_SEPARATOR)])
    elif q.kind == "list":
        result = unique([_text(v, q) for v in _split(value, LIST_SEPARATOR)])
    elif q.kind == "paths":
        result = unique([_path(v) for v in _split(value, LIST_SEPARATOR)])
        names = [Path(p).name for p in result]
        clashes = sorted({n for n in names if names.count(n) > 1})
        if clashes:
            raise AnswerError(
                f"two files are named {', '.join(clashes)}; docs/ can hold only one of each name"
            )
    else:
        result = [check_record(q, record, answers, cat) for record in _split(value, LIST_SEPARATOR)]
    if q.check is not None:
        q.check(result, answers)
    return result


def check_record(
    q: Question, record: Any, answers: Mapping[str, Any], cat: StarterCatalogues
) -> dict[str, Any]:
    """One record of a "records" question (an office), each field checked, then the record as a whole."""
    if not isinstance(record, Mapping):
        raise AnswerError(f"expected a mapping of {', '.join(f.key for f in q.fields)}, found {record!r}")
    known = {f.key for f in q.fields}
    unknown = sorted(str(k) for k in record if k not in known)
    if unknown:
        raise AnswerError(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(known))}")
    out: dict[str, Any] = {}
    for f in q.fields:
        raw = record.get(f.key, f.default)
        try:
            out[f.key] = check_answer(f, raw, answers, cat)
        except AnswerError as exc:
            raise AnswerError(f"{f.key}: {exc}") from None
    if q.record_check is not None:
        q.record_check(out)
    return out


def unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


__all__ = [
    "REQUIRED_REASON",
    "AnswerError",
    "Answers",
    "Kind",
    "Question",
    "check_answer",
    "check_record",
    "unique",
]
