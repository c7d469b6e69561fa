"""The harness's scorers, one small module each, run in this order."""

from __future__ import annotations

from collections.abc import Callable

from eval.docset import DocumentSet
from eval.result import CheckResult
from eval.scorers import (
    annex_a_coverage,
    citations,
    consistency,
    document_control,
    mandatory_documents,
    soa_complete,
    soa_risk_alignment,
    specificity,
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
]
