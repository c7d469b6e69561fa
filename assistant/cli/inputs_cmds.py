"""`isms profile check`, `isms risks check`, `isms config show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import ProfileOpt, WorkspaceOpt, console, err_console, handles_errors
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import load_risks
from assistant.inputs.workspace import Workspace
from assistant.settings import load_settings

profile_app = typer.Typer(help="Validate the organisation profile.", no_args_is_help=True)
risks_app = typer.Typer(help="Validate the risk register.", no_args_is_help=True)
config_app = typer.Typer(help="Show the effective settings.", no_args_is_help=True)


@profile_app.command("check")
@handles_errors
def profile_check(
    profile: Annotated[
        Path | None, typer.Argument(help="profile.yaml (default: WORKSPACE/profile.yaml)")
    ] = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Validate an organisation profile and summarise what the documents will be built from."""
    ws = Workspace.open(workspace, profile=profile)
    p = load_profile(ws.profile_path)
    table = Table(title=f"{ws.profile_path}: valid", show_header=False, title_justify="left")
    table.add_row("organisation", f"{p.identity.name} ({p.identity.legal_name}), {p.identity.sector}")
    table.add_row("headcount", str(p.identity.headcount))
    table.add_row("jurisdictions", ", ".join(p.identity.jurisdictions))
    table.add_row("offices", ", ".join(f"{o.name} ({o.city})" for o in p.locations.offices) or "none")
    table.add_row("remote working", p.locations.remote_working.replace("_", " "))
    table.add_row("cloud", ", ".join(p.technology.cloud_providers) or "none")
    table.add_row("identity", f"{p.technology.identity.provider}; MFA: {p.technology.identity.mfa}")
    table.add_row("roles", ", ".join(f"{r}: {person.name}" for r, _label, person in p.roles.every_role()))
    table.add_row("approvers", ", ".join(p.roles.approvers))
    table.add_row("suppliers", str(len(p.suppliers)))
    table.add_row("obligations", ", ".join(o.driver_tag for o in p.obligations) or "none")
    table.add_row("scope exclusions", ", ".join(e.control for e in p.scope.exclusions) or "none")
    table.add_row(
        "acceptance threshold", f"scores above {p.risk_criteria.acceptance_threshold} must be treated"
    )
    table.add_row(
        "notifications",
        ", ".join(f"{n.party} within {n.deadline_hours} h" for n in p.notifications) or "none recorded",
    )
    table.add_row("objectives", str(len(p.objectives)))
    table.add_row("control statuses", f"{len(p.implementation)} of 93 given")
    console.print(table)


@profile_app.command("upgrade")
@handles_errors
def profile_upgrade(
    profile: Annotated[
        Path | None, typer.Argument(help="profile.yaml (default: WORKSPACE/profile.yaml)")
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes; write nothing.")] = False,
) -> None:
    """Convert a profile of the earlier format to the current one, keeping its comments and a backup."""
    from assistant.inputs.upgrade import upgrade_profile

    ws = Workspace.open(workspace, profile=profile)
    result = upgrade_profile(ws.profile_path, dry_run=dry_run)
    if not result.changes:
        console.print(f"{result.path}: already in the current format; nothing to change.")
        return
    for change in result.changes:
        console.print(f"  {change}", highlight=False)
    if result.backup is None:
        console.print(f"{result.path}: {len(result.changes)} change(s) would be made (dry run).")
    else:
        console.print(
            f"{result.path}: upgraded ({len(result.changes)} change(s)); the original is kept as {result.backup}. "
            "Check the converted entries and fill in the new fields (isms profile check).",
            highlight=False,
        )


@risks_app.command("check")
@handles_errors
def risks_check(
    risks: Annotated[
        Path | None, typer.Argument(help="risks.csv or .xlsx (default: WORKSPACE/risks.csv)")
    ] = None,
    profile: ProfileOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Validate a risk register; with a profile, flag risks above its acceptance threshold."""
    ws = Workspace.open(workspace, profile=profile, risks=risks)
    path = ws.risks_path
    if path is None:
        from assistant.errors import InputError

        raise InputError(f"{ws.root}: no risks.csv or risks.xlsx in the workspace; pass RISKS")
    register = load_risks(path)
    threshold = None
    excluded: list[str] = []
    if profile is not None or ws.profile_path.exists():
        loaded = load_profile(ws.profile_path)
        threshold = loaded.risk_criteria.acceptance_threshold
        excluded = [e.control for e in loaded.scope.exclusions]
    table = Table(title=f"{path}: {len(register.risks)} risks, valid", title_justify="left")
    for column in ("id", "title", "owner", "L", "I", "score", "treatment", "controls"):
        table.add_column(column, overflow="fold")
    for r in register.risks:
        above = threshold is not None and r.score > threshold
        score = f"[bold red]{r.score}[/]" if above else str(r.score)
        table.add_row(
            r.id,
            r.title,
            r.owner,
            str(r.likelihood),
            str(r.impact),
            score,
            r.treatment,
            "; ".join(r.controls),
        )
    console.print(table)
    if threshold is not None:
        console.print(
            f"{len(register.above(threshold))} risk(s) score above the acceptance threshold {threshold}."
        )
    suggested = register.suggested()
    if suggested:
        console.print(
            f"note: {len(suggested)} suggested risk(s) still await review by their owners "
            f"({', '.join(r.id for r in suggested)}): check each rating, treatment and control, then clear "
            "its `source` column.",
            highlight=False,
        )
    for warning in register.warnings(threshold, excluded):
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


@config_app.command("show")
@handles_errors
def config_show(
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the effective settings (environment, .env, options); the API key is masked."""
    settings = load_settings(workspace=workspace)
    data = settings.masked()
    if as_json:
        console.print_json(json.dumps(data))
        return
    table = Table(title="Effective settings", show_header=False, title_justify="left")
    for key, value in data.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)
