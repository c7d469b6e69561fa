"""citations: every cited id is a real 2022 control or clause, written the right way."""

from __future__ import annotations

import re

from assistant.ids import LEGACY_CONTROL_REF, is_clause_id, is_control_id
from eval.docset import DocumentSet
from eval.result import CheckResult, result

BRACKETED = re.compile(r"\[((?:A\.)?\d{1,2}(?:\.\d{1,2}){1,3})\]")


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    controls, clauses = set(ds.corpus.controls), set(ds.corpus.clauses) | {str(n) for n in range(4, 11)}
    total = 0
    for doc_id, doc in ds.documents.items():
        body = ds.body(doc_id)
        for legacy in sorted(set(LEGACY_CONTROL_REF.findall(body))):
            findings.append(f"{doc_id}: cites {legacy}, an ISO 27001:2013 id; use 2022 numbering")
        for ref in sorted(set(BRACKETED.findall(body))):
            total += 1
            if ref.startswith("A."):
                bare = ref[2:]
                if ref in controls:
                    continue
                if is_clause_id(bare) and bare in clauses:
                    findings.append(
                        f"{doc_id}: [{ref}] writes clause {bare} as a control; cite it as [{bare}]"
                    )
                elif not LEGACY_CONTROL_REF.fullmatch(ref):
                    findings.append(f"{doc_id}: [{ref}] is not an Annex A control of ISO 27001:2022")
            elif ref not in clauses:
                if f"A.{ref}" in controls:
                    findings.append(
                        f"{doc_id}: [{ref}] writes control A.{ref} as a clause; cite it as [A.{ref}]"
                    )
                else:
                    findings.append(f"{doc_id}: [{ref}] is not a clause of ISO 27001:2022")
        for cid in doc.meta.get("controls") or []:
            if not is_control_id(str(cid)) or str(cid) not in controls:
                findings.append(f"{doc_id}: front matter lists {cid}, not a 2022 control")
        for cl in doc.meta.get("clauses") or []:
            if str(cl) not in clauses:
                findings.append(f"{doc_id}: front matter lists clause {cl}, not a 2022 clause")
    return result("citations", findings, max(total, 1), citations=total)
