"""Turn catalogue instructions and guidance sentences into statements in an organisation's own voice."""

from __future__ import annotations

import re

from assistant.inputs.profile import Profile

# Instruction verbs in the catalogue that express a rule the organisation adopts.
RULE_VERBS = {
    "require",
    "set",
    "define",
    "establish",
    "assign",
    "ensure",
    "prohibit",
    "forbid",
    "restrict",
    "limit",
    "keep",
    "commit",
    "plan",
    "apply",
    "mandate",
    "allow",
    "permit",
    "log",
    "protect",
    "maintain",
    "approve",
    "schedule",
    "separate",
    "allocate",
    "fix",
    "determine",
    "adopt",
    "publish",
    "enforce",
    "designate",
    "tie",
    "link",
    "align",
    "retain",
    "track",
    "agree",
    "assess",
    "review",
    "test",
    "monitor",
    "communicate",
    "deliver",
    "run",
    "hold",
    "classify",
    "label",
    "encrypt",
    "scan",
    "patch",
    "train",
    "measure",
    "evaluate",
    "rate",
    "score",
    "compare",
}
# Instruction verbs that describe what the text covers rather than a rule.
CONTENT_VERBS = {
    "state",
    "name",
    "describe",
    "identify",
    "list",
    "explain",
    "summarise",
    "summarize",
    "record",
    "give",
    "show",
    "specify",
    "cover",
    "include",
    "document",
    "outline",
    "reference",
    "note",
    "provide",
    "present",
    "capture",
    "map",
    "introduce",
    "confirm",
    "declare",
    "set out",
    "point",
    "tabulate",
    "detail",
}
IMPERATIVE_START = RULE_VERBS | {
    "use",
    "decide",
    "check",
    "make",
    "store",
    "remove",
    "disable",
    "enable",
    "block",
    "grant",
    "revoke",
    "rotate",
    "issue",
    "include",
    "treat",
    "start",
    "build",
    "choose",
    "avoid",
    "prefer",
    "brief",
    "verify",
    "confirm",
    "delete",
    "destroy",
    "wipe",
    "dispose",
    "replace",
    "update",
    "register",
    "report",
    "escalate",
    "collect",
    "tell",
    "give",
    "name",
    "record",
    "turn",
    "put",
    "send",
    "write",
    "pick",
    "consider",
    "inventory",
    "document",
    "back",
    "restore",
    "capture",
    "hold",
    "watch",
    "segment",
    "harden",
    "sign",
    "lock",
    "return",
}
# A sentence leaning on the one before it ("Record all of this ...") cannot stand alone as a rule.
DANGLING = {"this", "these", "those", "them", "it", "that", "such", "above", "also"}
META_MARKERS = (
    "small organisation",
    "smaller organisation",
    "small team",
    "smaller team",
    "startup",
    "start-up",
    "this control",
    "the standard",
    "auditors ",
    "an auditor",
    "good looks like",
    "the annex",
)
FILLER = re.compile(r"\s*\b(?:in (?:two or three|one or two|a few) sentences|in one line|briefly)\b", re.I)
EXAMPLE_PAREN = re.compile(r"\s*\((?:for example|e\.g\.|for instance|such as)[^)]*\)", re.I)
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def third_person(verb: str) -> str:
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        return verb + "es"
    if len(verb) > 2 and verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_SPLIT.split(re.sub(r"\s+", " ", text).strip()) if s.strip()]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


class Voice:
    """Rewrites text for one organisation: its name, its people in their roles, and its kind of document."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.name = profile.identity.name
        roles = profile.roles
        people = roles.people()
        self.role_phrases: list[tuple[re.Pattern[str], str]] = []
        for phrase, role in (
            ("security lead", "security_lead"),
            ("ISMS owner", "isms_owner"),
            ("top management", "top_management"),
            ("data protection officer", "dpo"),
            ("DPO", "dpo"),
            ("IT lead", "it_lead"),
            ("HR lead", "hr_lead"),
            ("people lead", "hr_lead"),
            ("engineering lead", "engineering_lead"),
            ("facilities lead", "facilities_lead"),
            ("legal lead", "legal_lead"),
            ("finance lead", "finance_lead"),
        ):
            person = people.get(role)
            if person:
                self.role_phrases.append(
                    (re.compile(r"\b(the )?" + re.escape(phrase) + r"\b(?! \()"), f"{phrase} ({person.name})")
                )

    def organisation(self, text: str) -> str:
        """Name the organisation once per sentence; later mentions become 'it' / 'its'."""
        named = self.name in text

        def reference(match: re.Match[str]) -> str:
            nonlocal named
            possessive = match.group(0).endswith("'s")
            if named:
                return "its" if possessive else "it"
            named = True
            if possessive:
                return f"{self.name}'" if self.name.endswith("s") else f"{self.name}'s"
            return self.name

        return re.sub(r"\b(?:the|an|each|every) organi[sz]ation(?:'s)?\b", reference, text, flags=re.I)

    def people(self, text: str, named: set[str]) -> str:
        """Name the holder of each role at its first mention in the section."""
        for pattern, replacement in self.role_phrases:
            if replacement in named:
                continue
            match = pattern.search(text)
            if match:
                article = match.group(1) or ""
                text = text[: match.start()] + article + replacement + text[match.end() :]
                named.add(replacement)
        return text

    def instruction(self, sentence: str, doc_kind: str) -> str | None:
        """'Require one identity per person' -> 'Acme requires one identity per person.'"""
        if re.search(r"\bsay so\b|\bif (?:there are|there is) none\b", sentence, re.I):
            return None
        sentence = FILLER.sub("", EXAMPLE_PAREN.sub("", sentence)).strip()
        match = re.match(r"^([A-Z][a-z]+)(?: (out|that))?\b\s*(.*)$", sentence)
        if not match:
            return self.organisation(sentence)
        verb, particle, rest = match.group(1).lower(), match.group(2), match.group(3)
        if verb in CONTENT_VERBS and particle == "that":
            return self.organisation(_capitalise(rest))
        if verb in CONTENT_VERBS or (verb == "set" and particle == "out"):
            subject = f"This {doc_kind}"
            verb_text = "sets out" if verb == "set" and particle == "out" else third_person(verb)
            return self.organisation(f"{subject} {verb_text} {rest}")
        if verb in RULE_VERBS:
            tail = f" {particle}" if particle else ""
            return self.organisation(f"{self.name} {third_person(verb)}{tail} {rest}")
        return self.organisation(sentence)

    def guidance(self, sentence: str) -> str | None:
        """Keep imperative guidance sentences as rules; drop meta advice about other organisations."""
        lowered = sentence.lower()
        if any(marker in lowered for marker in META_MARKERS):
            return None
        first = re.match(r"^([A-Za-z]+)(:?)", sentence)
        if not first or first.group(2) or first.group(1).lower() not in IMPERATIVE_START:
            return None
        opening = sentence.lower().split()[:6]
        if any(word.strip(",.;:") in DANGLING for word in opening):
            return None
        sentence = EXAMPLE_PAREN.sub("", sentence)
        sentence = re.sub(r"\byour\b", "our", sentence)
        sentence = re.sub(r"\byou\b", "we", sentence)
        sentence = re.sub(r"\bYou\b", "We", sentence)
        return self.organisation(sentence)
