"""Load and validate everything a drafting command needs, from the command's options."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import load_risks
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import load_corpus_cached
from assistant.settings import load_settings

if TYPE_CHECKING:
    from assistant.drafting.engine import Inputs


def load_inputs(
    workspace: Path,
    *,
    profile: Path | None = None,
    risks: Path | None = None,
    out: Path | None = None,
    provider: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    concurrency: int | None = None,
    max_cost: float | None = None,
) -> Inputs:
    from assistant.drafting.engine import Inputs  # the drafting stack: loaded only by commands that draft
    from assistant.providers import provider_names

    if provider is not None and provider.strip().lower() not in ("auto", *provider_names()):
        raise InputError(f"--provider must be one of auto, {', '.join(provider_names())}; found {provider!r}")
    settings = load_settings(
        workspace=workspace,
        provider=provider,
        model=model,
        base_url=base_url,
        concurrency=concurrency,
        max_cost=max_cost,
    )
    ws = Workspace.open(workspace, profile=profile, risks=risks, out=out)
    if not ws.profile_path.exists():
        raise InputError(f"{ws.profile_path}: organisation profile not found (pass --profile or --workspace)")
    loaded_profile = load_profile(ws.profile_path)
    risks_path = ws.risks_path
    register = load_risks(risks_path) if risks_path is not None else None
    return Inputs(
        workspace=ws,
        settings=settings,
        corpus=load_corpus_cached(settings.corpus_dir, ws.state_dir / "cache"),
        profile=loaded_profile,
        register=register,
        today=date.today(),
    )


def describe_provider(inputs: Inputs) -> str:
    s = inputs.settings
    if s.resolved_provider == "offline":
        return "provider offline (deterministic drafter, no model calls)"
    if s.resolved_provider != "openai":
        return f"provider {s.resolved_provider}, model {s.model}"
    where = s.base_url or "api.openai.com"
    return f"provider openai, model {s.model} at {where}"
