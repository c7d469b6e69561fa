"""soa-risk-alignment: the SoA agrees with the risk register and the acceptance threshold."""

from __future__ import annotations

from eval.docset import DocumentSet
from eval.result import CheckResult, result


def check(ds: DocumentSet) -> CheckResult:
    if ds.soa_rows is None:
        return result("soa-risk-alignment", [f"soa.csv: {ds.soa_problem}"], 1)
    rows = {r.get("control_id", ""): r for r in ds.soa_rows}
    findings: list[str] = []
    risks = ds.register.risks if ds.register else []
    known_risks = {r.id for r in risks}
    tags = {o.driver_tag for o in ds.profile.obligations}
    high = [r for r in risks if r.score > ds.threshold and r.treatment == "mitigate"]
    for risk in high:
        if not risk.controls:
            findings.append(
                f"{risk.id}: scores {risk.score} (above {ds.threshold}) with treatment mitigate but "
                "names no control"
            )
            continue
        applicable = [c for c in risk.controls if rows.get(c, {}).get("applicable") == "yes"]
        if not applicable:
            findings.append(
                f"{risk.id}: scores {risk.score} (above {ds.threshold}) but none of its controls is "
                "applicable in the SoA"
            )
        for cid in risk.controls:
            if rows.get(cid, {}).get("applicable") != "yes":
                findings.append(
                    f"{cid}: excluded, but it treats {risk.id} (score {risk.score}, above the "
                    f"acceptance threshold {ds.threshold})"
                )
    for cid, row in rows.items():
        for driver in (d.strip() for d in row.get("drivers", "").split(";") if d.strip()):
            if ":" in driver:
                if driver.split(":")[0] in ("legal", "contract") and driver not in tags:
                    findings.append(f"{cid}: driver {driver} is not an obligation in the profile")
            elif driver != "scope-exclusion" and driver not in known_risks:
                findings.append(f"{cid}: driver {driver} is not a risk in the register")
    return result(
        "soa-risk-alignment", findings, max(1, len(high) + len(rows)), risks_above_threshold=len(high)
    )
