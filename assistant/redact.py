"""Secrets and personal data taken out of text before it leaves the machine.

Secrets are found with detect-secrets' plugins (vendor keys and tokens, quoted keyword assignments, quoted
high-entropy strings) plus a few precise patterns they miss: PEM private key blocks spanning lines,
unquoted `password: ...` assignments, credentials inside connection URLs and long random-looking tokens.
Personal data (when asked for): e-mail addresses and phone numbers of people the profile does not name.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.inputs.profile import Profile
    from assistant.settings import Settings

Span = tuple[int, int, str]

_PEM = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|\Z)"
    r"|(?:^[ \t]*[A-Za-z0-9+/=]{16,}[ \t]*\n)*[ \t]*-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----",
    re.M,
)
_CONNECTION = re.compile(r"\b[a-z][a-z0-9+.-]{1,20}://(?P<cred>[^\s:/@\[\]]*:[^\s@/]+)@[^\s/@]+", re.I)
_ASSIGNMENT = re.compile(
    r"(?i)(?P<key>\b[\w.-]*(?:password|passwd|passphrase|pwd|secret|api[_-]?key|access[_-]?key|"
    r"private[_-]?key|token|credentials?)[\w.-]*)[\"']?[ \t]*(?::|=>|=)[ \t]*"
    r"(?:(?P<q>[\"'])(?P<quoted>[^\"'\n]{4,})(?P=q)|(?P<bare>[^\s\"';,]+))"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_TOKEN = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/=_-]{20,}(?![\w+/=-])")
_PLACEHOLDER = re.compile(
    r"^(?:\[REDACTED:[\w-]+\]|A?\.?\d+(?:[.:/-]\d+)*\.?|true|false|none|null|required)$", re.I
)
_STANDARD_YEAR = re.compile(r":\d{4}\b")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")

_KINDS = {
    "AWS": "aws-key",
    "Private Key": "private-key",
    "Basic Auth": "connection-string",
    "Keyword": "password",
}
_ROLE_MAILBOXES = {
    "it", "itsupport", "it-help", "helpdesk", "servicedesk", "support", "security", "infosec", "soc",
    "privacy", "dpo", "dataprotection", "datenschutz", "gdpr", "compliance", "legal", "hr", "people",
    "finance", "info", "contact", "office", "admin", "incidents", "incident", "abuse", "noreply", "no-reply",
}  # fmt: skip
_SKIPPED_PLUGINS = {"IPPublicDetector"}  # an address is not a secret, and policies name them
_COUNTRIES = {
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "ireland": "IE", "germany": "DE", "france": "FR",
    "netherlands": "NL", "belgium": "BE", "spain": "ES", "italy": "IT", "portugal": "PT", "poland": "PL",
    "sweden": "SE", "denmark": "DK", "norway": "NO", "finland": "FI", "austria": "AT", "switzerland": "CH",
    "united states": "US", "usa": "US", "canada": "CA", "australia": "AU", "new zealand": "NZ",
    "india": "IN", "singapore": "SG", "japan": "JP",
}  # fmt: skip

# A line the keyword plugin can flag names one of these (every entry of its denylist holds one); the
# entropy plugins read quoted strings only. Lines without them skip those plugins, the costliest to ask.
_KEYWORD_GATE = re.compile(r"key|pass|pwd|secret|contrase", re.I)
_QUOTE_GATE = re.compile(r"[\"'].*[\"']")

_plugins: list[tuple[Any, str, str]] | None = None
_plugins_lock = threading.Lock()


def _detectors() -> list[tuple[Any, str, str]]:
    """detect-secrets' plugins with its default settings, each with how it is asked ("regex" for its
    denylist, "entropy", or "string") and our kind, made once (they hold no per-scan state)."""
    global _plugins
    if _plugins is not None:  # made: no lock (every line of every prompt asks for them)
        return _plugins
    with _plugins_lock:
        if _plugins is None:
            from detect_secrets.plugins.base import RegexBasedDetector
            from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
            from detect_secrets.settings import default_settings, get_plugins

            with default_settings():
                plugins = [p for p in get_plugins() if type(p).__name__ not in _SKIPPED_PLUGINS]
            _plugins = [
                (
                    p,
                    "regex"
                    if isinstance(p, RegexBasedDetector)
                    else "entropy"
                    if isinstance(p, HighEntropyStringsPlugin)
                    else "keyword"
                    if type(p).__name__ == "KeywordDetector"
                    else "string",
                    _kind(p.secret_type),
                )
                for p in plugins
            ]
        return _plugins


def warm_detectors() -> None:
    """Load detect-secrets' plugins and phone metadata now (before drafting threads need them)."""
    _detectors()
    _line_phones("+44 20 7946 0000", ("GB",))


def _kind(secret_type: str) -> str:
    """detect-secrets' type ("GitHub Token", "Stripe Access Key", ...) as one of our few kinds."""
    for word, kind in _KINDS.items():
        if word in secret_type:
            return kind
    return "token" if re.search(r"(?i)token|entropy", secret_type) else "api-key"


def _line_secrets(line: str) -> list[Span]:
    """Secrets detect-secrets finds on one line. Plugins are asked through `analyze_string`, never
    `analyze_line`: the latter may try to verify a key against its vendor over the network."""
    spans: list[Span] = []
    keyword, quoted = _KEYWORD_GATE.search(line), _QUOTE_GATE.search(line)
    for plugin, asked, kind in _detectors():
        if (asked == "keyword" and not keyword) or (asked == "entropy" and not quoted):
            continue  # the plugin cannot flag this line (see the gates above)
        if asked == "regex":
            for regex in plugin.denylist:
                for match in regex.finditer(line):
                    groups = [g for g in range(1, (match.re.groups or 0) + 1) if match.group(g)]
                    g = groups[-1] if groups and len(match.group(groups[-1])) >= 8 else 0
                    spans.append((match.start(g), match.end(g), kind))
            continue
        values = list(plugin.analyze_string(line))
        if asked == "entropy":
            values = [v for v in values if plugin.calculate_shannon_entropy(v) > plugin.entropy_limit]
        for value in values:
            if len(value) >= 4:
                spans += [(m.start(), m.end(), kind) for m in re.finditer(re.escape(value), line)]
    return spans


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _line_spans(
    line: str, pii: bool, people: frozenset[str], emails: frozenset[str], regions: tuple[str, ...]
) -> tuple[Span, ...]:
    """What is redacted on one line (every finder but the PEM block's works within a line), kept per line:
    prompts share most of their lines (facts, rules, guidance), so each is scanned once per run."""
    key = (line, pii, people, emails, regions)
    found = _line_cache.get(key)
    if found is None:
        spans = _secret_spans(line)
        if pii:
            spans += _pii_spans(line, set(people), set(emails), regions)
        found = _line_cache[key] = tuple(spans)
        if len(_line_cache) > 200_000:  # a bound on memory for very long runs
            _line_cache.clear()
    return found


_line_cache: dict[tuple[Any, ...], tuple[Span, ...]] = {}


def _secret_spans(line: str) -> list[Span]:
    """Every secret found on a line, the most specific finders first: on equal spans the first kind wins."""
    spans = [(m.start("cred"), m.end("cred"), "connection-string") for m in _CONNECTION.finditer(line)]
    spans += _line_secrets(line)
    for m in _ASSIGNMENT.finditer(line):
        group = "quoted" if m.group("quoted") else "bare"
        value = m.group(group)
        if _PLACEHOLDER.match(value) or (group == "bare" and not _looks_secret(value)):
            continue
        spans.append((m.start(group), m.end(group), _assignment_kind(m.group("key").lower())))
    for m in _TOKEN.finditer(line):
        value = m.group()
        has_mix = re.search(r"[A-Za-z]", value) and re.search(r"\d", value)
        hexish = re.fullmatch(r"[0-9a-fA-F]+", value) is not None
        if has_mix and _entropy(value) > (3.0 if hexish else 4.0):
            spans.append((m.start(), m.end(), "token"))
    return spans


def _assignment_kind(key: str) -> str:
    if "aws" in key:
        return "aws-key"
    if re.search(r"pass|pwd", key):
        return "password"
    return "token" if "token" in key else "api-key"


def _looks_secret(value: str) -> bool:
    """An unquoted value after `password:`: one token, long enough, not an ordinary word or number."""
    value = value.rstrip(".")
    if len(value) < 6 or value.isalpha():
        return False
    return bool(re.search(r"\d", value) or re.search(r"[^\w]", value))


def _pii_spans(text: str, people: set[str], emails: set[str], regions: Iterable[str]) -> list[Span]:
    spans: list[Span] = []
    kept_emails = {e.lower() for e in emails}
    name_forms = {sep.join(n.lower().split()) for n in people for sep in (".", "_", "-", "")}
    for m in _EMAIL.finditer(text):
        address = m.group().lower()
        local = address.split("@")[0]
        if address in kept_emails or local in name_forms or local in _ROLE_MAILBOXES:
            continue  # the profile's people, and shared mailboxes (it@, security@) that name no one
        spans.append((m.start(), m.end(), "email"))
    for start, end in _phone_spans(text, regions):
        before = text[max(text.rfind("\n", 0, start) + 1, start - 60) : start].lower()
        if any(n.lower() in before for n in people):
            continue  # a number given just after the name of a person the profile names
        spans.append((start, end, "phone"))
    return spans


def _phone_spans(text: str, regions: Iterable[str]) -> set[tuple[int, int]]:
    """Phone numbers in `text`, found line by line (a number does not span lines; see `_line_phones`)."""
    found: set[tuple[int, int]] = set()
    offset, key = 0, tuple(regions)
    for line in text.split("\n"):
        found |= {(offset + start, offset + end) for start, end in _line_phones(line, key)}
        offset += len(line) + 1
    return found


@lru_cache(maxsize=65536)
def _line_phones(line: str, regions: tuple[str, ...]) -> frozenset[tuple[int, int]]:
    """Valid numbers for the organisation's countries, and number-shaped strings the library calls possible
    (fictional ranges such as 07700 900xxx) when they look dialled: a leading + or 0 and ten digits or more."""
    if sum(c.isdigit() for c in line) < 7:
        return frozenset()  # no room for a phone number: the matcher is not asked
    from phonenumbers import Leniency, PhoneNumberMatcher

    found: set[tuple[int, int]] = set()
    for region in regions:
        for leniency in (Leniency.VALID, Leniency.POSSIBLE):
            for match in PhoneNumberMatcher(line, region, leniency=leniency):
                raw, digits = match.raw_string, sum(c.isdigit() for c in match.raw_string)
                if digits < 7 or _STANDARD_YEAR.match(line, match.end) or _DATE.search(raw):
                    continue  # a short code, or a standard's number such as IATF 16949:2016
                if leniency == Leniency.VALID or (raw[:1] in "+0(" and digits >= 10):
                    found.add((match.start, match.end))
    return frozenset(found)


def redact(
    text: str,
    *,
    known_people: set[str] | None = None,
    known_emails: set[str] | None = None,
    pii: bool,
    regions: Iterable[str] = ("GB",),
) -> tuple[str, Counter[str]]:
    """`text` with secrets (and, when `pii`, strangers' e-mail addresses and phone numbers) replaced by
    `[REDACTED:<kind>]`, and how many of each kind were replaced."""
    spans = (
        [(m.start(), m.end(), "private-key") for m in _PEM.finditer(text)] if "PRIVATE KEY" in text else []
    )
    people, emails = frozenset(known_people or ()), frozenset(known_emails or ())
    offset, region_codes = 0, tuple(regions)
    for line in text.split("\n"):
        spans += [
            (offset + start, offset + end, kind)
            for start, end, kind in _line_spans(line, pii, people, emails, region_codes)
        ]
        offset += len(line) + 1
    counts: Counter[str] = Counter()
    if not spans:
        return text, counts
    spans.sort(key=lambda s: (s[0], -s[1]))
    merged: list[list[Any]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:  # overlapping finds: one replacement, the first kind
            merged[-1][1] = max(merged[-1][1], end)
            continue
        merged.append([start, end, kind])
    out, last = [], 0
    for start, end, kind in merged:
        out += [text[last:start], f"[REDACTED:{kind}]"]
        counts[kind] += 1
        last = end
    out.append(text[last:])
    return "".join(out), counts


def is_local(url: str | None) -> bool:
    """A loopback endpoint (127.0.0.0/8, ::1, localhost): requests to it never leave the machine."""
    if not url:
        return False
    host = urlsplit(url if "://" in url else f"//{url}").hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def effective_url(url: str | None) -> str | None:
    """Where an OpenAI client sent `url` goes: the URL, else OPENAI_BASE_URL, else OpenAI's cloud (None)."""
    return url or os.environ.get("OPENAI_BASE_URL") or None


def check_local_only(settings: Settings, url: str | None, what: str) -> None:
    """With ISMS_LOCAL_ONLY set, refuse (exit 2) before any request to an endpoint off this machine."""
    url = effective_url(url)
    if settings.local_only and not is_local(url):
        where = url or "api.openai.com (OpenAI's cloud)"
        raise InputError(
            f"ISMS_LOCAL_ONLY is set, so {what} may only use a loopback endpoint (127.0.0.1, ::1, localhost), "
            f"but it would send text to {where}; point it at a local server or unset ISMS_LOCAL_ONLY"
        )


def pii_enabled(settings: Settings, url: str | None) -> bool:
    """ISMS_REDACT_PII when set; otherwise personal data is redacted for every endpoint off this machine."""
    if settings.redact_pii is not None:
        return settings.redact_pii
    return not is_local(effective_url(url))


class Redactor:
    """`redact` bound to one profile's people and one endpoint's PII rule; counts what it replaced."""

    def __init__(self, people: set[str], emails: set[str], pii: bool, regions: list[str]) -> None:
        self.people, self.emails, self.pii, self.regions = people, emails, pii, regions
        self.counts: Counter[str] = Counter()

    def __call__(self, text: str) -> str:
        clean, counts = redact(
            text, known_people=self.people, known_emails=self.emails, pii=self.pii, regions=self.regions
        )
        self.counts.update(counts)
        return clean


def profile_regions(profile: Profile | None) -> list[str]:
    """Phone regions from the organisation's countries (legal entities, offices, jurisdictions); GB if none."""
    names: list[str] = []
    if profile is not None:
        names += [e.country for e in profile.identity.legal_entities]
        names += [o.country for o in profile.locations.offices]
        names += list(profile.identity.jurisdictions)
    regions: list[str] = []
    for name in names:
        key = name.strip().lower()
        code = _COUNTRIES.get(key) or (key.upper() if len(key) == 2 and key.isalpha() else None)
        if code and code not in regions:
            regions.append(code)
    return regions or ["GB"]


def redactor_for(settings: Settings, profile: Profile | None, url: str | None = None) -> Callable[[str], str]:
    """The redaction to apply to every text sent to `url` (default: the chat endpoint, ISMS_BASE_URL):
    secrets always; personal data per ISMS_REDACT_PII or, unset, for endpoints off this machine."""
    people: set[str] = set()
    emails: set[str] = set()
    if profile is not None:
        for _role, _label, person in profile.roles.every_role():
            people.add(person.name)
            if person.email:
                emails.add(person.email)
    target = url if url is not None else settings.base_url
    return Redactor(people, emails, pii_enabled(settings, target), profile_regions(profile))
