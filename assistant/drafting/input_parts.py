"""Short hashes of what a document is drafted from, by name, so a changed input can be named later.

The profile is split by top-level section and the risk register by risk id: "profile: practices" and
"risk R-03" say more to a reviewer than "inputs changed".
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

PROFILE, RISKS = "profile", "risk register"


def _short(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def part_hashes(parts: dict[str, Any]) -> dict[str, str]:
    """{"profile: practices": "…", "risk R-03": "…", "docs": "…", ...}: one short hash per named input."""
    out: dict[str, str] = {}
    for name, value in parts.items():
        if name == PROFILE and isinstance(value, dict):
            out.update({f"{PROFILE}: {key}": _short(sub) for key, sub in value.items()})
        elif name == RISKS and isinstance(value, list):
            out.update({f"risk {r.get('id', i)}": _short(r) for i, r in enumerate(value)})
        else:
            out[name] = _short(value)
    return out
