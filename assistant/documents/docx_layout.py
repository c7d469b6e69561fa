"""Page setup and language of a Word document: paper size and language from the organisation's country,
2 cm margins, the section's header/footer references, and the DRAFT watermark of unapproved documents."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MARGIN_TWIPS = 1134  # 2 cm
A4 = (11906, 16838)  # twips: 210 x 297 mm
LETTER = (12240, 15840)  # twips: 8.5 x 11 in


@dataclass(frozen=True)
class PageLocale:
    """What a country means for a document: its paper (width, height in twips, portrait) and language."""

    paper: tuple[int, int]
    language: str  # BCP 47 tag, e.g. en-GB


_LETTER_COUNTRIES = {"us", "usa", "united states", "united states of america", "america", "ca", "canada"}
# The documents are drafted in English: their language is the English of the country (a German
# organisation's English text tagged de-DE would be spell-checked and hyphenated as German).
_LANGUAGES = {
    "en-US": {"us", "usa", "united states", "united states of america", "america"},
    "en-CA": {"ca", "canada"},
    "en-IE": {"ie", "ireland"},
}
DEFAULT_LANGUAGE = "en-GB"  # the UK and every other country: British English


def page_locale(country: str | None) -> PageLocale:
    """A4 everywhere except the US and Canada (Letter); the language of the country's documents."""
    key = re.sub(r"\s+", " ", (country or "").strip().lower().replace(".", ""))
    paper = LETTER if key in _LETTER_COUNTRIES else A4
    language = next((tag for tag, names in _LANGUAGES.items() if key in names), DEFAULT_LANGUAGE)
    return PageLocale(paper, language)


def organisation_country(profile: Any) -> str | None:
    """The organisation's country: its legal entity's (the one named legal_name), else its first office's,
    else its first jurisdiction."""
    identity = profile.identity
    for entity in identity.legal_entities:
        if entity.name == identity.legal_name:
            return str(entity.country)
    offices = [o for o in profile.locations.offices if o.in_scope] or list(profile.locations.offices)
    if offices:
        return str(offices[0].country)
    return str(identity.jurisdictions[0]) if identity.jurisdictions else None


def section_properties(template_sect: Any, landscape: bool, locale: PageLocale) -> Any:
    """The template's section properties with this document's header and footer, paper and margins."""
    sect = copy.deepcopy(template_sect)
    for ref in [*sect.findall(f"{{{W}}}headerReference"), *sect.findall(f"{{{W}}}footerReference")]:
        sect.remove(ref)
    for kind, rid in (("footerReference", "rIdIsmsFooter"), ("headerReference", "rIdIsmsHeader")):
        ref = etree.Element(f"{{{W}}}{kind}", nsmap={"w": W, "r": R})
        ref.set(f"{{{W}}}type", "default")
        ref.set(f"{{{R}}}id", rid)
        sect.insert(0, ref)
    size = sect.find(f"{{{W}}}pgSz")
    if size is None:
        size = etree.Element(f"{{{W}}}pgSz")
        refs = len(sect.findall(f"{{{W}}}headerReference")) + len(sect.findall(f"{{{W}}}footerReference"))
        sect.insert(refs, size)
    width, height = locale.paper
    if landscape:
        width, height = height, width
    size.set(f"{{{W}}}w", str(width))
    size.set(f"{{{W}}}h", str(height))
    if landscape:
        size.set(f"{{{W}}}orient", "landscape")
    elif f"{{{W}}}orient" in size.attrib:
        del size.attrib[f"{{{W}}}orient"]
    margins = sect.find(f"{{{W}}}pgMar")
    if margins is None:
        margins = etree.Element(f"{{{W}}}pgMar")
        size.addnext(margins)
        margins.set(f"{{{W}}}header", "708")
        margins.set(f"{{{W}}}footer", "708")
        margins.set(f"{{{W}}}gutter", "0")
    for side in ("top", "right", "bottom", "left"):
        margins.set(f"{{{W}}}{side}", str(MARGIN_TWIPS))
    return sect


def text_width(sect: Any) -> int:
    size = sect.find(f"{{{W}}}pgSz")
    width = int(size.get(f"{{{W}}}w", str(A4[0]))) if size is not None else A4[0]
    return max(2000, width - 2 * MARGIN_TWIPS)


def localised_parts(parts: dict[str, bytes], folder: str, language: str) -> dict[str, bytes]:
    """The template's style sheets with `language` as the default language of the text, and its settings
    with it as the theme font language (what Word and LibreOffice spell-check and hyphenate with)."""
    out: dict[str, bytes] = {}
    for name in ("styles.xml", "stylesWithEffects.xml"):
        data = parts.get(f"{folder}/{name}")
        if data is None:
            continue
        root = etree.fromstring(data)
        defaults = root.find(f"{{{W}}}docDefaults")
        if defaults is None:
            defaults = etree.Element(f"{{{W}}}docDefaults")
            root.insert(0, defaults)
        rpr_default = defaults.find(f"{{{W}}}rPrDefault")
        if rpr_default is None:
            rpr_default = etree.Element(f"{{{W}}}rPrDefault")
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(f"{{{W}}}rPr")
        if rpr is None:
            rpr = etree.SubElement(rpr_default, f"{{{W}}}rPr")
        for lang in root.iter(f"{{{W}}}lang"):  # styles that name a language of their own follow it too
            lang.set(f"{{{W}}}val", language)
        if rpr.find(f"{{{W}}}lang") is None:
            etree.SubElement(rpr, f"{{{W}}}lang").set(f"{{{W}}}val", language)
        out[f"{folder}/{name}"] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    settings = parts.get(f"{folder}/settings.xml")
    if settings is not None:
        root = etree.fromstring(settings)
        theme = root.find(f"{{{W}}}themeFontLang")
        if theme is None:
            theme = etree.SubElement(root, f"{{{W}}}themeFontLang")  # order is lenient in both readers
        theme.set(f"{{{W}}}val", language)
        out[f"{folder}/settings.xml"] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    return out


VML_NAMESPACES = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'


def watermark_run(text: str = "DRAFT") -> str:
    """A run holding a large, light grey, diagonal word behind the page text (Word's own watermark shape,
    a VML text path in the header, which LibreOffice shows as well)."""
    return (
        "<w:r><w:rPr><w:noProof/></w:rPr><w:pict>"
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e">'
        '<v:formulas><v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>'
        '<v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>'
        '<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/>'
        '<v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/></v:formulas>'
        '<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" '
        'o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/>'
        '<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
        '<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
        '<v:shape id="IsmsDraftWatermark" o:spid="_x0000_s2049" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:440pt;height:146pt;rotation:315;'
        "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f" '
        'fillcolor="#d9d9d9" stroked="f"><v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;Calibri&quot;;font-size:1pt" string="{text}"/>'
        "</v:shape></w:pict></w:r>"
    )


__all__ = [
    "MARGIN_TWIPS",
    "PageLocale",
    "localised_parts",
    "organisation_country",
    "page_locale",
    "section_properties",
    "text_width",
    "watermark_run",
]
