"""The clause 4-10 records, asserted on their content for every example: the audit cycle reaches every clause
and applicable control after the effective date, the review agenda holds every 9.3.2 input, the scope
holds the structured context, and the plans carry the profile's own owners, cadences and dates."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from assistant.cli.loading import load_inputs
from assistant.drafting.audit_blocks import _between
from assistant.drafting.engine import Engine
from assistant.ids import control_sort_key
from tests.conftest import EXAMPLES

NAMES = ["kestrel-saas", "meridian-payments", "harrow-precision"]


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    return {name: Engine(load_inputs(EXAMPLES / name, provider="offline")) for name in NAMES}


def _text(engine: Engine, doc_id: str) -> str:
    return "\n".join(s.text for s in engine.draft(doc_id).sections)


def _rows(text: str, first_cell: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if re.match(rf"^\| {first_cell}", line)
    ]


@pytest.mark.parametrize("name", NAMES)
def test_audit_cycle_covers_every_clause_and_applicable_control_after_the_effective_date(
    engines, name
) -> None:  # type: ignore[no-untyped-def]
    engine = engines[name]
    profile, today = engine.inputs.profile, engine.inputs.today
    text = _text(engine, "internal-audit-programme")
    audits = [r for r in _rows(text, "IA-") if re.match(r"[A-Z][a-z]+ \d{4}$", r[1])]
    schedule = audits[:6]
    assert len(schedule) == 6
    months = [datetime.strptime(r[1], "%B %Y").date() for r in schedule]
    assert all(m > today for m in months), months
    assert months[-1] < date(today.year + 3, today.month, 28), "the cycle is three years"
    for year in range(3):  # every year audits all of clauses 4 to 10
        clauses = {c for r in schedule[2 * year : 2 * year + 2] for c in re.findall(r"\d+", r[2])}
        assert clauses == {"4", "5", "6", "7", "8", "9", "10"}, (year, clauses)
    covered: set[str] = set()
    for r in schedule:
        span = re.match(r"(A\.\d+\.\d+)(?: to (A\.\d+\.\d+))?", r[3])
        assert span, r
        covered |= set(_between(span.group(1), span.group(2) or span.group(1)))
    excluded = {e.control for e in profile.scope.exclusions}
    applicable = set(engine.inputs.corpus.controls) - excluded
    assert applicable <= covered, sorted(applicable - covered, key=control_sort_key)
    themes = {c.split(".")[1] for c in covered & applicable}
    assert themes == {"5", "6", "7", "8"}
    never = {profile.roles.isms_owner.name, profile.roles.security_lead.name}
    assert not any(r[4] in never for r in schedule), "nobody audits their own work"
    assert "Audit plan item" in text and "Report reference" in text


@pytest.mark.parametrize("name", NAMES)
def test_review_agenda_holds_every_input_and_invents_no_attendance(engines, name) -> None:  # type: ignore[no-untyped-def]
    engine = engines[name]
    text = _text(engine, "management-review-minutes")
    agenda = "\n".join(line for line in text.splitlines() if re.match(r"^\| \d+ \|", line))
    for wanted in (
        "actions from previous management reviews",
        "external and internal issues",
        "needs and expectations of interested parties",
        "Nonconformities and corrective actions",
        "Monitoring and measurement results",
        "Audit results",
        "information security objectives",
        "Feedback from interested parties",
        "risk assessment and status of the risk treatment plan",
        "continual improvement",
    ):
        assert wanted in agenda, wanted
    register = engine.inputs.register
    assert register is not None and f"{len(register.risks)} risks" in agenda
    for objective in engine.inputs.profile.objectives:
        assert objective.what in agenda
    assert "to be recorded at the meeting" in text
    assert not re.search(r"\b(?:attended by|was held|were discussed|present:)", text, re.I)


@pytest.mark.parametrize("name", NAMES)
def test_scope_carries_issues_parties_entities_and_process_map(engines, name) -> None:  # type: ignore[no-untyped-def]
    engine = engines[name]
    profile = engine.inputs.profile
    text = _text(engine, "isms-scope")
    for issue in profile.context.issues:
        assert issue.issue[:60] in text
    for party in profile.context.interested_parties:
        assert f"| {party.party} |" in text
    for entity in profile.identity.legal_entities:
        assert f"| {entity.name} |" in text
        if not entity.in_scope:
            assert entity.reason and entity.reason[:40] in text
    for office in profile.locations.offices:
        assert f"| {office.name} |" in text
    for clause in ("4.1 to 4.4", "6.1.3, 8.3", "9.2", "10.1, 10.2"):
        assert f"| {clause} |" in text


@pytest.mark.parametrize("name", NAMES)
def test_treatment_plan_has_owner_signoff_and_acceptance_dates(engines, name) -> None:  # type: ignore[no-untyped-def]
    engine = engines[name]
    text = _text(engine, "risk-treatment-plan")
    register = engine.inputs.register
    assert register is not None
    signoff = [line for line in text.splitlines() if "| to be signed | to be dated |" in line]
    roles, threshold = engine.inputs.profile.roles, engine.inputs.profile.risk_criteria.acceptance_threshold
    owners_in_plan = {
        roles.holder(r.owner).name if r.owner in roles.role_ids() else r.owner
        for r in register.risks
        if r.treatment != "accept" and (r.score > threshold or r.actions)
    }
    residual_above = any(
        r.residual_score is not None and r.residual_score > threshold and r.treatment != "accept"
        for r in register.risks
    )
    assert len(signoff) == len(owners_in_plan) + residual_above
    rows = [line for line in text.splitlines() if line.startswith("| R-")]
    for r in register.above(threshold):
        if r.treatment == "accept":
            continue
        row = next(line for line in rows if line.startswith(f"| {r.id} "))
        for control in r.controls:
            assert control in row  # the plan names each risk's controls (6.1.3)
        if not r.actions:
            assert "to be set by the risk owner" in row  # nothing invented where the register is silent
    assert "| done |" not in "\n".join(
        line
        for line in rows
        if not any(r.status == "done" and line.startswith(f"| {r.id} ") for r in register.risks)
    )
    if any(r.treatment == "accept" for r in register.risks):
        assert "| Accepted on |" in text


@pytest.mark.parametrize("name", NAMES)
def test_objectives_competence_calendar_and_measures_come_from_the_profile(engines, name) -> None:  # type: ignore[no-untyped-def]
    engine = engines[name]
    profile, today = engine.inputs.profile, engine.inputs.today
    objectives = _text(engine, "information-security-objectives")
    for o in profile.objectives:
        row = next(line for line in objectives.splitlines() if line.startswith(f"| {o.what} |"))
        assert (
            profile.roles.holder(o.owner).name in row and o.due.isoformat() in row and o.resources[:30] in row
        )
    competence = _text(engine, "competence-records")
    for _role, label, holder in profile.roles.every_role():
        assert any(line.startswith(f"| {label} | {holder.name}") for line in competence.splitlines()), label
    assert "| Where it is kept |" in competence and "Security awareness course" in competence
    calendar = _text(engine, "operational-planning-and-control")
    reviews = profile.practices.reviews
    assert (
        f"| User access review | {profile.roles.security_lead.name} | every {reviews.user_access} months |"
        in calendar
    )
    if reviews.suppliers:
        assert f"every {reviews.suppliers} months" in calendar
    dues = [date.fromisoformat(d) for d in re.findall(r"\| (\d{4}-\d{2}-\d{2}) \|", calendar)]
    assert dues and all(d > today for d in dues)
    measures = _text(engine, "monitoring-and-measurement-report")
    for o in profile.objectives:
        assert f"| {o.target} |" in measures
    assert "| Who measures | Who analyses |" in measures and "to be recorded" in measures
    register = _text(engine, "nonconformity-and-corrective-action-register")
    for column in ("Root cause", "Corrective action", "Effectiveness check", "Status"):
        assert f"| {column} |" in register or f"| {column}" in register


@pytest.mark.parametrize("name", NAMES)
def test_every_notification_duty_is_in_the_incident_procedure(engines, name) -> None:  # type: ignore[no-untyped-def]
    engine = engines[name]
    text = _text(engine, "incident-management-procedure")
    for duty in engine.inputs.profile.notifications:
        row = next(line for line in text.splitlines() if line.startswith(f"| {duty.party} |"))
        assert engine.inputs.profile.roles.holder(duty.notifier).name in row
    plan = _text(engine, "business-continuity-plan")
    for service in engine.inputs.profile.services:
        assert f"| {service.service} |" in plan
