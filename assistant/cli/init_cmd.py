"""`isms init`: start a workspace from a questionnaire, asked in the terminal or answered from a YAML file.
The questions, their checks and the files written come from the core (`assistant.inputs.questionnaire`,
`assistant.inputs.starter_workspace`); this module only asks, shows and writes."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.prompt import Confirm, Prompt
from rich.table import Table

from assistant.cli.common import console, handles_errors
from assistant.documents.files import write_atomic
from assistant.errors import InputError
from assistant.inputs.answer_checks import AnswerError, Question, check_answer, check_record
from assistant.inputs.questionnaire import SECTIONS, Outcome, complete, flatten, questions
from assistant.inputs.starter_catalogues import StarterCatalogues, load_starter_catalogues
from assistant.inputs.starter_workspace import starter_files
from assistant.settings import load_settings
from assistant.yamlio import load_yaml


class _Terminal:
    """Asks each question with rich prompts until the answer passes its check."""

    def __init__(self, cat: StarterCatalogues) -> None:
        self.cat = cat
        self.section = ""

    def __call__(self, q: Question, answers: Mapping[str, Any]) -> Any:
        if q.section and q.section != self.section:
            self.section = q.section
            console.print(f"\n[bold]{escape(SECTIONS.get(q.section, q.section))}[/]")
        if q.kind == "records":
            return self._records(q, answers)
        return self._one(q, answers)

    def _one(self, q: Question, answers: Mapping[str, Any], prefix: str = "") -> Any:
        if q.help:
            console.print(f"[dim]{escape(q.help)}[/]")
        if q.choices and q.kind in ("choice", "choices"):
            console.print(f"[dim]choose from: {escape(', '.join(q.choices))}[/]")
        while True:
            if q.kind == "bool":
                raw: Any = Confirm.ask(
                    prefix + q.prompt, default=bool(q.default) if q.default is not None else True
                )
            else:
                shown = _shown(q.default)
                quiet = q.required or shown is not None or q.blank_is_answer
                hint = "" if quiet else " [dim](leave empty if not known)[/]"
                raw = Prompt.ask(
                    escape(prefix + q.prompt) + hint, default=shown, show_default=shown is not None
                )
            try:
                return check_answer(q, raw, answers, self.cat)
            except AnswerError as exc:
                console.print(f"[red]{escape(str(exc))}[/]; please answer again.")

    def _records(self, q: Question, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
        if q.help:
            console.print(f"[dim]{escape(q.help)}[/]")
        records: list[dict[str, Any]] = []
        while Confirm.ask(
            f"Add {'another' if records else 'an'} entry to {q.prompt.lower()}?", default=not records
        ):
            while True:
                record: dict[str, Any] = {}
                for f in q.fields:
                    if f.ask_when is None or f.ask_when(record):
                        record[f.key] = self._one(f, answers, prefix="  ")
                try:
                    records.append(check_record(q, record, answers, self.cat))
                    break
                except AnswerError as exc:
                    console.print(f"[red]{escape(str(exc))}[/]; please give this entry again.")
        return records


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _read_answers(path: Path) -> dict[str, Any]:
    data, _lines = load_yaml(path, what="answers file")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(f"{path}:1: the answers file must be a mapping of question keys to answers")
    return flatten(data)


def _targets(folder: Path, imports: list[str]) -> list[Path]:
    return [folder / "profile.yaml", folder / "risks.csv", *(folder / "docs" / Path(p).name for p in imports)]


def init_cmd(
    folder: Annotated[Path, typer.Argument(help="The new workspace folder (created if missing).")] = Path(
        "."
    ),
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="YAML file of answers (question keys to values): no prompting."),
    ] = None,
    ask: Annotated[
        bool, typer.Option("--ask", help="With --answers: ask in the terminal what the file does not answer.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace profile.yaml, risks.csv and docs/ files that exist.")
    ] = False,
    list_questions: Annotated[
        bool,
        typer.Option("--questions", help="List the question keys an answers file may give; write nothing."),
    ] = False,
) -> None:
    """Write profile.yaml, a starter risks.csv and docs/ for a new organisation from a questionnaire."""
    if list_questions:
        _list_questions()
        return
    _run(folder, answers, ask, overwrite)


@handles_errors
def _list_questions() -> None:
    cat = load_starter_catalogues(load_settings().corpus_dir)
    table = Table(title="Questions of isms init (keys for --answers)", title_justify="left")
    for column in ("key", "question", "answer", "default"):
        table.add_column(column, overflow="fold")
    for q in questions({}, cat):
        kind = q.kind + ("" if q.required else ", optional")
        table.add_row(q.key, q.prompt, kind, _shown(q.default) or "")
    console.print(table)
    console.print(
        "Also asked when they apply: roles.<role>.title and .email once a role has a name; "
        "notifications.<obligation>.<n>.party and .deadline_hours for each obligation chosen "
        "(obligations: " + ", ".join(cat.obligations) + ").",
        highlight=False,
    )


@handles_errors
def _run(folder: Path, answers_file: Path | None, ask: bool, overwrite: bool) -> None:
    cat = load_starter_catalogues(load_settings().corpus_dir)
    given = _read_answers(answers_file) if answers_file is not None else {}
    interactive = answers_file is None or ask
    try:
        if not overwrite:  # asked first, so nobody answers every question only to keep their files
            _may_replace(_targets(folder, [])[:2], interactive)
        if interactive:
            console.print(
                "Answer each question; press Enter to take the default shown in brackets. Leave an optional "
                "question empty when you do not know: the documents then record a decision for you."
            )
        outcome = complete(
            given, cat, source=str(answers_file or "answers"), ask=_Terminal(cat) if interactive else None
        )
        imports = outcome.answers.get("documents.import") or []
        if not overwrite:
            _may_replace(_targets(folder, imports)[2:], interactive)
    except EOFError:
        raise InputError("the input ended before every question was answered; nothing was written") from None
    files = starter_files(outcome.answers, cat, folder=str(folder))
    write_atomic(folder / "profile.yaml", files.profile_yaml)
    write_atomic(folder / "risks.csv", files.risks_csv)
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    for source in imports:
        shutil.copyfile(source, folder / "docs" / Path(source).name)
    _report(folder, outcome, files.suggested_risks, files.notes, len(imports))


def _may_replace(paths: list[Path], interactive: bool) -> None:
    """Return when none of `paths` exists or the person agrees to replace them; InputError otherwise."""
    existing = [p for p in paths if p.exists()]
    if not existing:
        return
    names = ", ".join(str(p) for p in existing)
    if not interactive:
        raise InputError(f"{names}: already exist(s); pass --overwrite to replace them (nothing was written)")
    if not Confirm.ask(f"{names} already exist(s). Replace?", default=False):
        raise InputError(f"{names}: kept as they are; nothing was written")


def _report(folder: Path, outcome: Outcome, suggested: int, notes: list[str], copied: int) -> None:
    console.print(f"\nWrote {folder / 'profile.yaml'} and {folder / 'risks.csv'}", highlight=False)
    console.print(
        f"  {suggested} suggested risk(s) in risks.csv await review by their owners; {copied} document(s) copied to docs/",
        highlight=False,
    )
    if outcome.defaults_taken:
        console.print(
            f"  {len(outcome.defaults_taken)} default(s) taken without an answer: "
            + ", ".join(q.key for q in outcome.defaults_taken),
            highlight=False,
        )
    open_items = [
        f"{q.prompt} ({q.key})" for q in outcome.left_open if not q.key.startswith("notifications.")
    ]
    open_items += notes
    if open_items:
        console.print(f"\n{len(open_items)} item(s) left open; the documents record a decision for each:")
        for item in open_items:
            console.print(f"  - {item}", highlight=False)
    console.print(
        f"\nNext: isms profile check --workspace {folder}; isms risks check --workspace {folder}; "
        f"isms generate --workspace {folder}",
        highlight=False,
    )
