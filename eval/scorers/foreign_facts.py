"""foreign-facts (gating): tools, vendors, cloud services, identity providers, people and e-mail
addresses that the organisation's own inputs (profile, risk register, docs/) never name. Products are
recognised with the corpus's dictionary (`corpus/vendors.yaml`)."""

from __future__ import annotations

from assistant.drafting.factcheck import clip
from assistant.drafting.validate import EMAIL, PERSON
from eval.docset import DocumentSet
from eval.result import CheckResult, result


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    vendors = ds.corpus.vendors
    known = ds.org_text
    checked = 0
    for doc_id in sorted(ds.documents):
        seen: set[str] = set()
        for unit in ds.units(doc_id):
            checked += 1
            for product, alias in vendors.foreign(unit.text, known).items():
                if product not in seen:
                    seen.add(product)
                    findings.append(
                        f"{doc_id}: names {alias} ({product}), which the organisation's profile, risk "
                        f'register and docs/ never mention: "{clip(unit.text)}"'
                    )
            for email in EMAIL.findall(unit.text):
                if email not in known and email not in seen:
                    seen.add(email)
                    findings.append(
                        f'{doc_id}: names the e-mail address {email}, unknown to the organisation: "{clip(unit.text)}"'
                    )
            for match in PERSON.finditer(unit.text):
                name = match.group(1) or match.group(0)
                if name not in known and name not in seen:
                    seen.add(name)
                    findings.append(
                        f'{doc_id}: names {name}, a person the organisation never mentions: "{clip(unit.text)}"'
                    )
    return result("foreign-facts", findings, max(1, checked), products=len(vendors.products))
