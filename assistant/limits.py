"""Size and time budgets for reading files the organisation gives us (profile, corpus, register, docs/).

Every parser of an input file works within these budgets, so a hostile or broken file ends in a clear
message naming the file instead of a hang, a traceback or a machine out of memory. Each budget can be
raised or lowered with an environment variable `ISMS_LIMIT_<NAME>` (read when the budget is used, so
tests and long-running processes see changes). These variables are read from the process environment
only: the settings' `.env` file does not know them.
"""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile
import zlib
from dataclasses import dataclass

from assistant.errors import InputError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    """One budget: a default, overridable by `ISMS_LIMIT_<name>`."""

    name: str
    default: int
    help: str

    @property
    def env(self) -> str:
        return f"ISMS_LIMIT_{self.name}"

    @property
    def value(self) -> int:
        raw = os.environ.get(self.env, "").strip()
        if not raw:
            return self.default
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            value = 0
        if value <= 0:
            raise InputError(f"{self.env}: expected a whole number above 0, found {raw!r}")
        return value


# YAML (profile.yaml, the corpus)
YAML_BYTES = Limit("YAML_BYTES", 5 * MB, "size of one YAML file, in bytes")
YAML_NODES = Limit("YAML_NODES", 100_000, "values in one YAML file, counting what aliases repeat")
YAML_ALIASES = Limit("YAML_ALIASES", 500, "alias uses (*name) in one YAML file")
YAML_ALIAS_NODES = Limit("YAML_ALIAS_NODES", 10_000, "values that aliases add to one YAML file")
YAML_DEPTH = Limit("YAML_DEPTH", 64, "nesting depth of one YAML file")
# The risk register (CSV or XLSX)
REGISTER_BYTES = Limit("REGISTER_BYTES", 20 * MB, "size of the risk register file, in bytes")
REGISTER_ROWS = Limit("REGISTER_ROWS", 10_000, "risks (non-blank rows after the header) in the register")
REGISTER_COLUMNS = Limit("REGISTER_COLUMNS", 64, "columns of the risk register")
REGISTER_CELL_CHARS = Limit("REGISTER_CELL_CHARS", 20_000, "characters in one cell of the risk register")
# Zip packages (XLSX, DOCX), checked before any library opens them
ZIP_BYTES = Limit("ZIP_BYTES", 50 * MB, "uncompressed size of an XLSX or DOCX, in bytes")
ZIP_ENTRIES = Limit("ZIP_ENTRIES", 2_000, "parts inside an XLSX or DOCX")
ZIP_RATIO = Limit("ZIP_RATIO", 200, "uncompressed size of an XLSX or DOCX divided by its size on disk")
ZIP_XML_TAGS = Limit("ZIP_XML_TAGS", 1_000_000, "XML tags (counted as '<') in all parts of an XLSX or DOCX")
# Existing documents (docs/)
DOC_BYTES = Limit("DOC_BYTES", 20 * MB, "size of one file in docs/, in bytes")
TEXT_BYTES = Limit("TEXT_BYTES", 5 * MB, "size of one Markdown or text file in docs/, in bytes")
TEXT_LINE_CHARS = Limit("TEXT_LINE_CHARS", 100_000, "characters in one line of a document's text")
DOC_TEXT_CHARS = Limit("DOC_TEXT_CHARS", 5_000_000, "characters of text read from one document")
PDF_PAGES = Limit("PDF_PAGES", 2_000, "pages of one PDF")
DOCS_FILES = Limit("DOCS_FILES", 2_000, "files looked at in docs/")
DOCS_DEPTH = Limit("DOCS_DEPTH", 16, "folder levels below docs/")
PATH_CHARS = Limit("PATH_CHARS", 255, "characters in a file's path below the workspace")
# Time
PARSE_SECONDS = Limit("PARSE_SECONDS", 60, "seconds to read one file")

ALL_LIMITS = [
    YAML_BYTES,
    YAML_NODES,
    YAML_ALIASES,
    YAML_ALIAS_NODES,
    YAML_DEPTH,
    REGISTER_BYTES,
    REGISTER_ROWS,
    REGISTER_COLUMNS,
    REGISTER_CELL_CHARS,
    ZIP_BYTES,
    ZIP_ENTRIES,
    ZIP_RATIO,
    ZIP_XML_TAGS,
    DOC_BYTES,
    TEXT_BYTES,
    TEXT_LINE_CHARS,
    DOC_TEXT_CHARS,
    PDF_PAGES,
    DOCS_FILES,
    DOCS_DEPTH,
    PATH_CHARS,
    PARSE_SECONDS,
]


def describe() -> list[tuple[str, int, str]]:
    """(environment variable, current value, what it bounds) for every budget."""
    return [(limit.env, limit.value, limit.help) for limit in ALL_LIMITS]


class LimitExceeded(Exception):
    """A file is over a budget or malformed; the message is the reason, without the file name."""


class Deadline:
    """A time budget for reading one file; `check()` between steps of a parser that can be slow."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = float(PARSE_SECONDS.value if seconds is None else seconds)
        self._end = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise LimitExceeded(
                f"reading took longer than {self.seconds:g} seconds ({PARSE_SECONDS.env}); gave up"
            )


def megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB" if size < 10 * MB else f"{size // MB} MB"


def read_bounded(path: os.PathLike[str] | str, limit: int, env: str, *, follow: bool = True) -> bytes:
    """Read a regular file of at most `limit` bytes.

    A FIFO or device is refused without reading it (reading one could block for ever), and the file is
    read through one descriptor, so it cannot be swapped for another between the check and the read.
    With `follow=False` a symbolic link is refused instead of followed.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow and os.path.islink(path):
            raise LimitExceeded("is a symbolic link; not followed") from None
        raise LimitExceeded(f"cannot be opened ({exc.strerror or exc.__class__.__name__})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LimitExceeded("not a regular file")
        if info.st_size > limit:
            raise LimitExceeded(f"file is {megabytes(info.st_size)}; the limit is {megabytes(limit)} ({env})")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(f"file is larger than {megabytes(limit)} ({env})")
    return data


# Office Open XML forbids DTDs (ECMA-376 part 2, 8.1.4): a DOCTYPE or ENTITY declaration in a part is
# either a broken file or an attempt at entity expansion (XXE, billion laughs), so it is refused. The
# UTF-16-LE spelling also matches UTF-16-BE text, one byte along.
_DTD_MARKERS = [m for word in (b"<!doctype", b"<!entity") for m in (word, word.decode().encode("utf-16-le"))]
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def check_ooxml_package(data: bytes, *, kind: str, deadline: Deadline | None = None) -> None:
    """Check an XLSX or DOCX as a zip before a library opens it: a readable zip within the entry, size
    and ratio budgets, every XML part intact and free of DTDs. Raise LimitExceeded with the reason."""
    deadline = deadline or Deadline()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise LimitExceeded(
            f"corrupt {kind}: not a zip package ({exc}); is it truncated, password-protected or an old "
            "binary Office file?"
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > ZIP_ENTRIES.value:
            raise LimitExceeded(
                f"{kind} has {len(infos)} parts; the limit is {ZIP_ENTRIES.value} ({ZIP_ENTRIES.env})"
            )
        total = sum(info.file_size for info in infos)
        if total > ZIP_BYTES.value:
            raise LimitExceeded(
                f"{kind} expands to {megabytes(total)}; the limit is {megabytes(ZIP_BYTES.value)} "
                f"({ZIP_BYTES.env}): possible zip bomb"
            )
        ratio = total / max(1, len(data))
        if total > MB and ratio > ZIP_RATIO.value:
            raise LimitExceeded(
                f"{kind} expands {ratio:.0f} times ({megabytes(len(data))} to {megabytes(total)}); the "
                f"limit is {ZIP_RATIO.value} ({ZIP_RATIO.env}): possible zip bomb"
            )
        # The libraries build objects for every element of the parts they read (openpyxl took 34 s and
        # 1.2 GB for one row of 1.5 million cells in an 8 MB file): the markup is bounded as well.
        tags = [0, ZIP_XML_TAGS.value]
        for info in infos:
            if info.flag_bits & 0x1:
                raise LimitExceeded(f"corrupt {kind}: part {info.filename!r} is encrypted")
            if info.filename.lower().endswith(_XML_SUFFIXES):
                _scan_xml_part(archive, info, kind, deadline, tags)


def _scan_xml_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str, deadline: Deadline, tags: list[int]
) -> None:
    tail = b""
    try:
        with archive.open(info) as part:
            while chunk := part.read(1024 * 1024):
                tags[0] += chunk.count(b"<")
                if tags[0] > tags[1]:
                    raise LimitExceeded(
                        f"{kind} holds more than {tags[1]:,} XML tags ({ZIP_XML_TAGS.env}); refused"
                    )
                window = (tail + chunk).lower()
                if any(marker in window for marker in _DTD_MARKERS):
                    raise LimitExceeded(
                        f"{kind} part {info.filename!r} declares a DTD or entities (<!DOCTYPE/<!ENTITY), "
                        "which Office files never contain; refused"
                    )
                tail = window[-24:]
                deadline.check()
    except LimitExceeded:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
        raise LimitExceeded(f"corrupt {kind}: part {info.filename!r} cannot be read ({exc})") from None
