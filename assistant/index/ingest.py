"""Read the workspace's existing documents (`docs/`) safely: every bad file is skipped with a reason."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200
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
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(workspace_root)) if path.is_relative_to(workspace_root) else str(path)
        if path.is_dir() and not path.is_symlink():
            continue
        if path.name.startswith(".") or path.name.startswith("~$"):
            continue
        try:
            result.documents.append(read_document(path, relative, root))
        except Skip as reason:
            result.skipped.append((relative, str(reason)))
    return result


def read_document(path: Path, relative: str, root: Path) -> SourceDocument:
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            raise Skip(f"symlink points outside the workspace ({target})")
    if path.suffix.lower() not in SUFFIXES:
        raise Skip(
            f"unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(SUFFIXES))}"
        )
    if not path.is_file():
        raise Skip("not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise Skip("empty file")
    if size > MAX_FILE_BYTES:
        raise Skip(f"file is {size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        sections = _read_docx(path)
    elif suffix == ".pdf":
        sections = _read_pdf(path)
    else:
        sections = _read_text(path)
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise Skip("no text found")
    title = sections[0].heading if sections[0].heading else path.stem.replace("-", " ").replace("_", " ")
    return SourceDocument(path=path, relative=relative, title=title, sections=sections)


def _read_text(path: Path) -> list[Section]:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise Skip("binary data in a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Skip(f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    if path.suffix.lower() in {".md", ".markdown"}:
        return _markdown_sections(text)
    return [Section(heading="", text=text, location="line 1")]


def _markdown_sections(text: str) -> list[Section]:
    """Split Markdown at headings using markdown-it's token map (fenced code is not a heading)."""
    from markdown_it import MarkdownIt

    lines = text.splitlines()
    tokens = MarkdownIt("commonmark").parse(text)
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


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise Skip(f"corrupt DOCX ({exc})") from None
    total = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO and total > 10 * 1024 * 1024:
        raise Skip(f"DOCX expands to {total // (1024 * 1024)} MB (possible zip bomb)")


def _read_docx(path: Path) -> list[Section]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    _check_zip(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Skip(f"corrupt DOCX ({exc.__class__.__name__})") from None
    except Exception as exc:  # lxml and python-docx raise many types for malformed parts
        raise Skip(f"corrupt DOCX ({exc.__class__.__name__}: {exc})") from None
    sections: list[Section] = []
    heading, start = "", 1
    body: list[str] = []
    for number, para in enumerate(document.paragraphs, start=1):
        style = (para.style.name if para.style is not None else "") or ""
        if style.lower().startswith(("heading", "title")) and para.text.strip():
            if heading or body:
                sections.append(Section(heading=heading, text="\n".join(body), location=f"paragraph {start}"))
            heading, body, start = para.text.strip(), [], number
        elif para.text.strip():
            body.append(para.text.strip())
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        body.append("\n".join(rows))
    sections.append(Section(heading=heading, text="\n".join(body), location=f"paragraph {start}"))
    return sections


def _read_pdf(path: Path) -> list[Section]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise Skip(f"corrupt PDF ({exc.__class__.__name__})") from None
    return [Section(heading="", text=text, location=f"page {n}") for n, text in enumerate(pages, start=1)]


def folder_text(folder: Path, workspace_root: Path) -> str:
    """All readable text of `folder` (the organisation's own documents) as one string; bad files skipped."""
    result = ingest_folder(folder, workspace_root)
    return "\n".join(f"{s.heading}\n{s.text}" for d in result.documents for s in d.sections)
