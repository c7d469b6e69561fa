"""Prompt templates are versioned files in `prompts/<chain>/`, rendered by a sandboxed Jinja2 with StrictUndefined."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from assistant.errors import InputError, IsmsError

FILE_NAME = re.compile(r"^(?P<part>system|user)\.v(?P<version>\d+)\.md\.j2$")


class PromptError(IsmsError):
    """A template is missing, malformed or was rendered without one of its variables."""


class PromptFileError(InputError, PromptError):
    """The prompts folder (ISMS_PROMPTS_DIR) or one of its templates is missing, unreadable or not valid
    Jinja2: the user's configuration, so exit 2 naming the folder or file."""


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
    setting = f"ISMS_PROMPTS_DIR is {prompts_dir}"
    if not prompts_dir.is_dir():
        raise PromptFileError(
            f"{prompts_dir}: prompts folder not found; set ISMS_PROMPTS_DIR to a folder with one sub-folder "
            "per chain (draft_section/, redraft_section/, soa_batch/)"
        )
    folder = prompts_dir / chain
    if not folder.is_dir():
        raise PromptFileError(f"{folder}: prompt folder not found ({setting})")
    found: dict[int, dict[str, Path]] = {}
    try:
        names = list(folder.iterdir())
    except OSError as exc:
        raise PromptFileError(
            f"{folder}: cannot read the prompt folder ({exc.strerror or exc}; {setting})"
        ) from None
    for path in names:
        match = FILE_NAME.match(path.name)
        if match:
            found.setdefault(int(match["version"]), {})[match["part"]] = path
    complete = sorted(v for v, parts in found.items() if {"system", "user"} <= set(parts))
    if not complete:
        raise PromptFileError(
            f"{folder}: no complete template pair (system.vN.md.j2 and user.vN.md.j2; {setting})"
        )
    chosen = version if version is not None else complete[-1]
    if chosen not in complete:
        raise PromptFileError(f"{folder}: version {chosen} not found (have {complete}; {setting})")
    parts = found[chosen]
    return Prompt(chain, chosen, _read(parts["system"], setting), _read(parts["user"], setting))


def _read(path: Path, setting: str) -> str:
    """A template's text, compiled once here so a syntax error names its file."""
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PromptFileError(f"{path}: the prompt template is not UTF-8 text ({setting})") from None
    except OSError as exc:
        raise PromptFileError(
            f"{path}: cannot read the prompt template ({exc.strerror or exc}; {setting})"
        ) from None
    try:
        _compile(source)
    except TemplateSyntaxError as exc:
        raise PromptFileError(
            f"{path}: template syntax error on line {exc.lineno}: {exc.message} ({setting})"
        ) from None
    return source
