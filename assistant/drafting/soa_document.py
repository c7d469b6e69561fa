"""The Statement of Applicability as a document: the catalogue's sections filled from the SoA rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from assistant.drafting.blocks import table
from assistant.drafting.models import DraftedSection, Soa
from assistant.drafting.soa import driver_names
from assistant.drafting.statements import render_statements
from assistant.ids import THEMES
from assistant.inputs.profile import Profile
from assistant.knowledge.models import DocumentSpec, Section

STATUSES = ("implemented", "partial", "planned", "not_implemented")


def soa_sections(
    doc: DocumentSpec, soa: Soa, profile: Profile, titles: dict[str, str] | None = None
) -> list[DraftedSection]:
    """The statement's sections: the catalogue's statements for the section, then the table built from the
    SoA rows. Nothing is taken from the catalogue's instructions (`establishes`)."""
    out = []
    for section in doc.sections:
        rendered = render_statements(list(section.statements), profile, list(section.decisions))
        lead = " ".join(line.rstrip(".") + "." for line in rendered.lines)
        body = _body(section, soa, profile, titles or {})
        text = f"{lead} [6.1.3]".strip() + (f"\n\n{body}" if body else "")
        out.append(
            DraftedSection(
                heading=section.heading,
                text=text,
                cited_ids=["6.1.3"],
                clauses=["6.1.3"],
                decisions=rendered.decisions,
            )
        )
    return out


def _body(section: Section, soa: Soa, profile: Profile, titles: dict[str, str]) -> str:
    heading = section.heading.lower()
    rows = soa.rows
    threshold = profile.risk_criteria.acceptance_threshold
    if "summary" in heading:
        lines = []
        for theme in THEMES:
            themed = [r for r in rows if r.theme == theme]
            status: Counter[Any] = Counter(r.implementation_status for r in themed if r.applicable == "yes")
            lines.append(
                [
                    theme,
                    str(len(themed)),
                    str(sum(r.applicable == "yes" for r in themed)),
                    str(sum(r.applicable == "no" for r in themed)),
                ]
                + [str(status[s]) for s in STATUSES]
            )
        total: Counter[Any] = Counter(r.implementation_status for r in rows if r.applicable == "yes")
        lines.append(
            [
                "all",
                str(len(rows)),
                str(sum(r.applicable == "yes" for r in rows)),
                str(sum(r.applicable == "no" for r in rows)),
            ]
            + [str(total[s]) for s in STATUSES]
        )
        return table(
            [
                "Theme",
                "Controls",
                "Applicable",
                "Excluded",
                "Implemented",
                "Partial",
                "Planned",
                "Not implemented",
            ],
            lines,
        )
    if "control table" in heading or heading == "controls":
        return table(
            ["Control", "Title", "Applicable", "Status", "Owner", "Drivers", "Justification", "Documents"],
            [
                [
                    f"[{r.control_id}]",
                    r.title,
                    r.applicable,
                    r.implementation_status.replace("_", " "),
                    r.owner,
                    ", ".join(driver_names(r.drivers, profile)),
                    r.justification,
                    ", ".join(titles.get(d, d) for d in r.documents),
                ]
                for r in rows
            ],
        )
    if "exclusion" in heading:
        excluded = [r for r in rows if r.applicable == "no"]
        if not excluded:
            return (
                f"{profile.identity.legal_name} has excluded none of the 93 Annex A controls from its ISMS."
            )
        return "\n".join(f"- [{r.control_id}] {r.title}: {r.justification}" for r in excluded)
    if "additional" in heading:
        return (
            f"{profile.identity.name} records no controls beyond Annex A in this version: every risk in the "
            "register is treated by Annex A controls. Any control added from a sector framework or customer "
            "requirement will be listed here with the risks it treats."
        )
    if "basis" in heading:
        risk_driven = sum(
            1 for r in rows if any(d.startswith("R-") or d.startswith("RISK") for d in r.drivers)
        )
        obligation = sum(1 for r in rows if any(d.split(":")[0] in ("legal", "contract") for d in r.drivers))
        return (
            f"Controls were selected from the risk assessment: every control that treats a risk scoring above "
            f"{threshold} is applicable. {risk_driven} controls are driven by register risks and {obligation} "
            f"by legal, regulatory or contractual obligations "
            f"({', '.join(o.name for o in profile.obligations)}); the rest support the security "
            f"baseline as business needs."
        )
    return ""
