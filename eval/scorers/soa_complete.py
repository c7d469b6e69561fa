"""soa-complete: 93 valid rows, each with a real justification (not pasted), drivers, status and owner."""

from __future__ import annotations

import re
from collections import Counter

from assistant.documents.soa_csv import COLUMNS
from assistant.ids import theme_of
from assistant.knowledge.checks import official_titles
from eval.docset import DocumentSet
from eval.result import CheckResult, result

STATUSES = {"implemented", "partial", "planned", "not_implemented"}
DRIVER = re.compile(r"^(?:[A-Za-z]+-?\d+|(?:legal|contract|business):[a-z0-9-]+|scope-exclusion)$")
MIN_WORDS = 8
SHARED_SENTENCE_ROWS = 10  # a sentence in this many rows is pasted, not justified


def _sentences(text: str) -> list[str]:
    return [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]


def check(ds: DocumentSet) -> CheckResult:
    if ds.soa_rows is None:
        return result("soa-complete", [f"soa.csv: {ds.soa_problem}"], 1)
    findings: list[str] = []
    if ds.soa_header != COLUMNS:
        findings.append(
            f"soa.csv: columns must be {','.join(COLUMNS)}; found {','.join(ds.soa_header or [])}"
        )
    titles = official_titles()
    ids = [r.get("control_id", "") for r in ds.soa_rows]
    for cid, n in Counter(ids).items():
        if n > 1:
            findings.append(f"{cid}: appears {n} times")
    for cid in titles:
        if cid not in ids:
            findings.append(f"{cid}: missing from the SoA")
    if len(ds.soa_rows) != 93:
        findings.append(f"soa.csv: {len(ds.soa_rows)} rows, expected 93")
    justifications = Counter(" ".join(r.get("justification", "").lower().split()) for r in ds.soa_rows)
    sentences = Counter(s for r in ds.soa_rows for s in set(_sentences(r.get("justification", ""))))
    for row in ds.soa_rows:
        cid = row.get("control_id", "")
        if cid not in titles:
            findings.append(f"{cid or '(blank id)'}: not an ISO/IEC 27001:2022 Annex A control")
            continue
        if row.get("title") != titles[cid]:
            findings.append(f"{cid}: title {row.get('title')!r} should be {titles[cid]!r}")
        if row.get("theme") != theme_of(cid):
            findings.append(f"{cid}: theme {row.get('theme')!r} should be {theme_of(cid)!r}")
        if row.get("applicable") not in ("yes", "no"):
            findings.append(f"{cid}: applicable must be yes or no, found {row.get('applicable')!r}")
        if row.get("implementation_status") not in STATUSES:
            findings.append(f"{cid}: implementation_status {row.get('implementation_status')!r} is not valid")
        if not row.get("owner", "").strip():
            findings.append(f"{cid}: no owner")
        drivers = [d for d in row.get("drivers", "").split(";") if d.strip()]
        if not drivers:
            findings.append(f"{cid}: no drivers (risk ids, legal:, contract: or business: tags)")
        for driver in drivers:
            if not DRIVER.match(driver.strip()):
                findings.append(
                    f"{cid}: driver {driver!r} is not a risk id or a legal:/contract:/business: tag"
                )
        text = row.get("justification", "")
        normal = " ".join(text.lower().split())
        if len(text.split()) < MIN_WORDS:
            findings.append(f"{cid}: the justification is missing or too short to justify anything")
        elif justifications[normal] > 1:
            findings.append(f"{cid}: the same justification is pasted into {justifications[normal]} rows")
        else:
            pasted = [s for s in _sentences(text) if sentences[s] >= SHARED_SENTENCE_ROWS]
            if pasted:
                findings.append(
                    f"{cid}: justification repeats a sentence found in {sentences[pasted[0]]} rows: "
                    f'"{pasted[0][:80]}"'
                )
    return result("soa-complete", findings, 93, rows=len(ds.soa_rows))
