"""`isms profile upgrade`: convert a profile of the earlier format, line by line, keeping its comments.

Only the fields the earlier format had are changed; everything else in the file stays as written. The
original is kept beside it (profile.yaml.bak, or .bak2 ... if that exists) and the new file is written
only once it validates.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assistant.documents.files import write_atomic
from assistant.errors import InputError
from assistant.inputs.profile import Profile, legacy_fields, load_profile
from assistant.yamlio import load_yaml, read_text_file


@dataclass(frozen=True)
class Upgrade:
    path: Path
    backup: Path | None
    changes: list[str]


def _field_line(lines: list[str], section: str, name: str) -> tuple[int, str] | None:
    """Index and indent of `name:` inside the top-level `section:` block."""
    inside = False
    for i, line in enumerate(lines):
        if re.match(rf"^{section}:\s*(#.*)?$", line):
            inside = True
            continue
        if inside and re.match(r"^\S", line) and not line.startswith("#"):
            inside = False
        match = re.match(rf"^(\s+){name}:\s*(\S.*)?$", line) if inside else None
        if match:
            return i, match.group(1)
    return None


def upgraded_text(text: str, data: dict) -> tuple[str, list[str]]:
    lines = text.splitlines()
    changes: list[str] = []
    practices = data.get("practices", {})
    tail: list[str] = []
    if "access_review_months" in practices:
        found = _field_line(lines, "practices", "access_review_months")
        if found:
            i, indent = found
            months = practices["access_review_months"]
            lines[i : i + 1] = [
                f"{indent}reviews:  # how often each kind of review runs, in months",
                f"{indent}  user_access: {months}",
                f"{indent}  # privileged_access, physical_zones and suppliers: add the months of each",
            ]
            changes.append(
                f"practices.access_review_months: {months} -> practices.reviews.user_access: {months}"
            )
    if "breach_notification_hours" in practices:
        found = _field_line(lines, "practices", "breach_notification_hours")
        if found:
            i, _indent = found
            hours = practices["breach_notification_hours"]
            del lines[i]
            roles = data.get("roles") or {}
            notifier = "dpo" if roles.get("dpo") else "isms_owner"
            tail += [
                "",
                "# Who the organisation must tell about an incident, by when and who does it.",
                "# Converted from practices.breach_notification_hours: check the party and the trigger,",
                "# and add regulators, customers and other parties with their own deadlines.",
                "notifications:",
                "  - party: Data protection supervisory authority",
                "    kind: personal_data_breach",
                "    trigger: A personal data breach that must be reported to the authority",
                f"    deadline_hours: {hours}",
                f"    notifier: {notifier}",
            ]
            changes.append(
                f"practices.breach_notification_hours: {hours} -> notifications[0] "
                f"(data protection authority, {hours} hours, notified by {notifier})"
            )
    out = "\n".join(lines).rstrip("\n") + "\n"
    if tail:
        out += "\n".join(tail) + "\n"
    return out, changes


def _backup_path(path: Path) -> Path:
    candidate = path.with_name(path.name + ".bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak{n}")
        n += 1
    return candidate


def upgrade_profile(path: Path, *, dry_run: bool = False) -> Upgrade:
    """Convert the earlier-format fields of `path`; raise InputError if the result is still not valid."""
    text = read_text_file(path, what="organisation profile")
    data, _lines = load_yaml(path, what="organisation profile")
    if not legacy_fields(data):
        load_profile(path)  # already current: report any other problem the usual way
        return Upgrade(path, None, [])
    new_text, changes = upgraded_text(text, data)
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / path.name
        trial.write_text(new_text, encoding="utf-8")
        try:
            profile: Profile = load_profile(trial)
        except InputError as exc:
            details = [d.replace(str(trial), str(path)) for d in exc.details]
            raise InputError(
                f"{path}: converted the earlier-format fields, but the profile still needs changes by hand "
                "(nothing was written)",
                details=details or [exc.message.replace(str(trial), str(path))],
            ) from None
    del profile
    if dry_run:
        return Upgrade(path, None, changes)
    backup = _backup_path(path)
    write_atomic(backup, text)
    write_atomic(path, new_text)
    return Upgrade(path, backup, changes)
