"""Build the bundled Word template (assistant/data/isms-template.docx): fonts, colours, spacing.

    .venv/bin/python scripts/make_docx_template.py

A user's own branded template replaces it through ISMS_DOCX_TEMPLATE; it needs the same style names
(Title, Subtitle, Heading 1-3, List Bullet, List Number, Table Grid, Header, Footer).
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Pt, RGBColor

OUT = Path(__file__).resolve().parents[1] / "assistant" / "data" / "isms-template.docx"
NAVY = RGBColor(0x1F, 0x3A, 0x5F)


def main() -> None:
    document = docx.Document()
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    for name, size in (
        ("Title", 24),
        ("Subtitle", 13),
        ("Heading 1", 15),
        ("Heading 2", 12.5),
        ("Heading 3", 11),
    ):
        style = styles[name]
        style.font.name = "Calibri"
        style.font.size = Pt(size)
        style.font.color.rgb = NAVY
        style.font.bold = name != "Subtitle"
    if "Table Grid" not in [s.name for s in styles if s.type == WD_STYLE_TYPE.TABLE]:
        raise SystemExit("python-docx's default template lacks 'Table Grid'")
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(8.5)
        styles[name].font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    # The body of the template must be empty: documents are built on top of it.
    body = document.element.body
    for child in list(body):
        if child.tag.endswith("}p") or child.tag.endswith("}tbl"):
            body.remove(child)
    document.save(str(OUT))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
