"""Text in the organisation's documents (docs/) that speaks to a drafting tool instead of to staff: a planted
"note to the AI", an order to ignore instructions, a line telling the writer what to state. Such a line is
never carried into a document, and a model's output that repeats one is refused."""

from __future__ import annotations

import re

_ADDRESSEE = r"(?:ai|a\.i\.|assistant|chatbot|bot|llm|language model|gpt|model|copilot|drafting tool|writer)"
INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:instructions?|rules?|prompts?|guidance)\b"
    r"|\b(?:system|developer|assistant)\s+(?:note|prompt|message|instruction)s?\b"
    rf"|\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+)?{_ADDRESSEE}\b"
    rf"|\b(?:as\s+an?|you\s+are\s+(?:an?\s+)?|dear)\s+{_ADDRESSEE}\b"
    rf"|\b(?:if|when)\s+(?:you\s+are\s+)?(?:an?\s+)?{_ADDRESSEE}\b"
    r"|\b(?:when|while|if)\s+(?:drafting|writing|generating|summari[sz]ing)\b[^.\n]{0,60}\b(?:state|write|say|claim|"
    r"mention|omit|leave out)\b"
    r"|\b(?:in|into)\s+(?:the|any|your)\s+(?:output|response|answer|generated\s+(?:text|document|policy))\b",
    re.IGNORECASE,
)


# Phrases that switch a control off: what an obeyed injection or an outdated document makes a model write.
WEAKENING = re.compile(
    r"\b(?:never|no longer|not)\s+(?:be\s+|been\s+)?(?:tested|approved|reviewed|encrypted|logged|monitored|"
    r"patched|backed up|restored|enforced)\b"
    r"|\b(?:needs?|requires?)\s+no\s+(?:approval|review|mfa|multi-factor|encryption|testing|sign-off)\b"
    r"|\b(?:is|are)\s+optional\b|\bno\s+(?:approval|review|testing)\s+is\s+(?:needed|required)\b",
    re.IGNORECASE,
)


def weakenings(text: str, allowed: str) -> list[str]:
    """Phrases in `text` that switch a control off ("backups are never tested", "MFA is optional") and that
    `allowed` (the rules the text was written from) does not say itself."""
    said = " ".join(allowed.lower().split())
    return sorted(
        {m.group(0) for m in WEAKENING.finditer(text) if " ".join(m.group(0).lower().split()) not in said}
    )


def instruction_like(text: str) -> str | None:
    """The phrase that makes `text` read as an instruction to a drafting tool, or None."""
    found = INSTRUCTION.search(text)
    return found.group(0) if found else None


__all__ = ["INSTRUCTION", "WEAKENING", "instruction_like", "weakenings"]
