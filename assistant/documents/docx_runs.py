"""Reading Word back to Markdown, run by run: emphasis, code spans, block-quote and code paragraphs, and the
numbering part's formats and start values (used by `assistant.documents.docx_import`)."""

from __future__ import annotations

from typing import Any, NamedTuple

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MONOSPACE = ("consolas", "courier new", "courier", "menlo", "monaco", "lucida console")
QUOTE_INDENT = "720"  # our exporter's block quote where a template has no Quote style: indented, italic


class Run(NamedTuple):
    text: str
    bold: bool
    italic: bool
    code: bool = False


def on(props: Any, tag: str) -> bool:
    el = props.find(f"{W}{tag}") if props is not None else None
    return el is not None and el.get(f"{W}val", "true") not in ("0", "false", "off")


def read_run(r: Any) -> Run:
    parts = []
    for child in r:
        if child.tag == f"{W}t":
            parts.append(child.text or "")
        elif child.tag in (f"{W}tab", f"{W}br", f"{W}cr"):
            parts.append(" ")
    props = r.find(f"{W}rPr")
    return Run("".join(parts), on(props, "b"), on(props, "i"), _monospace(props))


def _monospace(props: Any) -> bool:
    fonts = props.find(f"{W}rFonts") if props is not None else None
    return fonts is not None and fonts.get(f"{W}ascii", "").lower() in MONOSPACE


def join(runs: list[Run]) -> str:
    """Runs as Markdown: neighbours with the same formatting merged, markers outside surrounding spaces,
    code spans in backticks (more of them than any run of backticks inside)."""
    merged: list[Run] = []
    for item in runs:
        if merged and merged[-1][1:] == item[1:]:
            merged[-1] = merged[-1]._replace(text=merged[-1].text + item.text)
        elif item.text:
            merged.append(item)
    out = []
    for text, bold, italic, code in merged:
        mark = ("**" if bold else "") + ("*" if italic else "")
        core = text.strip()
        if not core or (not mark and not code):
            out.append(text)
            continue
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if code:
            ticks = "`" * (max((len(s) for s in _tick_runs(core)), default=0) + 1)
            pad = " " if core.startswith("`") or core.endswith("`") else ""
            core = f"{ticks}{pad}{core}{pad}{ticks}"
        out.append(f"{lead}{mark}{core}{mark[::-1]}{trail}")
    return "".join(out)


def _tick_runs(text: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    return [*runs, current] if current else runs


def plain(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _text_runs(p: Any) -> list[Any]:
    return [r for r in p.iter(f"{W}r") if "".join(t.text or "" for t in r.iter(f"{W}t")).strip()]


def is_code(p: Any) -> bool:
    """A code block: every run with text monospace, at a size of its own (a paragraph of nothing but a
    code span, whose runs keep the paragraph's size, is inline code)."""
    runs = _text_runs(p)
    if not runs or not all(_monospace(r.find(f"{W}rPr")) for r in runs):
        return False
    return any(r.find(f"{W}rPr/{W}sz") is not None for r in runs)


def is_quote(p: Any, style: str) -> bool:
    """A block quote: the Quote style, or our exporter's stand-in (indented, every run italic, no style)."""
    if style in ("quote", "intense quote"):
        return True
    if style or p.find(f"{W}pPr/{W}numPr") is not None:
        return False
    ind = p.find(f"{W}pPr/{W}ind")
    if ind is None or ind.get(f"{W}left", ind.get(f"{W}start", "")) != QUOTE_INDENT:
        return False
    runs = _text_runs(p)
    return bool(runs) and all(on(r.find(f"{W}rPr"), "i") for r in runs)


def numbering(document: Any) -> tuple[dict[tuple[str, int], str], dict[tuple[str, int], int]]:
    """(numId, level) -> numFmt ("bullet", "decimal", ...) and -> start value (a restart's override, else
    the level's start), from the numbering part, when there is one."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}, {}
    abstract: dict[str, dict[int, tuple[str, int]]] = {}
    for a in root.findall(f"{W}abstractNum"):
        levels = abstract.setdefault(a.get(f"{W}abstractNumId", ""), {})
        for lvl in a.findall(f"{W}lvl"):
            fmt = lvl.find(f"{W}numFmt")
            levels[int(lvl.get(f"{W}ilvl", "0"))] = (
                fmt.get(f"{W}val", "") if fmt is not None else "",
                _int(lvl.find(f"{W}start"), 1),
            )
    formats: dict[tuple[str, int], str] = {}
    starts: dict[tuple[str, int], int] = {}
    for num in root.findall(f"{W}num"):
        ref = num.find(f"{W}abstractNumId")
        num_id = num.get(f"{W}numId", "")
        for level, (fmt, start) in abstract.get(
            ref.get(f"{W}val", "") if ref is not None else "", {}
        ).items():
            formats[(num_id, level)] = fmt
            starts[(num_id, level)] = start
        for override in num.findall(f"{W}lvlOverride"):
            level = int(override.get(f"{W}ilvl", "0"))
            if override.find(f"{W}startOverride") is not None:
                starts[(num_id, level)] = _int(override.find(f"{W}startOverride"), 1)
    return formats, starts


def _int(el: Any, default: int) -> int:
    value = el.get(f"{W}val", "") if el is not None else ""
    return int(value) if value.lstrip("-").isdigit() else default
