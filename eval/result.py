"""What every scorer returns, and the report the harness assembles from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class CheckResult:
    id: str
    passed: bool
    score: float
    findings: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    gating: bool = True

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "passed": self.passed,
            "score": round(self.score, 4),
            "findings": self.findings,
        }
        if self.metrics:
            data["metrics"] = self.metrics
        return data


def result(check_id: str, findings: list[str], checked: int, **metrics: Any) -> CheckResult:
    """Pass when there is no finding; score = share of checked items without a finding."""
    score = 1.0 if checked == 0 else max(0.0, 1.0 - len(findings) / checked)
    return CheckResult(check_id, not findings, score, findings, dict(metrics))


@dataclass
class Report:
    checks: list[CheckResult]
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks if c.gating)

    def as_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checks": [c.as_json() for c in self.checks],
            "coverage": self.coverage,
        }
