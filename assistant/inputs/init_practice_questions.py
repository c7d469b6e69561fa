"""The questions of `isms init` about the organisation's estate and its practices: cloud and SaaS tools,
joining, leaving and training, cadences and numbers (defaults shown as defaults), and the documents to
import. `assistant.inputs.init_questions` puts them in order with the others."""

from __future__ import annotations

from assistant.inputs.answer_checks import Question

BYOD = ("not_allowed", "mobile_only", "allowed_with_mdm", "allowed")
CRITICALITY = ("low", "medium", "high", "critical")


def technology() -> list[Question]:
    s = "technology"
    return [
        Question("technology.cloud_providers", "Cloud providers (separate with ;)", kind="list", section=s),
        Question(
            "technology.identity.provider",
            "Identity provider (e.g. Microsoft Entra ID, Okta, Google Workspace)",
            section=s,
            required=True,
            min_length=2,
        ),
        Question(
            "technology.identity.mfa",
            "How is multi-factor authentication enforced, and for whom?",
            section=s,
            required=True,
            min_length=10,
        ),
        Question(
            "technology.endpoints.operating_systems",
            "Operating systems of company devices (separate with ;)",
            kind="list",
            section=s,
            required=True,
        ),
        Question(
            "technology.endpoints.device_management",
            "Device management (MDM) tool",
            section=s,
            required=True,
            min_length=2,
        ),
        Question(
            "technology.endpoints.disk_encryption",
            "How are laptop disks encrypted?",
            section=s,
            required=True,
            min_length=3,
        ),
        Question("technology.endpoints.edr", "Endpoint protection / EDR", section=s),
        Question(
            "technology.endpoints.byod",
            "May staff use their own devices?",
            kind="choice",
            section=s,
            default="not_allowed",
            choices=BYOD,
        ),
        Question(
            "technology.network",
            "Network and remote access: office network, VPN, how production is reached",
            section=s,
            min_length=10,
            help="e.g. 'No corporate network or VPN: staff work over internet connections treated as untrusted'",
        ),
        Question(
            "technology.code_hosting",
            "Code hosting (leave empty if you write no software)",
            section=s,
            blank_is_answer=True,
        ),
        Question(
            "technology.ci_cd",
            "CI/CD (build and deployment; leave empty if none)",
            section=s,
            blank_is_answer=True,
        ),
        Question("technology.ticketing", "Ticketing (IT and security requests)", section=s),
        Question(
            "technology.email_collaboration",
            "E-mail and collaboration tools (separate with ;)",
            kind="list",
            section=s,
            required=True,
        ),
        Question(
            "technology.business_systems", "Other business systems (separate with ;)", kind="list", section=s
        ),
        Question(
            "technology.logging_monitoring",
            "Logging and monitoring tools (separate with ;)",
            kind="list",
            section=s,
            required=True,
        ),
        Question("technology.backup.tool", "Backup tool", section=s, required=True, min_length=2),
        Question(
            "technology.backup.frequency",
            "How often are backups taken?",
            section=s,
            required=True,
            min_length=3,
        ),
        Question(
            "technology.backup.retention_days",
            "How many days are backups kept?",
            kind="int",
            section=s,
            required=True,
            minimum=1,
            maximum=36500,
        ),
        Question(
            "technology.backup.restore_test_months",
            "Restores from backup are tested every how many months? (leave empty if not yet tested)",
            kind="int",
            section=s,
            minimum=1,
            maximum=36,
        ),
        Question(
            "practices.encryption",
            "Encryption at rest and in transit (e.g. 'AES-256 at rest, TLS 1.2 or later in transit')",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "suppliers",
            "Suppliers that hold your data or run a service you depend on",
            kind="records",
            section=s,
            fields=_supplier_fields(),
            help="Cloud and SaaS providers, managed IT, payroll, outsourced developers ...: one entry each. "
            "They fill the supplier register the documents keep.",
        ),
    ]


def _supplier_fields() -> tuple[Question, ...]:
    return (
        Question("name", "Supplier (e.g. Amazon Web Services)", required=True, min_length=2),
        Question("service", "What it provides (e.g. hosting of the platform)", required=True, min_length=3),
        Question(
            "criticality",
            "How critical is it?",
            kind="choice",
            required=True,
            default="medium",
            choices=CRITICALITY,
        ),
        Question("data_shared", "Data it holds or sees (separate with ;)", kind="list"),
        Question(
            "assurance",
            "Assurance it gives (separate with ;)",
            kind="list",
            help="e.g. ISO 27001 certificate; SOC 2 Type II report",
        ),
    )


def people() -> list[Question]:
    s = "people"
    return [
        Question(
            "people.contractors",
            "How many contractors work for you, and on what? ('none' is an answer)",
            section=s,
            required=True,
            min_length=2,
        ),
        Question(
            "people.screening",
            "What checks are made before someone joins?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "people.onboarding",
            "How does a new starter get accounts and a laptop?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "people.offboarding",
            "How is access removed when someone leaves?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question("people.training_platform", "Security awareness training platform", section=s),
    ]


def practices() -> list[Question]:
    s = "practices"

    def months(key: str, prompt: str, default: int, maximum: int = 24) -> Question:
        return Question(
            key, prompt, kind="int", section=s, required=True, default=default, minimum=1, maximum=maximum
        )

    return [
        months(
            "people.training_cadence_months", "Security awareness training every how many months?", 12, 36
        ),
        months("practices.reviews.user_access", "User access reviewed every how many months?", 6),
        months(
            "practices.reviews.privileged_access",
            "Privileged (admin) access reviewed every how many months?",
            3,
        ),
        months(
            "practices.reviews.suppliers",
            "Critical suppliers' assurance reviewed every how many months?",
            12,
            36,
        ),
        Question(
            "practices.incident_report_hours",
            "Staff report a suspected incident within how many hours?",
            kind="int",
            section=s,
            required=True,
            default=24,
            minimum=1,
            maximum=168,
        ),
        *[
            Question(
                f"practices.patch_days.{level}",
                f"Patch {level} vulnerabilities within how many days?",
                kind="int",
                section=s,
                required=True,
                default=days,
                minimum=1,
                maximum=365,
            )
            for level, days in (("critical", 14), ("high", 30), ("medium", 90), ("low", 180))
        ],
        Question(
            "practices.vulnerability_scanning",
            "How are vulnerabilities found (scanner, how often)?",
            section=s,
            required=True,
            min_length=5,
        ),
        Question(
            "practices.log_retention_days",
            "Logs kept for how many days?",
            kind="int",
            section=s,
            required=True,
            default=365,
            minimum=1,
            maximum=3650,
        ),
        months("practices.penetration_test_months", "Penetration test every how many months?", 12, 36),
        Question(
            "practices.next_penetration_test",
            "When is the next penetration test due? (YYYY-MM-DD)",
            kind="date",
            section=s,
        ),
        Question(
            "risk_criteria.acceptance_threshold",
            "Risk acceptance threshold on the 5x5 scale (likelihood x impact, 1 to 25): scores above it must be treated",
            kind="int",
            section=s,
            required=True,
            default=8,
            minimum=1,
            maximum=25,
        ),
        months("risk_criteria.review_months", "Risk assessment reviewed every how many months?", 12, 36),
        months("document_control.review_cycle_months", "Documents reviewed every how many months?", 12, 36),
        Question(
            "document_control.classification",
            "Default classification of the documents",
            kind="choice",
            section=s,
            default="Internal",
            choices=("Public", "Internal", "Confidential", "Restricted"),
        ),
    ]


def documents() -> list[Question]:
    return [
        Question(
            "documents.import",
            "Existing documents to copy into docs/ (file paths separated by ;)",
            kind="paths",
            section="documents",
        )
    ]
