"""A self-contained HTML report: summary, findings per check, and coverage by theme and status."""

from __future__ import annotations

import html
from datetime import date

from eval.result import Report

COLOURS = {
    "implemented": "#2e7d32",
    "partial": "#f9a825",
    "planned": "#1e88e5",
    "not_implemented": "#c62828",
    "excluded": "#9e9e9e",
}
THEMES = ("organizational", "people", "physical", "technological")


def coverage_chart(coverage: dict[str, dict[str, int]]) -> str:
    """Stacked horizontal bars, one per theme, in inline SVG."""
    width, bar, gap, left = 640, 26, 14, 130
    height = len(THEMES) * (bar + gap) + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Annex A controls by theme and implementation status">'
    ]
    biggest = max((sum(c.values()) for c in coverage.values()), default=1) or 1
    scale = (width - left - 20) / biggest
    for row, theme in enumerate(THEMES):
        y = 10 + row * (bar + gap)
        counts = coverage.get(theme, {})
        parts.append(
            f'<text x="0" y="{y + bar * 0.7:.0f}" font-size="13">{theme} ({sum(counts.values())})</text>'
        )
        x = float(left)
        for status, colour in COLOURS.items():
            n = counts.get(status, 0)
            if n:
                w = n * scale
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                    f"<title>{theme}: {n} {status.replace('_', ' ')}</title></rect>"
                )
                if w > 18:
                    parts.append(
                        f'<text x="{x + w / 2:.1f}" y="{y + bar * 0.7:.0f}" font-size="12" fill="#fff" '
                        f'text-anchor="middle">{n}</text>'
                    )
                x += w
    y = height - 22
    x = 0
    for status, colour in COLOURS.items():
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 11}" font-size="12">{status.replace("_", " ")}</text>'
        )
        x += 140
    parts.append("</svg>")
    return "".join(parts)


def findings_by_document(report: Report) -> dict[str, list[tuple[str, str]]]:
    """Findings grouped by the document (or control, risk, file) they name first, each with its check."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for check in report.checks:
        for finding in check.findings:
            advice = finding.startswith("(advice) ")
            subject, sep, rest = finding.removeprefix("(advice) ").partition(": ")
            if not sep or " " in subject:
                subject, rest = "the set", finding
            elif advice:
                rest = f"(advice) {rest}"
            grouped.setdefault(subject, []).append((check.id, rest))
    return dict(sorted(grouped.items(), key=lambda kv: (kv[0] == "the set", kv[0])))


def render_html(report: Report, organisation: str, folder: str) -> str:
    rows = []
    for check in report.checks:
        state = "pass" if check.passed else "fail"
        rows.append(
            f'<tr class="{state}"><td>{html.escape(check.id)}</td><td>{state.upper()}</td>'
            f"<td>{check.score:.2f}</td><td>{len(check.findings)}</td></tr>"
        )
    details = []
    for subject, entries in findings_by_document(report).items():
        items = "".join(
            f'<li><span class="check">{html.escape(check)}</span> {html.escape(text)}</li>'
            for check, text in entries
        )
        details.append(
            f"<details open><summary><b>{html.escape(subject)}</b> ({len(entries)})</summary><ul>{items}</ul>"
            "</details>"
        )
    verdict = "PASSED" if report.passed else "FAILED"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>ISMS evaluation: {html.escape(organisation)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 980px; }}
h1 {{ color: #1f3a5f; }} table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: .35rem .7rem; text-align: left; }}
tr.pass td:nth-child(2) {{ color: #2e7d32; font-weight: bold; }}
tr.fail td:nth-child(2) {{ color: #c62828; font-weight: bold; }}
.verdict {{ font-size: 1.3rem; font-weight: bold; }} li {{ margin: .2rem 0; }}
.check {{ font-size: .8rem; background: #eef; padding: 0 .3rem; border-radius: 3px; }}
details {{ margin: .4rem 0; }}
</style></head><body>
<h1>ISMS document set evaluation</h1>
<p>{html.escape(organisation)} &middot; {html.escape(folder)} &middot; {date.today().isoformat()}</p>
<p class="verdict">{verdict}</p>
<table><tr><th>Check</th><th>Result</th><th>Score</th><th>Findings</th></tr>{"".join(rows)}</table>
<h2>Annex A coverage by theme and status</h2>
{coverage_chart(report.coverage)}
<h2>Findings by document</h2>
{"".join(details) or "<p>No findings.</p>"}
</body></html>
"""
