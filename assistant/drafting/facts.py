"""The organisation profile as topic-tagged fact sentences that drafts can state and cite."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.inputs.profile import Profile
from assistant.knowledge.models import Control

# Words in a section's heading or instructions that point at a topic.
TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "governance": (
        "role",
        "responsib",
        "leadership",
        "management",
        "approv",
        "owner",
        "commitment",
        "policy set",
    ),
    "scope": ("scope", "boundar", "interface", "depend", "exclusion", "context", "interested part"),
    "identity": (
        "identity",
        "mfa",
        "authenticat",
        "sso",
        "sign-in",
        "password",
        "access",
        "privileged",
        "account",
        "credential",
    ),
    "endpoint": ("endpoint", "laptop", "device", "mdm", "malware", "edr", "mobile", "byod", "workstation"),
    "cloud": ("cloud", "aws", "azure", "saas", "hosting", "region", "data centre", "data center"),
    "network": ("network", "firewall", "segment", "vpn", "web filter", "dns", "wi-fi", "remote access"),
    "development": ("develop", "code", "repositor", "ci/cd", "pipeline", "release", "deploy", "test"),
    "change": ("change", "configuration", "baseline", "install"),
    "logging": ("log", "monitor", "alert", "siem", "clock", "capacity"),
    "backup": ("backup", "restore", "recovery"),
    "continuity": (
        "continuity",
        "disruption",
        "resilien",
        "disaster",
        "redundan",
        "ict readiness",
        "failover",
    ),
    "incident": ("incident", "breach", "report", "event", "forensic", "evidence"),
    "vulnerability": ("vulnerab", "patch", "threat", "scan", "penetration", "malware"),
    "supplier": ("supplier", "vendor", "third part", "outsourc", "cloud service", "provider"),
    "people": (
        "employ",
        "staff",
        "hr",
        "screening",
        "onboard",
        "offboard",
        "leaver",
        "contractor",
        "disciplin",
        "terms",
        "training",
        "awareness",
        "competence",
        "confidentiality agreement",
    ),
    "training": ("training", "awareness", "competence", "skills"),
    "physical": (
        "physical",
        "office",
        "premises",
        "site",
        "entry",
        "visitor",
        "equipment",
        "facility",
        "cabling",
        "desk",
        "media",
        "utilities",
    ),
    "remote": ("remote", "home", "off-premises", "travel", "hybrid"),
    "legal": (
        "legal",
        "regulat",
        "contract",
        "law",
        "statutory",
        "intellectual property",
        "records",
        "obligation",
    ),
    "privacy": ("privacy", "personal data", "pii", "gdpr", "data protection", "data subject"),
    "crypto": ("crypto", "encrypt", "key", "tls", "certificate"),
    "asset": ("asset", "inventory", "register of", "return", "disposal", "media"),
    "classification": ("classif", "label", "handling", "confidential", "deletion", "masking", "leak"),
    "transfer": ("transfer", "email", "sharing", "collaborat", "exchange"),
    "risk": ("risk", "likelihood", "impact", "treatment", "acceptance", "threshold"),
    "documents": ("document", "version", "review cycle", "approval", "retention"),
    "audit": ("audit", "assurance", "independent review", "compliance check", "measure", "metric"),
}

CAPABILITY_TOPICS: dict[str, tuple[str, ...]] = {
    "governance": ("governance",),
    "asset_management": ("asset",),
    "information_protection": ("classification", "crypto", "transfer"),
    "human_resource_security": ("people",),
    "physical_security": ("physical",),
    "system_and_network_security": ("network", "cloud"),
    "application_security": ("development",),
    "secure_configuration": ("change", "endpoint"),
    "identity_and_access_management": ("identity",),
    "threat_and_vulnerability_management": ("vulnerability",),
    "continuity": ("continuity", "backup"),
    "supplier_relationships_security": ("supplier",),
    "legal_and_compliance": ("legal",),
    "information_security_event_management": ("incident", "logging"),
    "information_security_assurance": ("audit",),
}


@dataclass(frozen=True)
class Fact:
    """One statement about the organisation, tagged with topics and the profile field it came from."""

    key: str
    text: str
    topics: frozenset[str]


def _clean(text: str) -> str:
    from assistant.drafting.blocks import singular

    return singular(re.sub(r"\s+", " ", text).strip().rstrip("."))


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _hours(n: int) -> str:
    return "1 hour" if n == 1 else f"{n} hours"


def hours_text(value: float) -> str:
    """4.0 -> "4 hours", 0.25 -> "15 minutes", 1 -> "1 hour"."""
    if value < 1:
        return f"{round(value * 60)} minutes"
    if value >= 72 and value % 24 == 0 and value != 72:
        return f"{value / 24:g} days"
    return _hours(int(value)) if float(value).is_integer() else f"{value:g} hours"


def profile_facts(profile: Profile) -> list[Fact]:
    """Every fact a document may state, each phrased as a complete sentence."""
    p, t, name = profile, profile.technology, profile.identity.name
    roles = p.roles
    facts: list[Fact] = []

    def add(key: str, text: str, *topics: str) -> None:
        facts.append(Fact(key, _clean(text) + ".", frozenset(topics)))

    add(
        "identity.organisation",
        f"{p.identity.legal_name} ({name}) works in {p.identity.sector} with "
        f"{p.identity.headcount} people, under the law of {_join(p.identity.jurisdictions)}",
        "scope",
        "governance",
        "legal",
    )
    add("identity.description", p.identity.description, "scope")
    add("scope.statement", f"ISMS scope: {p.scope.statement}", "scope")
    add(
        "scope.organisational",
        f"Organisational boundary: {'; '.join(p.scope.organisational)}",
        "scope",
        "people",
    )
    add("scope.physical", f"Physical boundary: {'; '.join(p.scope.physical)}", "scope", "physical")
    add("scope.technology", f"Technology boundary: {'; '.join(p.scope.technology)}", "scope", "cloud")
    if p.scope.interfaces:
        add(
            "scope.interfaces",
            f"Interfaces and dependencies: {'; '.join(p.scope.interfaces)}",
            "scope",
            "supplier",
        )
    offices = [f"{o.name} ({o.city}, {o.country})" for o in p.locations.offices]
    if offices:
        add("locations.offices", f"{name} works from {_join(offices)}", "physical", "scope")
    for office in p.locations.offices:
        if office.access_control:
            add(f"locations.office.{office.name}", f"At {office.name}: {office.access_control}", "physical")
    for dc in p.locations.data_centres:
        add(
            f"locations.dc.{dc.name}",
            f"{dc.name}: {dc.kind.replace('_', ' ')} in {dc.location}"
            + (f", operated by {dc.provider}" if dc.provider else ""),
            "physical",
            "cloud",
            "continuity",
        )
    if p.locations.cloud_regions:
        add(
            "locations.cloud_regions",
            f"Cloud regions in use: {_join(p.locations.cloud_regions)}",
            "cloud",
            "continuity",
        )
    add(
        "locations.remote",
        f"Remote working model: {p.locations.remote_working.replace('_', ' ')}"
        + (f". {p.locations.remote_notes}" if p.locations.remote_notes else ""),
        "remote",
        "endpoint",
        "physical",
    )
    people = roles.people()
    add(
        "roles.top",
        f"Top management is represented by {roles.top_management.name}, {roles.top_management.title}",
        "governance",
    )
    add(
        "roles.isms_owner",
        f"The ISMS owner is {roles.isms_owner.name}, {roles.isms_owner.title}",
        "governance",
        "documents",
        "audit",
        "risk",
    )
    add(
        "roles.security_lead",
        f"Day-to-day security is led by {roles.security_lead.name}, {roles.security_lead.title}",
        "governance",
        "incident",
        "identity",
        "vulnerability",
    )
    if roles.dpo:
        add(
            "roles.dpo",
            f"The data protection officer is {roles.dpo.name}, {roles.dpo.title}",
            "privacy",
            "legal",
        )
    for role, label, role_topics in (
        ("it_lead", "IT", ("endpoint", "asset", "identity")),
        ("engineering_lead", "engineering", ("development", "change")),
        ("hr_lead", "people and HR", ("people", "training")),
        ("facilities_lead", "facilities", ("physical",)),
        ("legal_lead", "legal matters", ("legal",)),
    ):
        person = people.get(role)
        if person:
            add(f"roles.{role}", f"{person.name}, {person.title}, is responsible for {label}", *role_topics)
    for other in roles.other:
        held = f" of {other.organisation}" if other.organisation else ""
        add(
            f"roles.{other.id}",
            f"The {other.role} is {other.name}, {other.title}{held}",
            "governance",
            "legal",
        )
    add("roles.approvers", f"Documents are approved by {_join(roles.approvers)}", "documents", "governance")
    for service in p.services:
        add(
            f"services.{service.service}",
            f"{service.service} is restored within {hours_text(service.rto_hours)} with "
            + (
                f"at most {hours_text(service.rpo_hours)} of data lost"
                if service.rpo_hours
                else "no data lost"
            ),
            "continuity",
        )
    if t.cloud_providers:
        add(
            "technology.cloud",
            f"{name} runs its services on {_join(t.cloud_providers)}",
            "cloud",
            "supplier",
            "continuity",
        )
    add("technology.identity", f"Workforce identities are managed in {t.identity.provider}", "identity")
    add("technology.mfa", f"Multi-factor authentication: {t.identity.mfa}", "identity", "remote")
    if t.identity.sso_coverage:
        add("technology.sso", f"Single sign-on: {t.identity.sso_coverage}", "identity")
    if t.identity.privileged_access:
        add(
            "technology.privileged",
            f"Privileged access: {t.identity.privileged_access}",
            "identity",
            "change",
        )
    e = t.endpoints
    add(
        "technology.endpoints",
        f"Endpoints are {_join(e.operating_systems)}, managed with {e.device_management}",
        "endpoint",
        "asset",
        "remote",
        "change",
    )
    add(
        "technology.disk_encryption",
        f"Disk encryption on endpoints: {e.disk_encryption}",
        "endpoint",
        "crypto",
        "remote",
    )
    if e.edr:
        add(
            "technology.edr",
            f"Endpoint detection and response: {e.edr}",
            "endpoint",
            "vulnerability",
            "logging",
        )
    add(
        "technology.byod",
        "Personal devices: "
        + {
            "not_allowed": "not permitted for company data",
            "mobile_only": "personal phones only, for approved mobile apps",
            "allowed_with_mdm": "permitted when enrolled in device management",
            "allowed": "permitted under the acceptable use rules",
        }[e.byod],
        "endpoint",
        "remote",
    )
    if t.code_hosting:
        add("technology.code", f"Source code is hosted in {t.code_hosting}", "development", "change", "asset")
    if t.ci_cd:
        add("technology.cicd", f"Builds and deployments run through {t.ci_cd}", "development", "change")
    add(
        "technology.logging",
        f"Logging and monitoring: {'; '.join(t.logging_monitoring)}",
        "logging",
        "incident",
    )
    b = t.backup
    add(
        "technology.backup",
        f"Backups: {b.tool}; {b.frequency}; kept for {b.retention_days} days",
        "backup",
        "continuity",
    )
    if b.tested:
        add("technology.backup_tests", f"Restore testing: {b.tested}", "backup", "continuity")
    if t.ticketing:
        add(
            "technology.ticketing",
            f"Requests, changes and incidents are tracked in {t.ticketing}",
            "change",
            "incident",
            "identity",
        )
    add(
        "technology.collaboration",
        f"Email and collaboration: {_join(t.email_collaboration)}",
        "transfer",
        "classification",
    )
    if t.business_systems:
        add("technology.business_systems", f"Business systems: {_join(t.business_systems)}", "asset")
    if t.network:
        add("technology.network", f"Network: {t.network}", "network", "remote", "cloud")
    pp = p.people
    add("people.contractors", f"Contractors: {pp.contractors}", "people", "supplier")
    add("people.screening", f"Screening: {pp.screening}", "people")
    add("people.onboarding", f"Onboarding: {pp.onboarding}", "people", "identity", "training")
    add("people.offboarding", f"Offboarding: {pp.offboarding}", "people", "identity", "asset")
    add(
        "people.training",
        f"Security awareness training is completed every {pp.training_cadence_months} months"
        + (f" through {pp.training_platform}" if pp.training_platform else ""),
        "training",
        "people",
    )
    pr = p.practices
    reviews = pr.reviews
    add(
        "practices.access_review",
        f"User access rights are reviewed every {reviews.user_access} months"
        + (
            f"; privileged access every {reviews.privileged_access} months"
            if reviews.privileged_access
            else ""
        ),
        "identity",
    )
    if reviews.physical_zones:
        add(
            "practices.physical_review",
            f"Access to secure areas is reviewed every {reviews.physical_zones} months",
            "physical",
        )
    if reviews.suppliers:
        add(
            "practices.supplier_review",
            f"Critical suppliers' security is reviewed every {reviews.suppliers} months",
            "supplier",
        )
    add(
        "practices.incident_report",
        f"Staff must report a suspected security incident within "
        f"{_hours(pr.incident_report_hours)} of noticing it",
        "incident",
        "people",
    )
    for i, duty in enumerate(p.notifications):
        add(
            f"notifications.{i}",
            f"Notification to {duty.party} of {duty.trigger[0].lower() + duty.trigger[1:]}: within "
            f"{_hours(duty.deadline_hours)}, sent by {p.roles.holder(duty.notifier).name}",
            "incident",
            "privacy",
            "legal",
        )
    patch = ", ".join(f"{sev} within {days} days" for sev, days in pr.patch_days.items())
    add(
        "practices.patching",
        f"Security patches are applied by severity: {patch}",
        "vulnerability",
        "change",
        "endpoint",
    )
    add(
        "practices.log_retention",
        f"Security logs are retained for {pr.log_retention_days} days",
        "logging",
        "incident",
    )
    add("practices.scanning", f"Vulnerability scanning: {pr.vulnerability_scanning}", "vulnerability")
    add(
        "practices.pentest",
        f"Independent penetration tests are carried out every {pr.penetration_test_months} months",
        "vulnerability",
        "development",
        "audit",
    )
    add("practices.encryption", f"Encryption: {pr.encryption}", "crypto", "transfer", "classification")
    doc_control = p.document_control
    add(
        "documents.classification",
        f"Information is classified as {_join(doc_control.classification_levels)}",
        "classification",
        "transfer",
        "documents",
    )
    add(
        "documents.review",
        f"Controlled documents are reviewed at least every {doc_control.review_cycle_months} months",
        "documents",
    )
    rc = p.risk_criteria
    add(
        "risk.threshold",
        f"Risks scoring above {rc.acceptance_threshold} (likelihood x impact, 1 to 25) must be "
        f"treated; risks are reassessed every {rc.review_months} months",
        "risk",
        "governance",
    )
    for s in p.suppliers:
        shared = f"; data shared: {_join(s.data_shared)}" if s.data_shared else ""
        assurance = f"; assurance: {_join(s.assurance)}" if s.assurance else ""
        add(
            f"supplier.{s.name}",
            f"{s.name} provides {s.service} ({s.criticality} criticality{shared}{assurance})",
            "supplier",
        )
    for o in p.obligations:
        topics: list[str] = ["legal"]
        if re.search(r"gdpr|privacy|data protection|bdsg|personal", f"{o.id} {o.name} {o.summary}", re.I):
            topics.append("privacy")
        add(f"obligation.{o.id}", f"{o.name} ({o.kind}): {o.summary}", *topics)
    return facts


def topic_weights(text: str, controls: list[Control]) -> dict[str, int]:
    """How strongly a section is about each topic: keyword hits in its words, plus its controls' capabilities."""
    lowered = text.lower()
    weights: dict[str, int] = {}
    for topic, words in TOPIC_WORDS.items():
        hits = sum(lowered.count(w) for w in words)
        if hits:
            weights[topic] = hits
    for control in controls:
        for capability in control.attributes.operational_capabilities:
            for topic in CAPABILITY_TOPICS.get(capability, ()):
                weights[topic] = weights.get(topic, 0) + 3
    return weights


def select_facts(
    facts: list[Fact], weights: dict[str, int], limit: int = 8, ranked: bool = False
) -> list[Fact]:
    """The facts most about the section's topics; specific facts (fewer topics) win ties.

    Returned in profile order (reads naturally), or best first with `ranked`.
    """
    scored = []
    for index, fact in enumerate(facts):
        score = sum(weights.get(t, 0) for t in fact.topics)
        if score:
            scored.append((-score, len(fact.topics), index, fact))
    scored.sort(key=lambda x: x[:3])
    chosen = [f for *_, f in scored[:limit]]
    return chosen if ranked else sorted(chosen, key=facts.index)
