"""Read the workspace's existing documents (`docs/`) safely: every bad file is skipped with a reason.

Every file is read within the budgets of `assistant.limits` (size on disk, size of a text file, zip
entries/size/ratio of a DOCX, pages of a PDF, characters and line length of the text, a time budget), so
a hostile file is skipped in well under a second instead of hanging indexing or generation. The folder
is walked without following symbolic links to folders; a link (or a `docs/` folder) that leads out of
the workspace is skipped, and so are names that are not UTF-8, hold control characters or are too long.
Skipped files are reported, never dropped: `isms index build` warns (and fails with `--strict`) and the
register of existing documents lists them as "could not be read".
"""

from __future__ import annotations

import io
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.limits import (
    DOC_BYTES,
    DOC_TEXT_CHARS,
    DOCS_DEPTH,
    DOCS_FILES,
    PATH_CHARS,
    PDF_PAGES,
    TEXT_BYTES,
    TEXT_LINE_CHARS,
    ZIP_BYTES,
    ZIP_RATIO,
    Deadline,
    LimitExceeded,
    check_ooxml_package,
    megabytes,
    read_bounded,
)

MAX_FILE_BYTES = DOC_BYTES.default
MAX_UNZIPPED_BYTES = ZIP_BYTES.default
MAX_ZIP_RATIO = ZIP_RATIO.default
TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, with where it came from."""

    heading: str
    text: str
    location: str


@dataclass(frozen=True)
class SourceDocument:
    path: Path
    relative: str
    title: str
    sections: list[Section]


@dataclass
class IngestResult:
    documents: list[SourceDocument] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


class Skip(Exception):
    """A file that cannot be ingested; the message is the reason."""


def ingest_folder(folder: Path, workspace_root: Path) -> IngestResult:
    """Read every supported file under `folder`; never raise for a bad file."""
    result = IngestResult()
    if not folder.is_dir():
        return result
    root = workspace_root.resolve()
    try:
        allowed = _allowed_root(folder, workspace_root, root)
    except Skip as reason:
        result.skipped.append((display_name(_relative(folder, workspace_root)), str(reason)))
        return result
    files, problems = _walk(folder)
    for path, problem in problems:
        result.skipped.append((display_name(_relative(path, workspace_root)), problem))
    for path in files:
        relative = _relative(path, workspace_root)
        try:
            _check_name(relative)
            result.documents.append(read_document(path, relative, allowed))
        except Skip as reason:
            result.skipped.append((display_name(relative), str(reason)))
    return result


def _relative(path: Path, workspace_root: Path) -> str:
    return str(path.relative_to(workspace_root)) if path.is_relative_to(workspace_root) else str(path)


def _allowed_root(folder: Path, workspace_root: Path, root: Path) -> Path:
    """Where symbolic links may lead: the workspace for its own `docs/` (which must itself stay inside
    it), or a folder given explicitly outside the workspace (`--docs DIR`)."""
    inside = Path(os.path.abspath(folder)).is_relative_to(Path(os.path.abspath(workspace_root)))
    try:
        target = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        raise Skip("the folder cannot be opened (broken symbolic link or a link loop)") from None
    if not inside:
        return target
    if not target.is_relative_to(root):
        raise Skip("symlink points outside the workspace; not followed")
    return root


def _walk(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files under `folder`, sorted; folders that are symbolic links are returned as files (to be
    refused by `read_document`), hidden entries and Office lock files (`~$...`) are ignored. Bounded in
    files and depth; no recursion."""
    max_files, max_depth = DOCS_FILES.value, DOCS_DEPTH.value
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    pending: list[tuple[Path, int]] = [(folder, 0)]
    while pending:
        directory, depth = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            problems.append((directory, f"folder cannot be read ({exc.strerror or exc.__class__.__name__})"))
            continue
        for entry in entries:
            if entry.name.startswith((".", "~$")):
                continue
            path = directory / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if depth + 1 > max_depth:
                    problems.append(
                        (
                            path,
                            f"folder is more than {max_depth} levels below docs/; not read ({DOCS_DEPTH.env})",
                        )
                    )
                else:
                    pending.append((path, depth + 1))
                continue
            if len(files) >= max_files:
                problems.append(
                    (folder, f"more than {max_files} files; the rest were not read ({DOCS_FILES.env})")
                )
                return sorted(files), problems
            files.append(path)
    return sorted(files), problems


# Control and format characters (a newline, an escape sequence, a right-to-left override) and line
# separators: shown escaped, never printed.
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def display_name(relative: str) -> str:
    """A file name fit for a terminal, a Markdown table and a Word document: undecodable bytes shown as
    \\xNN, control characters escaped, very long names shortened."""
    text = os.fsencode(relative).decode("utf-8", "backslashreplace")
    text = "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in _HIDDEN else ch
        for ch in text
    )
    limit = PATH_CHARS.value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_name(relative: str) -> None:
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        raise Skip("file name is not valid UTF-8; rename the file") from None
    if any(unicodedata.category(ch) == "Cc" for ch in relative):
        raise Skip("file name contains control characters; rename the file")
    if len(relative) > PATH_CHARS.value:
        raise Skip(
            f"file name is too long ({len(relative)} characters; the limit is {PATH_CHARS.value}, "
            f"{PATH_CHARS.env}); rename the file"
        )


def read_document(path: Path, relative: str, root: Path) -> SourceDocument:
    """Read one file within the budgets; raise Skip with the reason when it cannot be read.

    `root` is where a symbolic link may lead (the workspace)."""
    source = path
    if path.is_symlink():
        try:
            source = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise Skip("broken symbolic link or a link loop") from None
        if not source.is_relative_to(root):
            # The target is not named: this reason is printed in the generated register of documents.
            raise Skip("symlink points outside the workspace; not followed")
        if source.is_dir():
            raise Skip("symlink to a folder; not followed")
    if path.suffix.lower() not in SUFFIXES:
        raise Skip(
            f"unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(SUFFIXES))}"
        )
    deadline = Deadline()
    try:
        data = read_bounded(source, DOC_BYTES.value, DOC_BYTES.env, follow=False)
    except LimitExceeded as exc:
        raise Skip(str(exc)) from None
    if not data:
        raise Skip("empty file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            sections = _read_docx(data, deadline)
        elif suffix == ".pdf":
            sections = _read_pdf(data, deadline)
        else:
            sections = _read_text(data, suffix, deadline)
        _check_text(sections)
    except LimitExceeded as exc:
        raise Skip(str(exc)) from None
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise Skip("no text found")
    title = sections[0].heading if sections[0].heading else path.stem.replace("-", " ").replace("_", " ")
    return SourceDocument(path=path, relative=relative, title=title, sections=sections)


def _check_text(sections: list[Section]) -> None:
    """Text beyond the budgets is refused here rather than left to the chunker and the embedder, whose
    cost grows with it (a 19 MB line once took ten minutes and 1.9 GB to split)."""
    total = sum(len(s.heading) + len(s.text) for s in sections)
    if total > DOC_TEXT_CHARS.value:
        raise LimitExceeded(
            f"holds {total:,} characters of text; the limit is {DOC_TEXT_CHARS.value:,} ({DOC_TEXT_CHARS.env})"
        )
    limit = TEXT_LINE_CHARS.value
    for section in sections:
        for text in (section.heading, section.text):
            if len(text) <= limit:
                continue
            longest = max(text.splitlines() or [""], key=len)
            if len(longest) > limit:
                raise LimitExceeded(
                    f"a line at {section.location} is {len(longest):,} characters long; the limit is "
                    f"{limit:,} ({TEXT_LINE_CHARS.env})"
                )


def _read_text(raw: bytes, suffix: str, deadline: Deadline) -> list[Section]:
    if len(raw) > TEXT_BYTES.value:
        raise Skip(
            f"text file is {megabytes(len(raw))}; the limit for text files is {megabytes(TEXT_BYTES.value)} "
            f"({TEXT_BYTES.env})"
        )
    if b"\x00" in raw:
        raise Skip("binary data in a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Skip(f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    if suffix in {".md", ".markdown"}:
        sections = _markdown_sections(text)
        deadline.check()
        return sections
    return [Section(heading="", text=text, location="line 1")]


def _markdown_sections(text: str) -> list[Section]:
    """Split Markdown at headings using markdown-it's token map (fenced code is not a heading)."""
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    # Block structure only: headings carry their raw text, and inline parsing (emphasis, links) has
    # inputs that take it minutes (200 KB of "![" took nine seconds).
    tokens = MarkdownIt("commonmark").disable("inline").parse(text)
    starts: list[tuple[int, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            starts.append((token.map[0], tokens[index + 1].content))
    if not starts or starts[0][0] > 0:
        starts.insert(0, (0, ""))
    sections = []
    for n, (start, heading) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body_start = start + 1 if heading else start
        body = "\n".join(lines[body_start:end]).strip()
        sections.append(Section(heading=heading, text=body, location=f"line {start + 1}"))
    return sections


def _read_docx(data: bytes, deadline: Deadline) -> list[Section]:
    """Paragraphs under their headings, then the tables. The package is checked first (zip budgets,
    no DTD in any XML part); python-docx parses with lxml and `resolve_entities=False` as well."""
    import docx

    check_ooxml_package(data, kind="DOCX", deadline=deadline)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # lxml and python-docx raise many types for malformed parts
        raise Skip(f"corrupt DOCX ({_describe(exc)})") from None
    sections: list[Section] = []
    heading, start = "", 1
    body: list[str] = []
    try:
        for number, para in enumerate(document.paragraphs, start=1):
            deadline.check()
            style = (para.style.name if para.style is not None else "") or ""
            text = para.text.strip()
            if style.lower().startswith(("heading", "title")) and text:
                if heading or body:
                    sections.append(
                        Section(heading=heading, text="\n".join(body), location=f"paragraph {start}")
                    )
                heading, body, start = text, [], number
            elif text:
                body.append(text)
        for table in document.tables:
            rows = []
            for row in table.rows:
                deadline.check()
                rows.append(" | ".join(cell.text.strip() for cell in row.cells))
            body.append("\n".join(rows))
    except LimitExceeded:
        raise
    except Exception as exc:
        raise Skip(f"corrupt DOCX ({_describe(exc)})") from None
    sections.append(Section(heading=heading, text="\n".join(body), location=f"paragraph {start}"))
    return sections


def _read_pdf(data: bytes, deadline: Deadline) -> list[Section]:
    """Text page by page, within the page and time budgets (pypdf bounds each stream's size itself)."""
    from pypdf import PdfReader

    max_pages = PDF_PAGES.value
    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
        if count > max_pages:
            raise LimitExceeded(f"PDF has {count} pages; the limit is {max_pages} ({PDF_PAGES.env})")
        pages: list[str] = []
        for page in reader.pages:
            deadline.check()
            pages.append(page.extract_text() or "")
    except LimitExceeded:
        raise
    except Exception as exc:  # pypdf raises many types for malformed files
        raise Skip(f"corrupt PDF ({_describe(exc)})") from None
    return [Section(heading="", text=text, location=f"page {n}") for n, text in enumerate(pages, start=1)]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def folder_text(folder: Path, workspace_root: Path) -> str:
    """All readable text of `folder` (the organisation's own documents) as one string; bad files skipped."""
    result = ingest_folder(folder, workspace_root)
    return "\n".join(f"{s.heading}\n{s.text}" for d in result.documents for s in d.sections)
