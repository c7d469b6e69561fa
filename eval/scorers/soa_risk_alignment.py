"""soa-risk-alignment: the SoA agrees with the risk register and the acceptance threshold.

- a risk that is treated (mitigate, transfer or avoid) never names a control the SoA excludes, whatever
  its score; a treated risk above the threshold names at least one applicable control;
- a risk accepted above the threshold says who accepted it (`accepted_by` in the register);
- drivers name real risks and obligations;
- counts that documents quote ("52 of 84 applicable controls are implemented") match soa.csv.
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.drafting.factcheck import clip
from eval.docset import DocumentSet
from eval.result import CheckResult, result

COUNT = re.compile(
    r"\b(?P<n>\d{1,2}) (?:of|out of) (?:the |its |all )?(?P<m>\d{1,2}) (?:[A-Za-z-]+ ){0,2}controls?\b"
    r"|\b(?P<k>\d{1,2}) (?:(?:Annex A|applicable) )*controls? (?:are|is|were|have been) (?:currently )?"
    r"(?P<status>applicable|excluded|not applicable|implemented|partially implemented|partial|planned|"
    r"not implemented)\b",
    re.I,
)
STATUS_WORDS = {
    "partially implemented": "partial",
    "partial": "partial",
    "not implemented": "not_implemented",
    "implemented": "implemented",
    "planned": "planned",
    "excluded": "excluded",
    "not applicable": "excluded",
    "applicable": "applicable",
}


def soa_counts(rows: list[dict[str, str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for row in rows:
        if row.get("applicable") == "yes":
            counts["applicable"] += 1
            counts[row.get("implementation_status", "")] += 1
        else:
            counts["excluded"] += 1
    return counts


def _status_in(text: str) -> str | None:
    lowered = text.lower()
    for words, status in STATUS_WORDS.items():
        if re.search(rf"\b{words}\b", lowered):
            return status
    return None


def count_findings(ds: DocumentSet, counts: Counter[str]) -> list[str]:
    findings = []
    total = sum(counts[s] for s in ("applicable", "excluded"))
    for doc_id in sorted(ds.documents):
        for unit in ds.units(doc_id):
            for m in COUNT.finditer(unit.text):
                if m.group("n"):
                    n, whole = int(m.group("n")), int(m.group("m"))
                    if whole not in (total, counts["applicable"]):
                        findings.append(
                            f"{doc_id}: quotes {m.group(0)!r}, but the SoA has {total} controls of which "
                            f'{counts["applicable"]} are applicable: "{clip(unit.text)}"'
                        )
                        continue
                    status = _status_in(unit.text[m.end() : m.end() + 40]) or _status_in(unit.text)
                    expected = counts[status] if status else None
                    if expected is not None and n != expected:
                        findings.append(
                            f"{doc_id}: quotes {m.group(0)!r} {status}, but the SoA has {expected}: "
                            f'"{clip(unit.text)}"'
                        )
                else:
                    k, status = int(m.group("k")), STATUS_WORDS[m.group("status").lower()]
                    if k != counts[status]:
                        findings.append(
                            f"{doc_id}: says {m.group(0)!r}, but the SoA has {counts[status]}: "
                            f'"{clip(unit.text)}"'
                        )
    return findings


def check(ds: DocumentSet) -> CheckResult:
    if ds.soa_rows is None:
        return result("soa-risk-alignment", [f"soa.csv: {ds.soa_problem}"], 1)
    rows = {r.get("control_id", ""): r for r in ds.soa_rows}
    findings: list[str] = []
    risks = ds.register.risks if ds.register else []
    known_risks = {r.id for r in risks}
    tags = {o.driver_tag for o in ds.profile.obligations}
    treated = [r for r in risks if r.treatment != "accept"]
    for risk in treated:
        above = risk.score > ds.threshold
        if above and risk.treatment == "mitigate" and not risk.controls:
            findings.append(
                f"{risk.id}: scores {risk.score} (above {ds.threshold}) with treatment mitigate but names no control"
            )
            continue
        applicable = [c for c in risk.controls if rows.get(c, {}).get("applicable") == "yes"]
        if above and risk.controls and not applicable:
            findings.append(
                f"{risk.id}: scores {risk.score} (above {ds.threshold}) but none of its controls is applicable "
                "in the SoA"
            )
        for cid in risk.controls:
            if rows.get(cid, {}).get("applicable") != "yes":
                findings.append(
                    f"{cid}: excluded, but it treats {risk.id} ({risk.treatment}, score {risk.score}; "
                    f"acceptance threshold {ds.threshold})"
                )
    for risk in risks:
        if risk.treatment == "accept" and risk.score > ds.threshold and not risk.accepted_by.strip():
            findings.append(
                f"{risk.id}: accepted with score {risk.score}, above the acceptance threshold {ds.threshold}, "
                "but the register does not say who accepted it (accepted_by)"
            )
    for cid, row in rows.items():
        for driver in (d.strip() for d in row.get("drivers", "").split(";") if d.strip()):
            if ":" in driver:
                if driver.split(":")[0] in ("legal", "contract") and driver not in tags:
                    findings.append(f"{cid}: driver {driver} is not an obligation in the profile")
            elif driver != "scope-exclusion" and driver not in known_risks:
                findings.append(f"{cid}: driver {driver} is not a risk in the register")
    findings.extend(count_findings(ds, soa_counts(ds.soa_rows)))
    return result(
        "soa-risk-alignment",
        findings,
        max(1, len(treated) + len(rows)),
        risks_above_threshold=sum(1 for r in risks if r.score > ds.threshold),
    )
