"""A workspace is one organisation's folder: profile, risks, existing docs, output and state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError


@dataclass(frozen=True)
class Workspace:
    root: Path
    profile_override: Path | None = None
    risks_override: Path | None = None
    out_override: Path | None = None

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        profile: Path | None = None,
        risks: Path | None = None,
        out: Path | None = None,
    ) -> Workspace:
        if not root.exists():
            raise InputError(f"{root}: workspace folder not found")
        if not root.is_dir():
            raise InputError(f"{root}: the workspace must be a folder")
        return cls(root=root.resolve(), profile_override=profile, risks_override=risks, out_override=out)

    @property
    def profile_path(self) -> Path:
        return self.profile_override or self.root / "profile.yaml"

    @property
    def risks_path(self) -> Path | None:
        """`risks.csv`, else `risks.xlsx`; None when the workspace has no register."""
        if self.risks_override:
            return self.risks_override
        for name in ("risks.csv", "risks.xlsx"):
            candidate = self.root / name
            if candidate.exists():
                return candidate
        return None

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def out_dir(self) -> Path:
        return self.out_override or self.root / "out"

    @property
    def state_dir(self) -> Path:
        return self.root / ".isms"
