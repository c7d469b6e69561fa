"""The fact checker reads every way a document states a fact: prose, list items, table rows under a
heading, word cadences, number words; per severity, per notified party, per review area. Kestrel's
profile: patch 7/14/45/90 days, staff report within 24 h, ICO 72 h, customers 48 h, user access reviews
every 6 months, backups 35 days, logs 400 days, training every 12 months, pen test every 12 months."""

from __future__ import annotations

import pytest

from assistant.drafting.factcheck import FactChecker
from assistant.inputs.profile import load_profile
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def kestrel() -> FactChecker:
    return FactChecker(load_profile(EXAMPLES / "kestrel-saas" / "profile.yaml"))


# (kind label in the finding, text that contradicts the profile, the same fact stated correctly)
CASES = [
    (
        "deadline for critical",
        "Critical vulnerabilities are patched within 30 days.",
        "Critical vulnerabilities are patched within 7 days.",
    ),
    ("deadline for critical", "We fix critical issues in two weeks.", "We fix critical issues in a week."),
    (
        "deadline for high",
        "Remediate critical findings within 7 days, high within 30 days and medium within 45 days.",
        "Remediate critical findings within 7 days, high within 14 days and medium within 45 days.",
    ),
    (
        "deadline for medium",
        "## Remediation deadlines\n\n| Severity | Deadline |\n|---|---|\n| Medium | 90 days |",
        "## Remediation deadlines\n\n| Severity | Deadline |\n|---|---|\n| Medium | 45 days |",
    ),
    (
        "deadline for low",
        "- Low: patched within 60 days of the scan that found it",
        "- Low: patched within 90 days of the scan that found it",
    ),
    (
        "time for staff to report",
        "Staff must report a suspected incident within 4 hours.",
        "Staff must report a suspected incident within 24 hours.",
    ),
    (
        "time for staff to report",
        "Anyone who suspects a security incident reports it to the security team within one hour.",
        "Anyone who suspects a security incident reports it to the security team within twenty-four hours.",
    ),
    (
        "notification deadline to data protection authority",
        "Sophie Marsh notifies the ICO of a qualifying breach within 24 hours.",
        "Sophie Marsh notifies the ICO of a qualifying breach within 72 hours.",
    ),
    (
        "notification deadline to customers",
        "Affected customers are told of an incident affecting their data within 72 hours.",
        "Affected customers are told of an incident affecting their data within 48 hours.",
    ),
    (
        "notification deadline to data protection authority",
        "| Authority | Deadline |\n|---|---|\n| ICO (breach notification) | 96 hours |",
        "| Authority | Deadline |\n|---|---|\n| ICO (breach notification) | 72 hours |",
    ),
    ("user access review", "User access is reviewed quarterly.", "User access is reviewed twice a year."),
    (
        "user access review",
        "Reviews of access rights take place every 3 months.",
        "Reviews of access rights take place every 6 months.",
    ),
    ("backup retention", "Backups are kept for 90 days.", "Backups are kept for 35 days."),
    ("log retention", "Audit logs are retained for one year.", "Audit logs are retained for 400 days."),
    (
        "log retention",
        "Backup job history is kept in Datadog logs for 90 days.",
        "Backup job history is kept in Datadog logs for 400 days.",
    ),
    (
        "security awareness training",
        "Security awareness training is repeated every 24 months.",
        "Security awareness training is repeated annually.",
    ),
    (
        "penetration test",
        "An independent penetration test runs every 6 months.",
        "An independent penetration test runs every 12 months.",
    ),
    ("recovery time objective", "The platform's RTO is 4 hours.", None),
    ("recovery point objective", "The recovery point objective for the database is 45 minutes.", None),
    ("privileged access review", "Privileged access is reviewed monthly.", None),
]


@pytest.mark.parametrize(("label", "wrong", "right"), CASES)
def test_each_fact_kind_in_paraphrase(
    kestrel: FactChecker, label: str, wrong: str, right: str | None
) -> None:
    problems = kestrel.contradictions(wrong)
    assert any(label in p for p in problems), problems
    if right is not None:
        assert kestrel.contradictions(right) == []


@pytest.mark.parametrize(
    "text",
    [
        "The Access Control Policy is reviewed every 12 months.",  # a document's review cycle, not access reviews
        "Andreas reviews this procedure every 12 months, after any failed restore test.",
        "Failover must complete within 2 hours of the decision to fail over.",  # hours are never a cadence
        "Critical and high updates are installed within 14 days under Cyber Essentials Plus.",
        "New starters complete awareness training within their first week.",
        "Laptops come back by courier within 10 working days.",
    ],
)
def test_statements_about_something_else_are_left_alone(kestrel: FactChecker, text: str) -> None:
    assert kestrel.contradictions(text) == []


def test_facts_from_the_register_are_the_organisations_own() -> None:
    profile = load_profile(EXAMPLES / "meridian-payments" / "profile.yaml")
    text = "The payment gateway's recovery time objective is 7 hours."
    assert FactChecker(profile).contradictions(text)
    register = [
        "Failover to West Europe must complete within the 7-hour recovery time objective for the gateway."
    ]
    assert FactChecker(profile, also_from=register).contradictions(text) == []


def test_mfa_presented_as_optional(kestrel: FactChecker) -> None:
    assert any("MFA as optional" in p for p in kestrel.contradictions("MFA is optional for contractors."))
