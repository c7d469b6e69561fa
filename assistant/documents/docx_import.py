"""Word back to Markdown: the body of a .docx as our generator writes it, and its document-control fields.

Our exporter's chrome (title block, document control, change history, approval record, the annex) is
recognised by its headings and left out; section headings lose their numbers. Lists come back from list
styles ("List Bullet 2") or Word numbering (level, bullet/number format, restarts and start values), bold,
italic and code spans from run properties (see `docx_runs`), hyperlinks with their addresses, Quote-style
paragraphs as block quotes, tables as Markdown tables. What Word cannot carry (a loose list, a deeper
heading) is restored from the version the file was exported from (see `assistant.documents.reimport`).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from assistant.documents.docx_runs import Run, is_code, is_quote, join, numbering, read_run
from assistant.documents.docx_runs import plain as _plain
from assistant.errors import InputError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CHROME_HEADINGS = {"document control", "approval", "change history", "approval record", "contents"}
ANNEX = re.compile(r"^annex\b.*control mapping", re.IGNORECASE)
LIST_BREAK = "<!-- -->"  # between two lists Markdown would otherwise merge (a blank line does not part them)
SECTION_NUMBER = re.compile(r"^\s*\d+(?:\.\s*\d+)*\.?\s+")
CONTROL_FIELDS = {
    "document id": "id",
    "document reference": "reference",
    "version": "version",
    "status": "status",
    "owner": "owner",
    "approver": "approver",
    "classification": "classification",
    "effective date": "effective_date",
    "next review": "next_review",
    "distribution": "distribution",
}


@dataclass
class WordDocument:
    title: str  # the Title paragraph ("" when the file has none)
    body: str  # Markdown: "# title" when there is one, then "## section" blocks; chrome and annex left out
    fields: dict[str, str] = field(default_factory=dict)  # the document-control table, by front matter key
    ours: bool = False  # made by our exporter: its document-control table was found


def read_docx(data: bytes, source: str) -> WordDocument:
    """Parse a Word file; InputError naming `source` when it is not a readable .docx."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{source}: not a readable Word file ({exc.__class__.__name__})") from None
    except Exception as exc:  # lxml's XMLSyntaxError and other parse failures of a damaged package
        raise InputError(f"{source}: not a readable Word file ({exc.__class__.__name__})") from None
    return _Reader(document).read()


class _Reader:
    def __init__(self, document: Any) -> None:
        self.part = document.part
        self.styles = {s.style_id: s.name for s in document.styles}
        self.formats, self.starts = numbering(document)
        self.body = document.element.body
        self.blocks: list[str] = []
        self.fields: dict[str, str] = {}
        self.title = ""
        self.ours = False
        self._stack: list[tuple[str, int, int, str]] = []  # (kind, level, count, numId) of the open levels

    def read(self) -> WordDocument:
        items = list(self.body)
        index, in_sections, skip_table, control, contents = 0, False, False, False, False
        list_run: list[str] = []
        quoting = False
        while index < len(items):
            element = items[index]
            index += 1
            was_quote, quoting = quoting, False
            if element.tag == f"{W}tbl":
                self._flush(list_run)
                rows = self._table_rows(element)
                if control:
                    self.fields = _control_fields(rows)
                    self.ours = self.ours or bool(self.fields)
                if not skip_table and rows:
                    self.blocks.append(_markdown_table(rows))
                skip_table = control = False
                continue
            if element.tag != f"{W}p":
                continue
            style = self._style(element)
            text = self._inline(element)
            plain = _plain(element).strip()
            if style == "title" and not self.title:
                self.title = plain
                continue
            if style == "subtitle" and not in_sections:
                continue
            heading = _heading_level(style)
            if heading == 2 and not in_sections and plain.lower() in CHROME_HEADINGS:
                self._flush(list_run)
                contents = plain.lower() == "contents"  # the table of contents' entries follow, no table
                skip_table, control = not contents, plain.lower() == "document control"
                continue
            if contents and not heading:
                continue
            contents = False
            if heading == 1:
                self._flush(list_run)
                if ANNEX.match(plain):
                    break  # the generated annex: everything after it is generated too
                in_sections = True
                self.blocks.append("## " + SECTION_NUMBER.sub("", text.strip(), count=1))
                continue
            if heading:
                self._flush(list_run)
                self.blocks.append("#" * min(heading + 1, 4) + " " + text.strip())
                continue
            kind = self._list_kind(element, style)
            if kind is not None:
                self._list_item(list_run, kind, _num_id(element), text.strip())
                continue
            self._flush(list_run)
            if is_quote(element, style):
                quote = "> " + self._inline(element, quoted=True).strip()
                if was_quote:  # one quote of several paragraphs
                    self.blocks[-1] += "\n>\n" + quote
                else:
                    self.blocks.append(quote)
                quoting = True
            elif is_code(element):
                self.blocks.append("```\n" + _plain(element).rstrip() + "\n```")
            elif text.strip():
                self.blocks.append(text.strip())
        self._flush(list_run)
        head = [f"# {self.title}"] if self.title else []
        return WordDocument(self.title, "\n\n".join(head + self.blocks) + "\n", self.fields, self.ours)

    # Lists: consecutive list paragraphs make one tight list; nesting by indent under the parent's marker. A
    # paragraph numbered by another numbering instance (Word's "restart numbering") starts a new list.
    def _list_item(self, run: list[str], kind: tuple[str, int], num: str, text: str) -> None:
        style, level = kind
        while self._stack and self._stack[-1][1] > level:
            self._stack.pop()
        top = self._stack[-1] if self._stack and self._stack[-1][1] == level else None
        if top is not None and top[0] == style and top[3] == num:
            count = self._stack.pop()[2] + 1
        else:
            if top is not None:
                self._stack.pop()
            count = self.starts.get((num, level), 1) if style == "number" else 1
            if level == 0 and run and top is not None and top[0] == style:
                self._flush(run)
                self.blocks.append(LIST_BREAK)
            elif level == 0 and run and count != 1:  # a list starting at 3 cannot follow one unparted
                self._flush(run)
        indent = sum(2 if k == "bullet" else len(f"{c}. ") for k, _lvl, c, _num in self._stack)
        self._stack.append((style, level, count, num))
        marker = "- " if style == "bullet" else f"{count}. "
        run.append(" " * indent + marker + text)

    def _flush(self, run: list[str]) -> None:
        if run:
            self.blocks.append("\n".join(run))
            run.clear()
        self._stack = []

    def _style(self, p: Any) -> str:
        ref = p.find(f"{W}pPr/{W}pStyle")
        sid = ref.get(f"{W}val", "") if ref is not None else ""
        return str(self.styles.get(sid, sid)).lower()

    def _list_kind(self, p: Any, style: str) -> tuple[str, int] | None:
        named = re.match(r"list (bullet|number)(?: (\d))?$", style)
        num = p.find(f"{W}pPr/{W}numPr")
        level = 0
        if num is not None:
            ilvl = num.find(f"{W}ilvl")
            level = int(ilvl.get(f"{W}val", "0")) if ilvl is not None else 0
        if named:
            kind = "bullet" if named.group(1) == "bullet" else "number"
            return kind, max(level, int(named.group(2) or 1) - 1)
        if num is None:
            return None
        num_id = num.find(f"{W}numId")
        fmt = self.formats.get((num_id.get(f"{W}val", "") if num_id is not None else "", level), "bullet")
        if fmt == "none":
            return None
        return ("bullet" if fmt == "bullet" else "number"), level

    def _inline(self, p: Any, quoted: bool = False) -> str:
        """A paragraph's runs as Markdown; `quoted`: a quote in italic throughout, whose italic is the quote's."""
        runs: list[Run] = []
        for child in p:
            if child.tag == f"{W}r":
                runs.append(read_run(child))
            elif child.tag == f"{W}hyperlink":
                label = join([read_run(r) for r in child.iter(f"{W}r")])
                url = self._url(child)
                runs.append(Run(_link(label, url), False, False))
            elif child.tag in (f"{W}ins", f"{W}smartTag", f"{W}fldSimple"):
                runs.extend(read_run(r) for r in child.iter(f"{W}r"))
        if quoted and runs and all(r.italic for r in runs if r.text.strip()):
            runs = [r._replace(italic=False) for r in runs]
        return join(runs)

    def _url(self, link: Any) -> str:
        rid = link.get(R_ID)
        rel = self.part.rels.get(rid) if rid else None
        return str(rel.target_ref) if rel is not None and rel.is_external else ""

    def _table_rows(self, table: Any) -> list[list[str]]:
        rows = []
        for tr in table.findall(f"{W}tr"):
            cells = []
            for tc in tr.findall(f"{W}tc"):
                texts = [self._inline(p).strip() for p in tc.findall(f"{W}p")]
                cells.append(" ".join(t for t in texts if t).replace("|", "\\|"))
            rows.append(cells)
        return rows


def _num_id(p: Any) -> str:
    num = p.find(f"{W}pPr/{W}numPr/{W}numId")
    return str(num.get(f"{W}val", "")) if num is not None else ""


def _link(label: str, url: str) -> str:
    if not url:
        return label
    if url in (label, f"mailto:{label}"):
        return f"<{label}>"  # an autolink
    return f"[{label}]({url})"


def _heading_level(style: str) -> int:
    match = re.match(r"heading (\d)$", style)
    return int(match.group(1)) if match else 0


def _markdown_table(rows: list[list[str]]) -> str:
    cols = max(len(r) for r in rows)
    bold = re.compile(r"^\*\*(.*)\*\*$")
    if all(bold.match(c) or not c for c in rows[0]):  # a header row styled bold, as our exporter does
        rows = [[bold.sub(r"\1", c) for c in rows[0]], *rows[1:]]
    lines = ["| " + " | ".join((r + [""] * cols)[:cols]) + " |" for r in rows]
    lines.insert(1, "|" + "---|" * cols)
    return "\n".join(lines)


def _control_fields(rows: list[list[str]]) -> dict[str, str]:
    fields = {}
    for row in rows[1:]:
        if len(row) >= 2 and row[0].strip().lower() in CONTROL_FIELDS:
            fields[CONTROL_FIELDS[row[0].strip().lower()]] = row[1].replace("\\|", "|").strip()
    return fields
