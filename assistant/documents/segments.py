"""A Markdown body cut into the units a reader judges one at a time: sentences of prose, list items,
and table rows (each with its table's header), every one labelled with the section it stands in.

The fact checker, the drafter's validation and every text check of the evaluation read documents through
this one segmenter, so a sentence means the same thing everywhere (tables and the annex included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

UnitKind = Literal["sentence", "item", "row"]

# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|etc|approx|incl|no|vs|cf|Ltd|Inc|Co|St|Dr|Mr|Mrs|Ms)\.", re.I)
_DOT = "\u2024"  # one-dot leader stands in for a protected full stop while splitting
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(\[*_`]?[A-Z0-9])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)")
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}")


@dataclass(frozen=True)
class Unit:
    section: str  # the "## " heading it stands under ("" before the first one)
    kind: UnitKind
    text: str  # plain text: emphasis and link targets removed; a row's cells joined with " | "
    header: tuple[str, ...] = ()  # a row's table header
    cells: tuple[str, ...] = ()  # a row's cells

    @property
    def context(self) -> str:
        """What the unit is about beyond its own words: its heading and, for a row, its column names."""
        return " ".join((self.section, *self.header))

    def labelled(self) -> str:
        """A row as 'column: value; ...' so that a fact in a cell keeps its column's meaning."""
        if self.kind != "row" or not self.header:
            return self.text
        return "; ".join(f"{h}: {c}" for h, c in zip(self.header, self.cells, strict=False) if c)


def plain(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", _LINK.sub(r"\1", text)).split())


def split_sentences(text: str) -> list[str]:
    protected = _ABBREVIATIONS.sub(lambda m: m.group(1) + _DOT, text)
    parts = _SENTENCE_END.split(protected)
    return [p.replace(_DOT, ".").strip() for p in parts if p.strip()]


def _cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    return tuple(plain(c) for c in re.split(r"(?<!\\)\|", inner))


def segment(body: str) -> list[Unit]:
    """Every unit of a Markdown body, in order. Headings are context, not units."""
    units: list[Unit] = []
    section = ""
    paragraph: list[str] = []
    header: tuple[str, ...] | None = None
    in_code = False

    def flush() -> None:
        if paragraph:
            for sentence in split_sentences(plain(" ".join(paragraph))):
                units.append(Unit(section, "sentence", sentence))
            paragraph.clear()

    for raw in body.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            continue
        stripped = line.strip()
        if stripped.startswith("|"):
            flush()
            if _SEPARATOR.match(stripped):
                continue
            cells = _cells(stripped)
            if header is None:
                header = cells
            else:
                units.append(Unit(section, "row", " | ".join(c for c in cells if c), header, cells))
            continue
        header = None
        if not stripped:
            flush()
            continue
        if stripped.startswith("#"):
            flush()
            level = len(stripped) - len(stripped.lstrip("#"))
            if level == 2:
                section = plain(stripped[level:])
            continue
        if _LIST_ITEM.match(line):
            flush()
            item = plain(_LIST_ITEM.sub("", line, count=1))
            for sentence in split_sentences(item):
                units.append(Unit(section, "item", sentence))
            continue
        paragraph.append(stripped.lstrip("> "))
    flush()
    return units
