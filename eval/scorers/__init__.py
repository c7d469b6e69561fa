"""The harness's scorers, one small module each, run in this order."""

from __future__ import annotations

from collections.abc import Callable

from eval.docset import DocumentSet
from eval.result import CheckResult
from eval.scorers import (
    annex_a_coverage,
    citations,
    consistency,
    dates,
    document_control,
    foreign_facts,
    grammar,
    mandatory_documents,
    register,
    soa_complete,
    soa_risk_alignment,
    specificity,
    substance,
)

SCORERS: list[Callable[[DocumentSet], CheckResult]] = [
    mandatory_documents.check,
    annex_a_coverage.check,
    soa_complete.check,
    soa_risk_alignment.check,
    citations.check,
    specificity.check,
    document_control.check,
    consistency.check,
    register.check,
    substance.check,
    dates.check,
    foreign_facts.check,
    grammar.check,
]
