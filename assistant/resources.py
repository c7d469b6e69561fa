"""Where the product's data folders are: the copy inside an installed wheel, else the source checkout's.

A wheel carries `corpus/` and `prompts/` as `assistant/bundled/<name>` (setup.py copies them there when the
wheel is built) and the review workspace as the top-level package `ui`. A source checkout (and an editable
install of it) has neither copy; the folders are then the repository's own, beside `assistant/`."""

from __future__ import annotations

import importlib.util
from importlib.resources import files
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ("corpus", "prompts")


def data_dir(name: str) -> Path:
    """`corpus` or `prompts`: the installed package's copy when there is one, else the checkout's folder."""
    if name not in BUNDLED:
        raise ValueError(f"{name!r} is not one of {', '.join(BUNDLED)}")
    packaged = files("assistant") / "bundled" / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return REPO_ROOT / name


def ui_dir() -> Path:
    """The folder of the `ui` package (app.py, serve.py, pages/): found by the import system without
    importing it; another project's top-level `ui` (no app.py) or none at all means the checkout's `ui/`."""
    spec = importlib.util.find_spec("ui")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location).resolve()
        if (folder / "app.py").is_file() and (folder / "serve.py").is_file():
            return folder
    return REPO_ROOT / "ui"
