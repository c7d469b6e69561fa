"""The Profile page of a workspace with no profile yet: the questionnaire of `isms init` as a form, one part
at a time (organisation, roles, locations, estate, people, obligations, numbers, documents), with the same
questions, the same checks (the reason is shown beside the answer) and the same files written."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.documents.files import write_atomic
from assistant.inputs.answer_checks import AnswerError, Question, check_answer
from assistant.inputs.questionnaire import SECTIONS, next_question, questions
from assistant.inputs.starter_catalogues import StarterCatalogues, load_starter_catalogues
from assistant.inputs.starter_workspace import starter_files
from assistant.settings import load_settings

ANSWERS = "init-answers"
PROBLEMS = "init-problems"
UPLOADS = "init-uploads"


def questionnaire(root: Path) -> None:
    """Ask the next part of the questionnaire, or, when every question is answered, write the workspace."""
    cat = load_starter_catalogues(load_settings(workspace=root).corpus_dir)
    answers: dict[str, Any] = st.session_state.setdefault(ANSWERS, {})
    st.info(
        f"{root} has no organisation profile yet. Answer these questions (the same as `isms init`) and the "
        "profile, a starter risk register and docs/ are written for you. Leave an optional answer empty "
        "when you do not know it: the documents then record a decision instead of inventing a value."
    )
    parts = list(SECTIONS)
    current = next_question(answers, cat)
    done = parts.index(current.section) if current is not None else len(parts)
    st.progress(done / len(parts), text=f"part {min(done + 1, len(parts))} of {len(parts)}")
    if current is None:
        _finish(root, answers, cat)
        return
    pending = [q for q in questions(answers, cat) if q.section == current.section and q.key not in answers]
    st.subheader(SECTIONS[current.section])
    problems: dict[str, str] = st.session_state.pop(PROBLEMS, {})
    for key, reason in problems.items():
        st.error(f"{_prompt(pending, key)}: {reason}")
    with st.form(f"init-{current.section}-{len(answers)}"):
        raw = {q.key: _widget(q) for q in pending}
        left, right = st.columns(2)
        submitted = left.form_submit_button("Next", type="primary")
        back = right.form_submit_button("Back to the previous part", disabled=not answers)
    if back:
        _back(answers, cat, current.section)
        st.rerun()
    if submitted:
        found: dict[str, str] = {}
        for q in pending:  # in order: a later check may read an earlier answer of the same part
            try:
                answers[q.key] = check_answer(q, _value(q, raw[q.key]), answers, cat)
            except AnswerError as exc:
                found[q.key] = str(exc)
        st.session_state[PROBLEMS] = found
        st.rerun()


def _prompt(pending: list[Question], key: str) -> str:
    return next((q.prompt for q in pending if q.key == key), key)


def _widget(q: Question) -> Any:
    label = q.prompt + ("" if q.required or q.kind == "bool" else " (optional)")
    shown = q.default
    if q.kind == "bool":
        return st.checkbox(label, value=bool(shown) if shown is not None else True, help=q.help or None)
    if q.kind == "choice":
        options = list(q.choices) if q.required else ["", *q.choices]
        index = options.index(shown) if shown in options else 0
        return st.selectbox(label, options, index=index, help=q.help or None)
    if q.kind == "choices":
        chosen = [c for c in (shown or []) if c in q.choices]
        return st.multiselect(label, list(q.choices), default=chosen, help=q.help or None)
    if q.kind == "records":
        return _records(q)
    if q.kind == "paths":
        return st.file_uploader(label, accept_multiple_files=True, help=q.help or None)
    if isinstance(shown, list):
        shown = "; ".join(str(v) for v in shown)
    hint = q.help or ("several answers separated by ;" if q.is_list else "")
    return st.text_input(label, value="" if shown is None else str(shown), help=hint or None)


def _records(q: Question) -> Any:
    """Records (offices) as an editable table: one row each, a column per field."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for f in q.fields:
        if f.kind == "bool":
            columns[f.key] = st.column_config.CheckboxColumn(f.prompt, default=bool(f.default))
        elif f.kind == "int":
            columns[f.key] = st.column_config.NumberColumn(f.prompt, step=1)
        elif f.kind == "choice":
            columns[f.key] = st.column_config.SelectboxColumn(
                f.prompt, options=list(f.choices), default=f.default, required=f.required
            )
        else:
            hint = "several separated by ;" if f.is_list else None
            columns[f.key] = st.column_config.TextColumn(f.prompt, required=f.required, help=hint)
    st.caption(q.prompt + (f": {q.help}" if q.help else ""))
    empty = pd.DataFrame({f.key: pd.Series(dtype="bool" if f.kind == "bool" else "object") for f in q.fields})
    return st.data_editor(empty, column_config=columns, num_rows="dynamic", key=f"records-{q.key}")


def _value(q: Question, raw: Any) -> Any:
    """A widget's value as an answers file would give it."""
    if q.kind == "records":
        rows = raw.to_dict("records") if hasattr(raw, "to_dict") else list(raw or [])
        out = []
        for row in rows:
            clean = {k: (None if _blank(v) else v) for k, v in row.items()}
            if any(v not in (None, False) for k, v in clean.items() if k != "in_scope"):
                out.append({k: v for k, v in clean.items() if v is not None})
        return out
    if q.kind == "paths":
        return [_saved(upload) for upload in raw or []]
    return raw


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _saved(upload: Any) -> str:
    """An uploaded document kept in a temporary folder until the workspace is written (then copied to docs/)."""
    folder = Path(st.session_state.setdefault(UPLOADS, tempfile.mkdtemp(prefix="isms-init-")))
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return str(path)


def _back(answers: dict[str, Any], cat: StarterCatalogues, section: str) -> None:
    """Forget the answers of the part before `section` (and of `section` so far) so it is asked again."""
    parts = list(SECTIONS)
    answered = [q.section for q in questions(answers, cat) if q.key in answers]
    earlier = [p for p in parts[: parts.index(section)] if p in answered]
    again = {section, earlier[-1]} if earlier else {section}
    for q in questions(answers, cat):
        if q.section in again:
            answers.pop(q.key, None)


def _finish(root: Path, answers: dict[str, Any], cat: StarterCatalogues) -> None:
    st.subheader("Write the workspace")
    left_open = [
        q.prompt
        for q in questions(answers, cat)
        if answers.get(q.key) in (None, []) and not q.blank_is_answer
    ]
    if left_open:
        st.write(f"{len(left_open)} answer(s) left open; the documents record a decision for each:")
        st.markdown("\n".join(f"- {p}" for p in left_open))
    risks = root / "risks.csv"
    replace = True
    if risks.exists():
        replace = st.checkbox(f"Replace the existing {risks.name} with the starter register", value=False)
    if not st.button("Write profile.yaml and the starter risk register", type="primary"):
        return
    try:
        files = starter_files(answers, cat, folder=str(root))
    except Exception as exc:  # an InputError naming the field; shown, nothing written
        st.error(str(exc))
        return
    write_atomic(root / "profile.yaml", files.profile_yaml)
    if replace:
        write_atomic(risks, files.risks_csv)
    (root / "docs").mkdir(parents=True, exist_ok=True)
    for source in answers.get("documents.import") or []:
        shutil.copyfile(source, root / "docs" / Path(source).name)
    st.session_state.pop(ANSWERS, None)
    st.session_state["profile-saved"] = (
        f"profile.yaml written with {files.suggested_risks} suggested risk(s) in risks.csv for their owners to "
        "review; generate the set from the Overview page or with `isms generate`"
    )
    st.rerun()
