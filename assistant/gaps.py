"""What the set still lacks before a Stage 1 audit: a prioritised to-do list per clause and per control.

Pure logic (`isms gaps` prints it): reads the profile, the risk register, the corpus and the last generated
set (its manifest and two records), and prints nothing. Each gap names the real thing that is missing (a
risk id, a control and its title, a document, a profile field) and the one thing to do about it.

Priorities: 1 blocks certification (fix before Stage 1), 2 needed before Stage 2, 3 an improvement.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from assistant.generation.decisions import collect
from assistant.generation.manifest import MANIFEST
from assistant.ids import clause_sort_key, control_sort_key, is_clause_id, is_control_id
from assistant.inputs.profile import Profile
from assistant.inputs.risks import Risk, RiskRegister
from assistant.knowledge.loader import Corpus

PRIORITIES: dict[int, str] = {
    1: "blocks certification: fix before the Stage 1 audit",
    2: "needed before the Stage 2 audit",
    3: "improvement",
}

STATUS_WORDS: dict[str | None, str] = {
    "planned": "planned",
    "not_implemented": "not implemented",
    "partial": "partial",
    None: "status not given",
}


@dataclass(frozen=True)
class Gap:
    priority: int
    ref: str  # a clause id ("6.1.3") or an Annex A control id ("A.8.8")
    area: str
    item: str  # what is missing, in one sentence
    action: str  # what to do, in one sentence
    document: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def ref_key(ref: str) -> tuple[int, tuple[int, ...], str]:
    """Clauses in clause order, then controls in control order, then anything else."""
    if is_clause_id(ref):
        return (0, clause_sort_key(ref), ref)
    if is_control_id(ref):
        return (1, control_sort_key(ref), ref)
    return (2, (), ref)


def gap_key(gap: Gap) -> tuple[int, tuple[int, tuple[int, ...], str]]:
    return (gap.priority, ref_key(gap.ref))


@dataclass(frozen=True)
class GapReport:
    gaps: list[Gap]  # by priority, then clause order, then control order
    upcoming: list[Gap] = field(default_factory=list)  # planned record activities not yet due, by date
    generated: bool = False  # whether a generated set was found in the output folder

    def counts(self) -> dict[str, int]:
        return {str(p): sum(1 for g in self.gaps if g.priority == p) for p in PRIORITIES}

    def as_json(self) -> dict[str, Any]:
        return {
            "gaps": [g.as_json() for g in self.gaps],
            "upcoming": [g.as_json() for g in self.upcoming],
            "counts": self.counts(),
        }


def find_gaps(
    profile: Profile,
    register: RiskRegister | None,
    corpus: Corpus,
    out_dir: Path | None,
    today: date,
) -> GapReport:
    """Every gap, sorted. `out_dir` None leaves the generated set out (no decisions, no records, and no
    "generate first" item); a folder without a manifest gives that one item."""
    gaps: list[Gap] = []
    upcoming: list[Gap] = []
    generated = out_dir is not None and (out_dir / MANIFEST).is_file()
    if out_dir is not None and not generated:
        gaps.append(
            Gap(
                1,
                "7.5",
                "Document set",
                f"There is no generated document set in {out_dir} (manifest.json is missing), so none of "
                "the documents and records the standard requires exist yet.",
                "Run `isms generate` for this workspace, then run `isms gaps` again.",
            )
        )
    # Within one ref: missing inputs first, then the register, controls, records and open questions.
    gaps += _profile_gaps(profile, today)
    gaps += _risk_gaps(profile, register)
    gaps += _control_gaps(profile, register, corpus)
    if out_dir is not None and generated:
        overdue, upcoming = _record_gaps(corpus, out_dir, today)
        gaps += overdue
        gaps += _decision_gaps(corpus, out_dir)
    gaps.sort(key=gap_key)  # stable: items of one ref keep the order they were found in
    return GapReport(gaps=gaps, upcoming=upcoming, generated=generated)


# 1. Open decisions of the generated set -------------------------------------------------------------------


def _decision_gaps(corpus: Corpus, out_dir: Path) -> list[Gap]:
    found = []
    for doc_id, questions in collect(out_dir).items():
        spec = corpus.documents.get(doc_id)
        title = spec.title if spec is not None else doc_id
        refs = [*spec.clauses, *spec.controls] if spec is not None else []
        priority = 1 if spec is not None and spec.mandatory else 2
        for question in questions:
            found.append(
                Gap(
                    priority,
                    refs[0] if refs else doc_id,
                    "Decision",
                    f"The {title} leaves this question open: {question}",
                    "Answer it in profile.yaml under answers: (question: and answer:) and generate again.",
                    doc_id,
                )
            )
    return found


# 2. Applicable controls not in place and not being put in place ---------------------------------------------


def _control_gaps(profile: Profile, register: RiskRegister | None, corpus: Corpus) -> list[Gap]:
    excluded = {e.control for e in profile.scope.exclusions}
    threshold = profile.risk_criteria.acceptance_threshold
    risks = register.risks if register is not None else []
    register_name = register.path.name if register is not None else "risks.csv"
    found = []
    for control in corpus.ordered_controls():
        status = profile.implementation.get(control.id)
        if control.id in excluded or status in ("implemented", "partial"):
            continue
        naming = [r for r in risks if control.id in r.controls]
        if any(r.actions.strip() for r in naming):
            continue  # a treatment action puts it in place
        high = [r for r in naming if r.score > threshold]
        name = f"{control.id} {control.title}"
        if status is None:
            what = f"{name} is applicable but profile.yaml gives no implementation status for it"
        else:
            what = (
                f"{name} is applicable, {STATUS_WORDS[status]}, and no risk treatment action puts it in place"
            )
        if high:
            what += (
                f"; {_and(r.id for r in high)}, above the acceptance threshold {threshold}, "
                f"{'relies' if len(high) == 1 else 'rely'} on it"
            )
        if status is None:
            action = (
                f"Set implementation: {control.id}: in profile.yaml to implemented, partial, planned or "
                "not_implemented."
            )
        elif high:
            action = (
                f"Add the actions, action_owner and due columns for {_and(r.id for r in high)} in "
                f"{register_name}, or implement it and set implementation: {control.id}: implemented."
            )
        else:
            action = (
                f"Implement it and set implementation: {control.id}: implemented in profile.yaml, or add a "
                f"treatment action with action_owner and due to a risk naming it in {register_name}."
            )
        found.append(Gap(1 if high else 2, control.id, "Control", what + ".", action))
    return found


# 3. The risk register ----------------------------------------------------------------------------------------


def _risk_gaps(profile: Profile, register: RiskRegister | None) -> list[Gap]:
    if register is None:
        return [
            Gap(
                1,
                "6.1.2",
                "Risk register",
                "The workspace has no risk register (risks.csv or risks.xlsx), so there are no risk "
                "assessment results to show the auditor.",
                "Assess the risks and save them as risks.csv in the workspace with the columns id, title, "
                "description, owner, likelihood, impact, treatment and controls.",
            )
        ]
    threshold = profile.risk_criteria.acceptance_threshold
    name = register.path.name
    found = []
    for r in register.risks:
        above = r.score > threshold
        has_actions = bool(r.actions.strip())
        rated = f"{r.id} {r.title} scores {r.score}, above the acceptance threshold {threshold},"
        if above and r.treatment != "accept" and not has_actions:
            open_controls = [c for c in r.controls if profile.implementation.get(c) != "implemented"]
            if open_controls:
                listed = _and(f"{c} ({STATUS_WORDS[profile.implementation.get(c)]})" for c in open_controls)
                found.append(
                    Gap(
                        1,
                        "6.1.3",
                        "Risk register",
                        f"{rated} and has no treatment actions while {listed} "
                        f"{'is' if len(open_controls) == 1 else 'are'} not fully implemented.",
                        f"Add the actions, action_owner and due columns for {r.id} in {name}.",
                    )
                )
        if has_actions and not (r.action_owner.strip() and r.due):
            missing = _missing_plan_fields(r)
            found.append(
                Gap(
                    1,
                    "6.1.3",
                    "Risk register",
                    f"{r.id} {r.title} has treatment actions but no {missing}.",
                    f"Add the {missing} for {r.id} in {name}.",
                )
            )
        if above and r.treatment != "accept" and r.residual_score is None:
            found.append(
                Gap(
                    2,
                    "6.1.3",
                    "Risk register",
                    f"{rated} and has no residual rating after treatment.",
                    f"Add residual_likelihood and residual_impact for {r.id} in {name}.",
                )
            )
        if above and r.treatment == "accept" and not r.accepted_by.strip():
            found.append(
                Gap(
                    1,
                    "6.1.3",
                    "Risk register",
                    f"{rated} and is accepted without a record of who accepted it.",
                    f"Record top management's sign-off for {r.id} in {name} in the accepted_by and "
                    "accepted_on columns, or treat the risk.",
                )
            )
    return found


def _missing_plan_fields(risk: Risk) -> str:
    missing = [
        label for label, ok in (("action_owner", risk.action_owner.strip()), ("due", risk.due)) if not ok
    ]
    return " or ".join(missing) + (" date" if missing == ["due"] else "")


# 4. Profile inputs the records need ---------------------------------------------------------------------------


def _profile_gaps(profile: Profile, today: date) -> list[Gap]:
    excluded = {e.control for e in profile.scope.exclusions}
    reviews = profile.practices.reviews
    wanted: list[tuple[bool, int, str, str, str]] = [
        (
            not profile.context.issues,
            1,
            "4.1",
            "profile.yaml lists no internal or external issues (context.issues).",
            "Add the issues under context: issues: in profile.yaml, each with kind, issue and effect.",
        ),
        (
            not profile.context.interested_parties,
            1,
            "4.2",
            "profile.yaml lists no interested parties and their requirements (context.interested_parties).",
            "Add them under context: interested_parties: in profile.yaml, each with party, requirements and "
            "addressed_by.",
        ),
        (
            not profile.objectives,
            1,
            "6.2",
            "profile.yaml sets no information security objectives (objectives).",
            "Add the objectives under objectives: in profile.yaml, each with id, what, target, owner, "
            "resources, due and measured_by.",
        ),
        (
            not profile.notifications,
            1,
            "A.5.24",
            "profile.yaml does not say who must be told of an incident, by when and by whom (notifications).",
            "Add each party under notifications: in profile.yaml with party, kind, trigger, deadline_hours "
            "and notifier.",
        ),
        (
            not profile.services,
            2,
            "A.5.30",
            "profile.yaml gives no recovery time or recovery point objectives for the services (services).",
            "Add each critical service under services: in profile.yaml with service, rto_hours and rpo_hours.",
        ),
        (
            reviews.privileged_access is None,
            2,
            "A.8.2",
            "profile.yaml does not say how often privileged access rights are reviewed "
            "(practices.reviews.privileged_access).",
            "Set practices: reviews: privileged_access: to the interval in months in profile.yaml.",
        ),
        (
            reviews.physical_zones is None,
            2,
            "A.7.2",
            "profile.yaml does not say how often the list of people allowed into secure areas is reviewed "
            "(practices.reviews.physical_zones).",
            "Set practices: reviews: physical_zones: to the interval in months in profile.yaml.",
        ),
        (
            reviews.suppliers is None,
            2,
            "A.5.22",
            "profile.yaml does not say how often critical suppliers' assurance is reviewed "
            "(practices.reviews.suppliers).",
            "Set practices: reviews: suppliers: to the interval in months in profile.yaml.",
        ),
    ]
    found = [
        Gap(priority, ref, "Profile", item, action)
        for missing, priority, ref, item, action in wanted
        if missing and ref not in excluded
    ]
    for objective in profile.objectives:
        if objective.due < today:
            found.append(
                Gap(
                    2,
                    "6.2",
                    "Profile",
                    f"Objective {objective.id} ({objective.what}) was due on {objective.due.isoformat()}, "
                    "which has passed.",
                    f"Record whether objective {objective.id} was met and give it a new target and due date in "
                    "profile.yaml.",
                )
            )
    return found


# 5. Records whose planned activity is overdue -----------------------------------------------------------------

# doc id -> (what the planned activity is, what to record)
RECORDS: dict[str, tuple[str, str]] = {
    "internal-audit-programme": ("audit", "its date, auditor and findings"),
    "management-review-minutes": ("management review", "the attendance, decisions and actions"),
}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WHEN = re.compile(
    r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"
    r"|\bQ(?P<q>[1-4])\s+(?P<qy>\d{4})\b"
    r"|\b(?P<mon>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\.?\s+(?P<my>\d{4})\b",
    re.IGNORECASE,
)
PLANNED = re.compile(r"\b(?:planned|scheduled)\b", re.IGNORECASE)
PENDING = re.compile(r"\bto be (?:recorded|completed)\b", re.IGNORECASE)
SEPARATOR = re.compile(r"^\|?[\s:|-]+\|?$")


def _record_gaps(corpus: Corpus, out_dir: Path, today: date) -> tuple[list[Gap], list[Gap]]:
    """Planned dates in the records whose results are still "to be recorded": overdue ones are gaps, later
    ones are coming up.

    A planned date is a date in a column headed "Planned ..." (the audit programme) or in a row labelled
    "Planned" (the review's meeting details). Rows are matched by their first cell across the record's
    tables (an audit's programme row and its results row); a "Planned" row stands for the whole record,
    pending while any table cell of it is still to be recorded. Formats this does not recognise give nothing.
    """
    overdue: list[Gap] = []
    coming: list[tuple[date, Gap]] = []
    for doc_id, (activity, results) in RECORDS.items():
        try:
            text = (out_dir / f"{doc_id}.md").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        spec = corpus.documents.get(doc_id)
        title = spec.title if spec is not None else doc_id
        ref = spec.clauses[0] if spec is not None and spec.clauses else doc_id
        tables = _tables(text)
        whole_pending = any(PENDING.search(cell) for _header, rows in tables for row in rows for cell in row)
        groups: dict[str, list[tuple[list[str], list[str]]]] = {}
        for header, rows in tables:
            for row in rows:
                groups.setdefault(row[0].strip().lower(), []).append((header, row))
        for label, members in groups.items():
            planned = [w for header, row in members for w in _planned_dates(header, row)]
            if not planned:
                continue
            shown, deadline = planned[0]
            if PLANNED.search(label):  # the record's own date ("Planned | no later than ...")
                pending, what = whole_pending, f"the {activity}"
            else:
                pending = any(PENDING.search(cell) for _header, row in members for cell in row)
                what = f"the {activity} “{members[0][1][0].strip()}”"
            if not pending:
                continue
            if deadline < today:
                overdue.append(
                    Gap(
                        2,
                        ref,
                        "Records",
                        f"The {title}: {what} was planned for {shown} and its results are still to be recorded.",
                        f"Hold the {activity} and record {results} in the {title}, or reschedule it there.",
                        doc_id,
                    )
                )
            else:
                coming.append(
                    (
                        deadline,
                        Gap(
                            2,
                            ref,
                            "Records",
                            f"The {title}: {what} is planned for {shown}.",
                            f"Hold the {activity} by then and record {results} in the {title}.",
                            doc_id,
                        ),
                    )
                )
    coming.sort(key=lambda pair: pair[0])  # stable: rows of one date keep their order
    return overdue, [gap for _deadline, gap in coming]


def _planned_dates(header: list[str], row: list[str]) -> list[tuple[str, date]]:
    if PLANNED.search(row[0]):
        cells = row[1:]
    else:
        cells = [cell for i, cell in enumerate(row) if i < len(header) and PLANNED.search(header[i])]
    return [w for cell in cells if (w := _when(cell)) is not None]


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """The Markdown tables of a text: (header cells, body rows), a table without a separator row being all body."""
    tables: list[tuple[list[str], list[list[str]]]] = []
    block: list[str] = []
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if len(stripped) >= 3 and stripped.startswith("|") and stripped.endswith("|"):
            block.append(stripped)
            continue
        if block:
            rows = [[cell.strip() for cell in b[1:-1].split("|")] for b in block if not SEPARATOR.match(b)]
            if len(block) > 1 and SEPARATOR.match(block[1]):
                tables.append((rows[0], rows[1:]))
            else:
                tables.append(([], rows))
            block = []
    return tables


def _when(cell: str) -> tuple[str, date] | None:
    """The first date a cell gives (as written, and the last day it covers), or None."""
    match = WHEN.search(cell)
    if match is None:
        return None
    try:
        if match.group("q"):
            quarter, year = int(match.group("q")), int(match.group("qy"))
            end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            return match.group(0), end - timedelta(days=1)
        if match.group("mon"):
            month, year = MONTHS.index(match.group("mon")[:3].lower()) + 1, int(match.group("my"))
            end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return match.group(0), end - timedelta(days=1)
        return match.group(0), date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None


def _and(items: Any) -> str:
    listed = list(items)
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " and " + listed[-1]
