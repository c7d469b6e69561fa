"""Prompt templates are versioned files in `prompts/<chain>/`, rendered by a sandboxed Jinja2 with StrictUndefined."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from assistant.errors import IsmsError

FILE_NAME = re.compile(r"^(?P<part>system|user)\.v(?P<version>\d+)\.md\.j2$")


class PromptError(IsmsError):
    """A template is missing, malformed or was rendered without one of its variables."""


@dataclass(frozen=True)
class Prompt:
    chain: str
    version: int
    system: str
    user: str

    @property
    def version_id(self) -> str:
        return f"{self.chain}.v{self.version}"

    def render(self, **variables: Any) -> tuple[str, str]:
        try:
            return (
                _compile(self.system).render(**variables).strip(),
                _compile(self.user).render(**variables).strip(),
            )
        except UndefinedError as exc:
            raise PromptError(
                f"prompt {self.version_id}: a template variable is missing ({exc.message})"
            ) from None
        except TemplateError as exc:
            raise PromptError(f"prompt {self.version_id}: template error: {exc}") from None


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )


@lru_cache(maxsize=32)
def _compile(source: str) -> Any:
    return _environment().from_string(source)


def load_prompt(prompts_dir: Path, chain: str, version: int | None = None) -> Prompt:
    """The newest version of a chain's templates (or the one asked for)."""
    folder = prompts_dir / chain
    if not folder.is_dir():
        raise PromptError(f"{folder}: prompt folder not found")
    found: dict[int, dict[str, Path]] = {}
    for path in folder.iterdir():
        match = FILE_NAME.match(path.name)
        if match:
            found.setdefault(int(match["version"]), {})[match["part"]] = path
    complete = sorted(v for v, parts in found.items() if {"system", "user"} <= set(parts))
    if not complete:
        raise PromptError(f"{folder}: no complete template pair (system.vN.md.j2 and user.vN.md.j2)")
    chosen = version if version is not None else complete[-1]
    if chosen not in complete:
        raise PromptError(f"{folder}: version {chosen} not found (have {complete})")
    parts = found[chosen]
    return Prompt(
        chain, chosen, parts["system"].read_text(encoding="utf-8"), parts["user"].read_text(encoding="utf-8")
    )
