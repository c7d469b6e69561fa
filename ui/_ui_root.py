"""Imported first by every page, as the top-level module `_ui_root` (Streamlit puts the main script's folder,
ui/, on sys.path while it runs a script): makes `ui.*` importable even when a page runs without app.py.

That happens on the first request a fresh server gets when it is for a page (a bookmark, a refresh of
/review?doc=... after `isms ui` restarted): until some script run has called st.navigation, Streamlit takes
the `pages/` folder beside the main script for its legacy multipage mode and runs the page file alone.
`ui.context.inputs()` then switches that mode off and runs the app again, through app.py."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
