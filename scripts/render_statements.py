"""Show what a catalogue document's statements render to for every example organisation.

    .venv/bin/python scripts/render_statements.py DOC_ID [--example NAME]

For writing and reviewing `statements:` in corpus/documents/*.yaml: each section's rendered rules, its
blocks' names and the decisions recorded for missing facts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.drafting.block_registry import BLOCKS  # noqa: E402
from assistant.drafting.statements import CONDITION, render_statements, schema_paths, unknown_fields  # noqa: E402
from assistant.errors import IsmsError  # noqa: E402
from assistant.inputs.profile import load_profile  # noqa: E402
from assistant.knowledge.models import Control, DocumentSpec  # noqa: E402
from assistant.yamlio import validate_yaml_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("doc_id")
    parser.add_argument("--example", action="append")
    args = parser.parse_args()
    if args.doc_id.startswith("A."):
        return show_control(args.doc_id, args.example)
    path = REPO / "corpus" / "documents" / f"{args.doc_id}.yaml"
    try:  # this file alone, so that work in progress on other files does not get in the way
        doc: DocumentSpec = validate_yaml_file(path, DocumentSpec, what="document")
    except IsmsError as exc:
        sys.exit("\n".join([exc.message, *(exc.details or [])]))
    known = schema_paths()
    problems = []
    for section in doc.sections:
        problems += [f"{section.heading}: unknown block {b!r}" for b in section.blocks if b not in BLOCKS]
        problems += _problems(section.heading, section.statements, known)
    if problems:
        sys.exit("PROBLEMS:\n" + "\n".join(problems))
    for name in _examples(args.example):
        profile = load_profile(REPO / "examples" / name / "profile.yaml")
        print(f"\n==================== {name}: {doc.title}")
        for section in doc.sections:
            rendered = render_statements(list(section.statements), profile, list(section.decisions))
            print(
                f"\n## {section.heading}  ({len(rendered.lines)} statements; blocks: {', '.join(section.blocks) or '-'})"
            )
            for line in rendered.lines:
                print(f"- {line}")
            for question in rendered.decisions:
                print(f"  DECISION NEEDED: {question}")


def _examples(chosen: list[str] | None) -> list[str]:
    return chosen or sorted(p.name for p in (REPO / "examples").iterdir() if (p / "profile.yaml").exists())


def _problems(where: str, statements: list, known: set[str]) -> list[str]:
    problems = []
    for statement in statements:
        problems += [f"{where}: unknown field {{{p}}}" for p in unknown_fields(statement.text, known)]
        match = CONDITION.match(statement.when or "x")
        if match is None:
            problems.append(f"{where}: unreadable condition {statement.when!r}")
        elif statement.when:
            problems += [
                f"{where}: unknown field in condition {p}"
                for p in unknown_fields("{" + match.group(2) + "}", known)
            ]
    return problems


def show_control(control_id: str, examples: list[str] | None) -> None:
    """A control's `statements` (how an organisation implements it) for every example organisation."""
    try:
        control: Control = validate_yaml_file(
            REPO / "corpus" / "controls" / f"{control_id}.yaml", Control, what="control"
        )
    except IsmsError as exc:
        sys.exit("\n".join([exc.message, *(exc.details or [])]))
    problems = _problems(control_id, control.statements, schema_paths())
    if problems:
        sys.exit("PROBLEMS:\n" + "\n".join(problems))
    for name in _examples(examples):
        profile = load_profile(REPO / "examples" / name / "profile.yaml")
        rendered = render_statements(list(control.statements), profile, [])
        print(
            f"\n== {name}: {control_id} {control.title} ({len(rendered.lines)} of {len(control.statements)})"
        )
        for line in rendered.lines:
            print(f"- {line}")
        for question in rendered.decisions:
            print(f"  DECISION NEEDED: {question}")


if __name__ == "__main__":
    main()
