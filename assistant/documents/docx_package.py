"""The Word package around a rendered body: the template read once per run (its parts, styles and page
setup), the header and footer, and the zip written per document with the body, header, footer, localised
styles and file properties in place of the template's."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from assistant.documents.docx_layout import VML_NAMESPACES, localised_parts, watermark_run
from assistant.documents.docx_properties import CORE_TYPE, core_part_name, with_core_relationship
from assistant.errors import InputError

BUNDLED_TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "isms-template.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
FOOTER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
FOOTER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
REQUIRED_STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet", "Table Grid")


@dataclass(frozen=True)
class Template:
    """A Word template read once: its parts, where the main document is, its styles and page setup."""

    parts: dict[str, bytes]
    document_part: str  # e.g. word/document.xml
    document_open: str  # the main document's root start tag, with its namespace declarations
    sect_pr: Any  # the template's section properties element
    styles: dict[str, str]  # style name -> style id
    localised: dict[str, dict[str, bytes]] = field(default_factory=dict, compare=False)  # language -> parts

    def style(self, name: str) -> str | None:
        return self.styles.get(name) or self.styles.get(name.lower())


def check_template(template: Path | None) -> None:
    """Fail early, before anything is drafted or written, when a user's Word template is unusable."""
    if template is None:
        return
    if not template.is_file():
        raise InputError(f"{template}: Word template not found (ISMS_DOCX_TEMPLATE)")
    tpl = open_template(template)
    missing = [name for name in REQUIRED_STYLES if tpl.style(name) is None]
    if missing:
        raise InputError(f"{template}: the Word template lacks the styles {', '.join(missing)}")


def open_template(template: Path | None) -> Template:
    source = (template or BUNDLED_TEMPLATE).resolve()
    try:
        stat = source.stat()
    except OSError:
        raise InputError(f"{source}: the Word template cannot be opened (not found)") from None
    return _read_template(str(source), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_template(source: str, _size: int, _mtime: int) -> Template:
    """The template's package, read and checked once per run (and again only if the file changes)."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
        rels = etree.fromstring(parts["_rels/.rels"])
        main = next(
            r.get("Target").lstrip("/")
            for r in rels.iter(f"{{{PKG_REL}}}Relationship")
            if r.get("Type", "").endswith("/officeDocument")
        )
        root = etree.fromstring(parts[main])
        body = root.find(f"{{{W}}}body")
        sect_pr = body.find(f"{{{W}}}sectPr") if body is not None else None
        if sect_pr is None:
            sect_pr = etree.fromstring(
                f'<w:sectPr xmlns:w="{W}"><w:pgSz w:w="11906" w:h="16838"/>'
                '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" '
                'w:footer="708" w:gutter="0"/></w:sectPr>'
            )
        text = parts[main].decode("utf-8")
        start = re.search(r"<w:document\b[^>]*>", text)
        if start is None:
            raise ValueError("no w:document element")
        styles: dict[str, str] = {}
        folder = main.rsplit("/", 1)[0]
        if f"{folder}/styles.xml" in parts:
            for style in etree.fromstring(parts[f"{folder}/styles.xml"]).iter(f"{{{W}}}style"):
                name = style.find(f"{{{W}}}name")
                if name is not None and style.get(f"{{{W}}}styleId"):
                    styles.setdefault(name.get(f"{{{W}}}val", ""), style.get(f"{{{W}}}styleId", ""))
                    styles.setdefault(name.get(f"{{{W}}}val", "").lower(), style.get(f"{{{W}}}styleId", ""))
    except (zipfile.BadZipFile, KeyError, StopIteration, ValueError, etree.XMLSyntaxError, OSError) as exc:
        raise InputError(f"{source}: the Word template cannot be opened ({exc.__class__.__name__})") from None
    return Template(parts, main, start.group(0), sect_pr, styles)


def localised(tpl: Template, language: str) -> dict[str, bytes]:
    """The template's styles and settings in `language`, made once per template and language."""
    if language not in tpl.localised:
        folder = tpl.document_part.rsplit("/", 1)[0]
        tpl.localised[language] = localised_parts(tpl.parts, folder, language)
    return tpl.localised[language]


def header_footer(
    tpl: Template, organisation: str, title: str, meta: dict[str, Any], draft: bool
) -> tuple[str, str]:
    classification = str(meta.get("classification", ""))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

    def style(name: str, extra: str = "") -> str:
        sid = tpl.style(name)
        inner = (f'<w:pStyle w:val="{attr(sid)}"/>' if sid else "") + extra
        return f"<w:pPr>{inner}</w:pPr>" if inner else ""

    def field(instruction: str) -> str:
        return (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    header_text = run(f"{organisation} | {title} | {classification.upper()}")
    mark = watermark_run() if draft else ""
    header = (
        f'{head}<w:hdr xmlns:w="{W}" xmlns:r="{R}" {VML_NAMESPACES}>'
        f"<w:p>{style('Header')}{header_text}{mark}</w:p></w:hdr>"
    )
    centred = style("Footer", '<w:jc w:val="center"/>')
    version = str(meta.get("version", ""))
    lead = " | ".join(p for p in (str(meta.get("reference", "")), classification, f"version {version}") if p)
    footer_runs = run(f"{lead} | page ") + field("PAGE") + run(" of ") + field("NUMPAGES")
    footer = f'{head}<w:ftr xmlns:w="{W}" xmlns:r="{R}"><w:p>{centred}{footer_runs}</w:p></w:ftr>'
    return header, footer


def package(
    tpl: Template,
    document: str,
    header: str,
    footer: str,
    parts: dict[str, bytes],
    core: bytes,
    links: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The document's zip: the template's parts with `parts` (styles, numbering ...) and the body, header,
    footer and file properties in their place, and a relationship for each of `links` (id, URL)."""
    folder = tpl.document_part.rsplit("/", 1)[0]
    rels_name = f"{folder}/_rels/{tpl.document_part.rsplit('/', 1)[1]}.rels"
    rels = _document_rels(tpl.parts.get(rels_name), links)
    types = etree.fromstring(tpl.parts["[Content_Types].xml"])
    for name, kind in (
        (f"/{folder}/isms-header.xml", HEADER_TYPE),
        (f"/{folder}/isms-footer.xml", FOOTER_TYPE),
    ):
        if not any(o.get("PartName") == name for o in types):
            etree.SubElement(types, f"{{{CONTENT_TYPES}}}Override", PartName=name, ContentType=kind)
    extra = dict(parts)
    core_name = core_part_name(tpl.parts)
    if core_name is None:  # a template without file properties gets them
        core_name = "docProps/core.xml"
        extra["_rels/.rels"] = with_core_relationship(tpl.parts.get("_rels/.rels"))
        if not any(o.get("PartName") == f"/{core_name}" for o in types):
            etree.SubElement(
                types, f"{{{CONTENT_TYPES}}}Override", PartName=f"/{core_name}", ContentType=CORE_TYPE
            )
    extra[core_name] = core
    replaced = {
        **extra,
        "[Content_Types].xml": etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True),
        rels_name: etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True),
        tpl.document_part: document.encode("utf-8"),
        f"{folder}/isms-header.xml": header.encode("utf-8"),
        f"{folder}/isms-footer.xml": footer.encode("utf-8"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", replaced.pop("[Content_Types].xml"))
        for name, data in tpl.parts.items():
            if name != "[Content_Types].xml":
                archive.writestr(name, replaced.pop(name, data))
        for name, data in replaced.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _document_rels(template_rels: bytes | None, links: Sequence[tuple[str, str]]) -> Any:
    """The main document's relationships: the template's, less any of ours left in it (a template made from
    one of our files), with our header, footer and hyperlinks."""
    rels = etree.fromstring(template_rels or f'<Relationships xmlns="{PKG_REL}"/>'.encode())
    for rel in list(rels):
        rid = rel.get("Id", "")
        if rid in ("rIdIsmsHeader", "rIdIsmsFooter") or rid.startswith("rIdIsmsLink"):
            rels.remove(rel)
    for rid, kind, target in (
        ("rIdIsmsHeader", HEADER_REL, "isms-header.xml"),
        ("rIdIsmsFooter", FOOTER_REL, "isms-footer.xml"),
    ):
        etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=kind, Target=target)
    for rid, url in links:
        etree.SubElement(
            rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=HYPERLINK_REL, Target=url, TargetMode="External"
        )
    return rels


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return escape(_INVALID_XML.sub("", text))


def attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def run(text: str, bold: bool = False, italic: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>'


__all__ = [
    "BUNDLED_TEMPLATE",
    "Template",
    "attr",
    "check_template",
    "header_footer",
    "localised",
    "open_template",
    "package",
    "run",
    "xml_text",
]
