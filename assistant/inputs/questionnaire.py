"""The questions `isms init` asks to start a workspace, in the order a security lead knows the answers
(each answer checked by `answer_checks`). Nothing here reads a terminal: the CLI asks these questions one
by one, and a form (the UI) can show the same questions with the same checks.

Answers are a flat mapping from a question's key (`identity.name`, `roles.dpo.name`, ...) to its checked
value; None records an optional fact the person does not know (it is left open, and the documents record
a decision instead). Which questions follow depends on earlier answers (a role's title is asked only when
someone holds the role; an obligation's notifications only when it is chosen), so `next_question` is
called again after every answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import InputError
from assistant.inputs.answer_checks import (
    REQUIRED_REASON,
    AnswerError,
    Answers,
    Question,
    check_answer,
    check_record,
)
from assistant.inputs.init_questions import (
    SECTIONS,
    people_named,
    questions,
)
from assistant.inputs.starter_catalogues import StarterCatalogues


def next_question(answers: Mapping[str, Any], cat: StarterCatalogues) -> Question | None:
    """The first question not answered yet, or None when the questionnaire is complete."""
    return next((q for q in questions(answers, cat) if q.key not in answers), None)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """An answers file as flat keys: nested mappings become dotted keys (`roles: {dpo: {name: ..}}` is
    `roles.dpo.name`); lists (offices, tools) stay values."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, full + "."))
        else:
            out[full] = value
    return out


@dataclass
class Outcome:
    """What a finished questionnaire left open and which defaults it took without an answer."""

    answers: Answers = field(default_factory=dict)
    left_open: list[Question] = field(default_factory=list)
    defaults_taken: list[Question] = field(default_factory=list)


Asker = Callable[[Question, Mapping[str, Any]], Any]


def complete(
    given: Mapping[str, Any], cat: StarterCatalogues, *, source: str, ask: Asker | None = None
) -> Outcome:
    """Answer every question: from `given` (an answers file, flattened) where it has the key, else by `ask`
    (which returns a checked answer, asking again as long as it needs), else by the question's default, else
    left open when the question is optional. Raise InputError naming `source` and the key for an answer in
    `given` that cannot be used, a required answer missing without `ask`, or a key that matches no question."""
    out = Outcome()
    answers = out.answers
    used: set[str] = set()
    while (q := next_question(answers, cat)) is not None:
        if q.key in given:
            used.add(q.key)
            try:
                answers[q.key] = check_answer(q, given[q.key], answers, cat)
            except AnswerError as exc:
                raise InputError(f"{source}: {q.key}: {exc}") from None
        elif ask is not None:
            answers[q.key] = ask(q, answers)
        elif q.default is not None:
            answers[q.key] = check_answer(q, q.default, answers, cat)
            out.defaults_taken.append(q)
        elif not q.required:
            answers[q.key] = [] if q.is_list else None
        else:
            raise InputError(f"{source}: {q.key}: no answer ({q.prompt}); {REQUIRED_REASON}")
        if answers[q.key] is None and not q.blank_is_answer:
            out.left_open.append(q)
    unknown = sorted(set(given) - used)
    if unknown:
        raise InputError(
            f"{source}: {len(unknown)} answer key(s) match no question: {', '.join(unknown)}",
            details=[
                "a role's title and e-mail are asked only with its name, a notification only with its obligation"
            ],
        )
    return out


__all__ = [
    "REQUIRED_REASON",
    "SECTIONS",
    "AnswerError",
    "Answers",
    "Outcome",
    "Question",
    "check_answer",
    "check_record",
    "complete",
    "flatten",
    "next_question",
    "people_named",
    "questions",
]
