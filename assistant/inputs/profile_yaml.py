"""Change `profile.yaml` the way a person would: keep their comments, key order, quoting and layout.

A changed value, a retyped section or a recorded answer touches only its own lines (see yaml_roundtrip). A
new text is checked with the CLI's own validation before it replaces the file, under the workspace lock,
and the file it replaces is kept in `.isms/profile-history/`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from assistant.documents.files import write_atomic
from assistant.errors import InputError, IsmsError
from assistant.inputs.profile import Answer, Profile, load_profile, question_key
from assistant.inputs.workspace import Workspace
from assistant.inputs.yaml_roundtrip import (
    FieldPath,
    RoundTrip,
    replace_section,
    sections,
    set_values,
    styled,
)
from assistant.workspace_lock import writing
from assistant.yamlio import read_text_file

__all__ = [
    "FieldPath",
    "record_answer",
    "replace_section",
    "save_profile",
    "sections",
    "set_values",
    "update_profile",
    "with_answer",
]

TMP_PREFIX = ".isms-tmp-"
HISTORY_DIR = "profile-history"
ANSWERS_COMMENT = "Answers to the decisions the documents asked (`isms decisions`, the Decisions page)."
_SIGNATURE = re.compile(r"^\s*# answered by ")


# -- answers to the decisions the documents asked ------------------------------------------------------


def _detach_tail(item: Any) -> str:
    """The comment lines after a list's last entry, taken off it: they belong to what follows the list."""
    if not isinstance(item, CommentedMap) or not item:
        return ""
    slot = item.ca.items.get(list(item)[-1])
    token = slot[2] if slot and len(slot) > 2 else None
    if token is None:
        return ""
    first, newline, rest = str(token.value).partition("\n")
    if not rest:
        return ""
    if first.strip():
        token.value = first + newline
    else:
        slot[2] = None
    return rest


def _sign(item: CommentedMap, note: str, tail: str = "") -> None:
    """Put "# answered by ..." at the end of the answer's line, replacing an earlier one; a comment of the
    user's own there is kept as it is, and so are the comment lines that follow."""
    slot = item.ca.items.get("answer")
    token = slot[2] if slot and len(slot) > 2 else None
    following = ""
    if token is not None:
        first, newline, rest = str(token.value).partition("\n")
        if first.strip() and not _SIGNATURE.match(first):
            return
        following = newline + rest
        slot[2] = None
    item.yaml_add_eol_comment(note, "answer", column=0)
    following += ("\n" + tail) if tail else ""
    if following:
        item.ca.items["answer"][2].value += following


def with_answer(text: str, question: str, answer: str, note: str) -> str:
    """The profile text with `question` answered under `answers:` (replacing an earlier answer to it)."""
    doc = RoundTrip(text)
    answers = doc.data.get("answers")
    if answers is None:
        fresh = "answers" not in doc.data
        answers = CommentedSeq()
        doc.data["answers"] = answers  # at the end of the file, or where an empty `answers:` stood
        if fresh:
            doc.data.yaml_set_comment_before_after_key("answers", before="\n" + ANSWERS_COMMENT)
    elif not isinstance(answers, CommentedSeq):
        raise InputError("profile.yaml: `answers:` must be a list of question: and answer: entries")
    answers.fa.set_block_style()
    key = question_key(question)
    item = next(
        (
            a
            for a in answers
            if isinstance(a, CommentedMap) and question_key(str(a.get("question", ""))) == key
        ),
        None,
    )
    tail = ""
    if item is None:
        tail = _detach_tail(answers[-1]) if answers else ""
        item = CommentedMap([("question", question), ("answer", answer)])
        answers.append(item)
    else:
        item["answer"] = styled(item.get("answer"), answer)
    _sign(item, note, tail)
    return doc.dump()


# -- saving ----------------------------------------------------------------------------------------------


def _validated(ws: Workspace, text: str) -> Profile:
    """The CLI's own validation of `text`, on a temporary file beside the profile (removed whatever
    happens); messages name profile.yaml, not the temporary file."""
    target = ws.profile_path
    handle, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".yaml", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        return load_profile(tmp)
    except IsmsError as exc:
        message = exc.message.replace(str(tmp), str(target))
        details = [d.replace(str(tmp), str(target)) for d in exc.details]
        try:
            error = type(exc)(message, details=details)
        except TypeError:
            error = InputError(message, details=details)
        raise error from None
    finally:
        tmp.unlink(missing_ok=True)


def _keep_history(ws: Workspace) -> Path:
    history = ws.state_dir / HISTORY_DIR
    history.mkdir(parents=True, exist_ok=True)
    stamp = f"profile-{datetime.now():%Y%m%d-%H%M%S}"
    copy, n = history / f"{stamp}.yaml", 1
    while copy.exists():  # two saves in one second: keep both earlier versions
        n += 1
        copy = history / f"{stamp}-{n}.yaml"
    shutil.copy2(ws.profile_path, copy)
    return copy


def _update(ws: Workspace, change: Callable[[str], str]) -> bool:
    """Apply `change` to the profile text under the workspace lock; write only a valid, changed text."""
    with writing(ws.state_dir, "profile save"):
        raw = read_text_file(ws.profile_path, what="organisation profile")
        crlf = "\r\n" in raw
        current = raw.replace("\r\n", "\n")
        text = change(current)
        if text == current:
            return False
        if crlf:
            text = text.replace("\n", "\r\n")
        _validated(ws, text)
        _keep_history(ws)
        write_atomic(ws.profile_path, text)
    return True


def update_profile(
    ws: Workspace,
    *,
    values: Mapping[FieldPath, Any] | None = None,
    section_texts: Mapping[str, str] | None = None,
) -> bool:
    """Replace the sections given as typed text, then set the field values, validate and save; False when
    nothing changed (the file is then not touched)."""

    def change(text: str) -> str:
        for key, typed in (section_texts or {}).items():
            text = replace_section(text, key, typed)
        return set_values(text, values) if values else text

    return _update(ws, change)


def save_profile(ws: Workspace, text: str) -> bool:
    """Validate a whole new profile text and save it (False when it is the text already there)."""
    return _update(ws, lambda _current: text.replace("\r\n", "\n"))


def record_answer(ws: Workspace, question: str, answer: str, author: str) -> Answer:
    """Answer a decision the documents asked: the entry goes under the profile's `answers:` (an earlier
    answer to the same question is replaced) signed with a comment; the next generation writes it into
    the document and stops asking."""
    if not answer.strip():
        raise InputError(f"no answer given to the question {question!r}: type the sentence for the document")
    try:
        entry = Answer(question=" ".join(question.split()), answer=" ".join(answer.split()))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InputError(f"the answer to {question!r} cannot be recorded: {problems}") from None
    who = " ".join(author.split()) or "unknown"  # one line: a name never breaks out of its comment
    note = f"# answered by {who}, {datetime.now():%Y-%m-%d}"
    _update(ws, lambda text: with_answer(text, entry.question, entry.answer or "", note))
    return entry
