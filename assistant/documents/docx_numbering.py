"""Numbered lists that restart: each Markdown ordered list gets a numbering instance of its own.

Word's "List Number" styles share one numbering instance (`w:num`) across the document, so every numbered
list would continue the previous one. As Word itself does when a list is restarted, each list gets a new
`w:num` pointing at the abstract numbering the style uses, with a start override, and its paragraphs name
that instance. The template's numbering part is read, never changed: a copy with the new instances is
written into each document's package.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NUMBERING_REL = "/numbering"


class _Linked:
    def __init__(self, styles: dict[str, tuple[str, int]], highest: int) -> None:
        self.styles = styles  # numbered paragraph style id -> (abstract numbering id, level)
        self.highest = highest  # the template's highest numId


@lru_cache(maxsize=8)
def _template_numbering(rels: bytes, styles: bytes, numbering_name: str, numbering: bytes) -> _Linked:
    """The template's numbered styles (style id -> abstract numbering id and level) and its highest numId.
    Keyed by the parts' bytes, whose hash Python keeps, so a style sheet is parsed once per run."""
    del rels, numbering_name  # part of the key only
    nums: dict[str, str] = {}
    root = etree.fromstring(numbering)
    for num in root.findall(f"{{{W}}}num"):
        ref = num.find(f"{{{W}}}abstractNumId")
        if ref is not None:
            nums[num.get(f"{{{W}}}numId", "")] = ref.get(f"{{{W}}}val", "")
    linked_levels: dict[tuple[str, str], int] = {}  # (abstract id, style id) -> the level the style is on
    for abstract in root.findall(f"{{{W}}}abstractNum"):
        for lvl in abstract.findall(f"{{{W}}}lvl"):
            pstyle = lvl.find(f"{{{W}}}pStyle")
            if pstyle is not None:
                key = (abstract.get(f"{{{W}}}abstractNumId", ""), pstyle.get(f"{{{W}}}val", ""))
                linked_levels[key] = int(lvl.get(f"{{{W}}}ilvl", "0"))
    styles_out: dict[str, tuple[str, int]] = {}
    for style in etree.fromstring(styles).iter(f"{{{W}}}style"):
        num_id = style.find(f"{{{W}}}pPr/{{{W}}}numPr/{{{W}}}numId")
        sid = style.get(f"{{{W}}}styleId", "")
        if num_id is None or nums.get(num_id.get(f"{{{W}}}val", "")) is None:
            continue
        abstract_id = nums[num_id.get(f"{{{W}}}val", "")]
        ilvl = style.find(f"{{{W}}}pPr/{{{W}}}numPr/{{{W}}}ilvl")
        level = (
            int(ilvl.get(f"{{{W}}}val", "0"))
            if ilvl is not None
            else linked_levels.get((abstract_id, sid), 0)
        )
        styles_out[sid] = (abstract_id, level)
    highest = max((int(n) for n in nums if n.isdigit()), default=0)
    return _Linked(styles_out, highest)


class ListNumbering:
    """The numbering instances a document adds to its template's, one per list."""

    def __init__(self, parts: dict[str, bytes], document_part: str) -> None:
        self.parts = parts
        self.folder, self.name = document_part.rsplit("/", 1) if "/" in document_part else ("", document_part)
        self.added: list[tuple[int, str, int, int]] = []  # (numId, abstract id, level, start)
        self._linked: _Linked | None = None
        self._part: str | None = None

    def _template(self) -> _Linked | None:
        if self._linked is None:
            rels = self.parts.get(f"{self.folder}/_rels/{self.name}.rels", b"")
            styles = self.parts.get(f"{self.folder}/styles.xml")
            self._part = _numbering_part(rels, self.folder)
            numbering = self.parts.get(self._part) if self._part else None
            if styles is None or numbering is None or self._part is None:
                return None
            try:
                self._linked = _template_numbering(rels, styles, self._part, numbering)
            except (etree.XMLSyntaxError, ValueError):
                return None
        return self._linked

    def restart(self, style_id: str | None, start: int) -> str:
        """The numPr of a new list in `style_id` starting at `start`; "" where the template does not number
        that style (its paragraphs then follow the style's own numbering, as before)."""
        linked = self._template() if style_id else None
        if linked is None or style_id not in linked.styles:
            return ""
        abstract_id, level = linked.styles[style_id]
        num_id = linked.highest + len(self.added) + 1
        self.added.append((num_id, abstract_id, level, max(start, 0)))
        return f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'

    def package_parts(self) -> dict[str, bytes]:
        """The numbering part with this document's instances added ({} when it adds none)."""
        if not self.added or self._part is None:
            return {}
        root = etree.fromstring(self.parts[self._part])  # a fresh tree: the template's bytes stay as they are
        cleanup = root.find(f"{{{W}}}numIdMacAtCleanup")
        for num_id, abstract_id, level, start in self.added:
            num = etree.Element(f"{{{W}}}num")
            num.set(f"{{{W}}}numId", str(num_id))
            etree.SubElement(num, f"{{{W}}}abstractNumId").set(f"{{{W}}}val", abstract_id)
            override = etree.SubElement(num, f"{{{W}}}lvlOverride")
            override.set(f"{{{W}}}ilvl", str(level))
            etree.SubElement(override, f"{{{W}}}startOverride").set(f"{{{W}}}val", str(start))
            if cleanup is not None:
                cleanup.addprevious(num)
            else:
                root.append(num)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return {self._part: data}


def _numbering_part(rels: bytes, folder: str) -> str | None:
    """The numbering part's name, from the main document's relationships."""
    if not rels:
        return None
    try:
        root = etree.fromstring(rels)
    except etree.XMLSyntaxError:
        return None
    for rel in root.iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("Type", "").endswith(NUMBERING_REL) and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return f"{folder}/{target}" if folder else target
    return None


__all__ = ["ListNumbering"]
