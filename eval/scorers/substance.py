"""substance (gating): every section carries content (a rule, a fact of the organisation or a populated
table), not only a restatement of its heading or instruction; records hold their structure and real data
(the catalogue's `record:` entries); nothing reports an event that has not happened."""

from __future__ import annotations

import re
from collections import defaultdict

from assistant.documents.segments import Unit
from assistant.drafting.factcheck import clip
from assistant.knowledge.models import RecordSpec, RequiredTable
from eval.datespans import find_dates
from eval.docset import DocumentSet
from eval.result import CheckResult, result

STOCK_SECTIONS = 3  # a sentence that, names and heading aside, stands in this many sections is boilerplate
RULE = re.compile(
    r"\b(?:must|shall|only|never|may not|cannot|is required|are required|is not permitted|are not permitted|"
    r"prohibited|no later than|at least|within|before|approves?|approved by|owns?|is responsible|"
    r"are responsible|decides?|signs? off|every|each)\b",
    re.I,
)
EVENT_PAST = re.compile(
    r"\b(?:was|were) (?:held|discussed|reviewed|agreed|approved|conducted|completed|presented|found|raised|"
    r"closed|attended|audited|carried out|performed|signed|accepted)\b"
    r"|\b(?:meeting|review|committee|board|attendees|participants|management|auditors?) (?:discussed|agreed|"
    r"decided|noted|resolved|concluded|confirmed|approved|reviewed|found)\b"
    r"|\b(?:attended by|took place|were present|was present)\b",
    re.I,
)
NOT_YET = re.compile(
    r"\b(?:to be (?:completed|recorded|confirmed|held|agreed|decided|filled)|will|planned|scheduled|invited|"
    r"proposed|must|shall|is to|are to|no previous|not yet|none (?:yet|so far)|agenda)\b",
    re.I,
)
# What marks a meeting's people as expected rather than present.
PLANNED_MARK = re.compile(
    r"\b(?:to be (?:completed|recorded|confirmed|held)|invited|invitees|planned for|scheduled for|agenda|"
    r"will attend|expected to attend)\b",
    re.I,
)
RECORD_KINDS = {"record", "report", "plan", "register"}
_PLACEHOLDER_CELL = re.compile(r"^(?:|-|—|n/?a|tbd|tbc|\.\.\.|…)$", re.I)


def _normal(unit: Unit) -> str:
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", unit.text)
    heading = {w.lower() for w in re.findall(r"[A-Za-z]+", unit.section)}
    tokens = [
        w
        for w in re.findall(r"[A-Za-z]+|\d+", text)
        if not w[0].isupper() and not w.isdigit() and w.lower() not in heading
    ]
    return " ".join(tokens)


def _row_populated(unit: Unit) -> bool:
    filled = [c for c in unit.cells if not _PLACEHOLDER_CELL.match(c.strip())]
    return len(filled) >= 2


def _stock(ds: DocumentSet) -> set[str]:
    where: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for doc_id in ds.documents:
        for unit in ds.units(doc_id):
            if unit.kind != "row" and len(unit.text.split()) >= 6:
                where[_normal(unit)].add((doc_id, unit.section))
    return {text for text, places in where.items() if len(places) >= STOCK_SECTIONS}


def substantive(ds: DocumentSet, unit: Unit, stock: set[str]) -> bool:
    """A unit that may carry a section: approvable register, not boilerplate, a rule, fact or data row."""
    if ds.register_rules.classify(unit):
        return False
    if unit.kind == "row":
        return _row_populated(unit)
    if len(unit.text.split()) < 4 or _normal(unit) in stock:
        return False
    return bool(RULE.search(unit.text)) or ds.org_terms.mentioned_in(unit.text)


def _find_table(units: list[Unit], spec: RequiredTable) -> tuple[tuple[str, ...], list[Unit]] | None:
    tables: dict[tuple[str, tuple[str, ...]], list[Unit]] = defaultdict(list)
    for unit in units:
        if unit.kind == "row":
            tables[(unit.section, unit.header)].append(unit)
    for (_section, header), rows in tables.items():
        lowered = [h.lower() for h in header]
        if all(any(any(word in cell for word in group) for cell in lowered) for group in spec.columns):
            return header, rows
    return None


def record_findings(ds: DocumentSet, doc_id: str, spec: RecordSpec, stock: set[str]) -> list[str]:
    findings = []
    units = [u for u in ds.units(doc_id) if not ds.in_annex(u)]
    for table in spec.tables:
        found = _find_table(units, table)
        wanted = " / ".join(group[0] for group in table.columns)
        if found is None:
            findings.append(f"{doc_id}: the record has no {table.what} (a table with columns for {wanted})")
            continue
        rows = [r for r in found[1] if _row_populated(r)]
        if len(rows) < table.min_rows:
            findings.append(
                f"{doc_id}: the {table.what} holds {len(rows)} filled row(s); at least {table.min_rows} expected"
            )
    if spec.dated and not any(find_dates(u.text) for u in units):
        findings.append(f"{doc_id}: the record gives no date for the event it records")
    good = [u for u in units if substantive(ds, u, stock)]
    for topic in spec.topics:
        texts = [f"{u.section} {u.text}".lower() for u in good]
        if not any(all(any(w in t for w in group) for group in topic.all_of) for t in texts):
            findings.append(f"{doc_id}: the record does not cover {topic.what}")
    return findings


def event_findings(ds: DocumentSet, doc_id: str) -> list[str]:
    findings = []
    units = ds.units(doc_id)
    people = {p.name for p in ds.profile.roles.people().values()}
    marked = {u.section for u in units if PLANNED_MARK.search(u.text) and not ds.register_rules.classify(u)}
    dated = {u.section for u in units if any(s.end <= ds.today for s in find_dates(u.text))}
    attendance = [
        u
        for u in units
        if "attend" in u.section.lower()
        and u.section not in marked | dated
        and any(n in u.text for n in people)
        and not ds.register_rules.classify(u)
    ]
    if attendance:
        findings.append(
            f"{doc_id}: lists attendees of a meeting that has not taken place (no past date, not marked as "
            f'planned or invited): "{clip(attendance[0].text)}"'
        )
    for unit in units:
        if not EVENT_PAST.search(unit.text) or NOT_YET.search(unit.text):
            continue
        if any(span.end <= ds.today for span in find_dates(unit.text)):
            continue
        findings.append(
            f'{doc_id}: reports an event that has not happened (no past date): "{clip(unit.text)}"'
        )
    return findings


def check(ds: DocumentSet) -> CheckResult:
    stock = _stock(ds)
    findings: list[str] = []
    sections = empty = 0
    for doc_id in sorted(ds.documents):
        by_section: dict[str, list[Unit]] = defaultdict(list)
        for unit in ds.units(doc_id):
            if unit.section and not ds.in_annex(unit):
                by_section[unit.section].append(unit)
        for heading in [s.heading for s in ds.documents[doc_id].sections]:
            sections += 1
            units = by_section.get(heading, [])
            if not any(substantive(ds, u, stock) for u in units):
                empty += 1
                shown = f': "{clip(units[0].text, 100)}"' if units else " (empty)"
                findings.append(
                    f"{doc_id}: section '{heading}' holds no rule, organisation fact or populated table{shown}"
                )
        spec = ds.corpus.documents.get(doc_id)
        if spec is not None and spec.record is not None:
            findings.extend(record_findings(ds, doc_id, spec.record, stock))
        if spec is not None and spec.kind in RECORD_KINDS:
            findings.extend(event_findings(ds, doc_id))
    return result("substance", findings, max(1, sections), sections=sections, without_substance=empty)
