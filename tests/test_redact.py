"""Secrets and strangers' personal data are taken out of text before any remote call; prose is left alone."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.redact import check_local_only, is_local, pii_enabled, redact, redactor_for
from assistant.settings import load_settings

AWS_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GITHUB = "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"
PASSWORD = "hunter2Secret!"
DB_PASSWORD = "S3cretPass"
KEY_BODY = [
    "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB",
    "aGFzIGJlZW4gc2VlbiBpbiB0aGUgd2lsZCBhbmQgdGhpcyBpcyBqdXN0IGEgdGVz",
]
STRANGER_EMAIL = "jane.stranger@example.org"
STRANGER_PHONE = "07911 123456"
PERSON = "Marcus Bell"
PERSON_EMAIL = "marcus.bell@kestrel-analytics.example"

PLANTED = f"""# Deploy notes

aws_access_key_id = {AWS_ID}
aws_secret_access_key = {AWS_SECRET}
GitHub deploy token {GITHUB} is used by the release job.
password: {PASSWORD}
DATABASE_URL=postgres://admin:{DB_PASSWORD}@db.internal:5432/app

-----BEGIN RSA PRIVATE KEY-----
{KEY_BODY[0]}
{KEY_BODY[1]}
-----END RSA PRIVATE KEY-----

Questions to {STRANGER_EMAIL} or call her on {STRANGER_PHONE}.
Escalate to {PERSON} ({PERSON_EMAIL}).
"""
SECRETS = [AWS_ID, AWS_SECRET, GITHUB, PASSWORD, DB_PASSWORD, *KEY_BODY, "BEGIN RSA PRIVATE KEY"]

PROSE = """Access rights are reviewed every 90 days in line with ISO/IEC 27001:2022 control A.5.15 and A.8.2.
The password policy requires a password: at least 12 characters, and passwords are changed after 365 days.
Backups run at 02:00 UTC daily, are kept for 35 days and restored in a test on 2024-03-01 (RTO 4 hours,
RPO 24 hours). Kestrel Analytics Ltd employs 140 staff in London and Leeds; 99.95% uptime is the target.
See acceptable-use-policy-v1.2.docx, section 4.3, and the engineering-on-call-and-incident-runbook.
Token lifetimes: 15 minutes for access tokens; API keys are stored in AWS Secrets Manager (eu-west-2).
Invoice 20240311 was paid on 25/10/2023; the budget is GBP 120,000 for 1,250 devices (version 3.1.4).
Both plants hold IATF 16949:2016 and ISO 9001:2015 certificates; the Leonberg site has 152 staff.
"""


def _redact(text: str, pii: bool) -> str:
    out, _counts = redact(text, known_people={PERSON}, known_emails={PERSON_EMAIL}, pii=pii)
    return out


def test_secrets_are_gone_and_named() -> None:
    out, counts = redact(PLANTED, known_people={PERSON}, known_emails={PERSON_EMAIL}, pii=False)
    for secret in SECRETS:
        assert secret not in out, secret
    assert "[REDACTED:aws-key]" in out and "[REDACTED:private-key]" in out
    assert "[REDACTED:token]" in out and "[REDACTED:password]" in out
    assert "postgres://[REDACTED:connection-string]@db.internal:5432/app" in out
    assert counts["aws-key"] == 2 and counts["private-key"] == 1
    assert "GitHub deploy token" in out and "# Deploy notes" in out  # the words around them stay


def test_strangers_pii_gone_only_when_asked() -> None:
    with_pii = _redact(PLANTED, pii=True)
    assert STRANGER_EMAIL not in with_pii and "[REDACTED:email]" in with_pii
    assert STRANGER_PHONE not in with_pii and "[REDACTED:phone]" in with_pii
    assert PERSON_EMAIL in with_pii and PERSON in with_pii  # the profile's own people are kept
    without = _redact(PLANTED, pii=False)
    assert STRANGER_EMAIL in without and STRANGER_PHONE in without
    assert all(secret not in without for secret in SECRETS)


def test_phone_formats_and_profile_numbers() -> None:
    text = "Out of hours: +44 20 7946 0958, or 07700 900123 (fictional range)."
    out = _redact(text, pii=True)
    assert "7946" not in out and "900123" not in out and out.count("[REDACTED:phone]") == 2
    kept = _redact(f"{PERSON} on +44 20 7946 0958 for approvals.", pii=True)
    assert "+44 20 7946 0958" in kept


def test_profile_name_form_of_an_address_and_shared_mailboxes_are_kept() -> None:
    text = "Mail marcus.bell@kestrel.example or security@kestrel.example, not sam.jones@kestrel.example."
    out, _ = redact(text, known_people={PERSON}, known_emails=set(), pii=True)
    assert "marcus.bell@kestrel.example" in out and "security@kestrel.example" in out
    assert "sam.jones" not in out


@pytest.mark.parametrize("pii", [True, False])
def test_ordinary_prose_is_unchanged(pii: bool) -> None:
    out, counts = redact(PROSE, known_people=set(), known_emails=set(), pii=pii, regions=("GB", "DE", "US"))
    assert out == PROSE and not counts


def test_more_secret_shapes() -> None:
    text = (
        'client_secret = "Zx9#kLm2Qp7wRt"\n'
        "Server=db;User Id=app;pwd=Tr0ub4dor&3;\n"
        "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\n"
        "redis://:r3disPassw0rd@cache.internal:6379\n"
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"  # cut off
    )
    out, _ = redact(text, pii=False)
    for secret in ["Zx9#kLm2Qp7wRt", "Tr0ub4dor&3", "xoxb-1234", "r3disPassw0rd", "b3BlbnNzaC1rZXkt"]:
        assert secret not in out, secret
    assert "Server=db;User Id=app;" in out


def test_is_local() -> None:
    for url in [
        "http://127.0.0.1:11434/v1",
        "http://127.8.9.1/v1",
        "http://[::1]:8000/v1",
        "http://localhost/v1",
    ]:
        assert is_local(url), url
    for url in [None, "", "https://api.example.com/v1", "http://10.0.0.5/v1", "http://localhost.evil.com/"]:
        assert not is_local(url), url


def test_pii_rule_and_local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = load_settings()
    assert pii_enabled(auto, "https://api.example.com/v1") and pii_enabled(auto, None)
    assert not pii_enabled(auto, "http://127.0.0.1:8000/v1")
    assert not pii_enabled(load_settings(redact_pii=False), "https://api.example.com/v1")
    monkeypatch.setenv("ISMS_REDACT_PII", "true")
    assert pii_enabled(load_settings(), "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("ISMS_LOCAL_ONLY", "true")
    strict = load_settings()
    check_local_only(strict, "http://127.0.0.1:8000/v1", "drafting")
    for url in ["https://api.example.com/v1", None]:
        with pytest.raises(InputError, match="ISMS_LOCAL_ONLY"):
            check_local_only(strict, url, "drafting")


def test_redactor_for_knows_the_profile_people() -> None:
    from assistant.inputs.profile import load_profile
    from tests.conftest import EXAMPLES

    profile = load_profile(EXAMPLES / "harrow-precision" / "profile.yaml")
    redact_text = redactor_for(load_settings(), profile, "https://api.example.com/v1")
    out = redact_text(
        "Ask helen.barraclough@harrowprecision.example or datenschutz@harrowprecision.example, "
        f"not {STRANGER_EMAIL}; Leonberg desk +49 7152 123456; {GITHUB}"
    )
    assert "helen.barraclough@harrowprecision.example" in out and "datenschutz@" in out
    assert STRANGER_EMAIL not in out and GITHUB not in out and "123456" not in out
    local = redactor_for(load_settings(base_url="http://127.0.0.1:8000/v1"), profile)  # chat endpoint
    assert STRANGER_EMAIL in local(STRANGER_EMAIL) and GITHUB not in local(GITHUB)
