"""grammar: the machine slips seen in generated text. Gates only on rules that raise no false positive on
well-written documents (pronoun substitution, self-approval, doubled words and possessives); the rest are
reported as advice."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting.factcheck import clip
from eval.docset import DocumentSet
from eval.result import CheckResult

_NAME = r"[A-Z][a-z]+(?:[ -][A-Z][a-z']+){1,2}"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    gating: bool


RULES = [
    Rule(
        "pronoun",
        re.compile(r"\b(?:to|for|with|by|of|from|about) we\b|\bwe's\b|\bus (?:are|is|must)\b"),
        True,
    ),
    Rule(
        "self-approval",
        re.compile(
            rf"\b(?P<name>{_NAME})\b(?: \([^)]*\))?[^.]{{0,200}}?\b(?:to|by) (?P=name)\b(?: \([^)]*\))? for approval"
        ),
        True,
    ),
    Rule("doubled possessive", re.compile(r"'s's\b|\bs's\b|\b(its|their|our|his|her) \1\b", re.I), True),
    Rule("doubled word", re.compile(r"\b(the|a|an|to|of|and|in|is|for|be|by|with|on) \1\b", re.I), True),
    Rule(
        "template filled with a sentence",
        re.compile(r"\b(?:in|by|on|at|with|from|through|using|via) (?:No|None|Not|There|This|It)\b"),
        True,
    ),
    Rule("possessive after a bracket", re.compile(r"\)'s\b"), True),
    # "X requires ..., and describe how ...": a writer's verb left over after the sentence was turned round.
    # Sentences that open with a verb ("Email the customer and explain how ...") are instructions to staff.
    Rule(
        "left-over instruction verb",
        re.compile(
            r"^(?![A-Z][a-z]+ (?:the|a|an|each|every|all|any|their|its)\b).*\b(?:requires|sets|defines|keeps|tracks|"
            r"compares|states|lists|records|gives|names|describes|notes|includes|is|are|plan|policy|procedure)\b"
            r".*\band (?:state|say|explain|describe) (?:that|how|where|who|which|what|the|whether)\b"
        ),
        True,
    ),
    # "Breaches are handled ... and that exceptions must ...": a second object with no verb to hang on.
    Rule(
        "dangling 'and that'",
        re.compile(
            r"^(?:(?!\b(?:that|states?|explains?|tells?|ensures?|confirms?|says?|requires?|agrees?|notes?|knows?|"
            r"shows?|decides?|checks?|verif(?:y|ies)|defines?|records?|names?|sets?|how|what|who|why|whether)\b).)*"
            r"\band that\b",
            re.I,
        ),
        True,
    ),
    Rule(
        "country without its article",
        re.compile(
            r"(?<!the )\b(?:of|in|to|from|across|under) (?:United Kingdom|United States|Netherlands)\b"
        ),
        True,
    ),
    Rule("pronoun for the organisation", re.compile(r"\b(?:in|within|across|of) it(?=[:;)]| or\b)"), False),
    Rule("lower-case role", re.compile(r"\b(?:the|an?) (?:it|hr) (?:lead|team|manager)\b"), False),
    Rule("possessive of a plural name", re.compile(r"\b[A-Z][a-z]+s's\b"), False),
]


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    advice: list[str] = []
    for doc_id in sorted(ds.documents):
        meta = ds.documents[doc_id].meta
        owner, approver = str(meta.get("owner") or ""), str(meta.get("approver") or "")
        if owner and owner == approver:
            findings.append(f"{doc_id}: self-approval: the owner {owner} is also the approver")
        for unit in ds.units(doc_id):
            for rule in RULES:
                match = rule.pattern.search(unit.text)
                if match:
                    line = f'{doc_id}: {rule.name}: "{clip(unit.text)}"'
                    (findings if rule.gating else advice).append(line if rule.gating else f"(advice) {line}")
    return CheckResult(
        "grammar",
        not findings,
        1.0 if not findings else max(0.0, 1.0 - len(findings) / 100),
        findings + advice,
        {"gating_findings": len(findings), "advice": len(advice)},
    )
