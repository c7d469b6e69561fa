"""The review workspace: `isms ui` starts this app. Pages hold layout and state; the work is in assistant/."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # pages import ui.* and eval.* from the repository
    sys.path.insert(0, str(ROOT))

st.set_page_config(page_title="ISMS drafting assistant", layout="wide")
pages = [
    st.Page("pages/overview.py", title="Overview", default=True),
    st.Page("pages/search.py", title="Search"),
    st.Page("pages/document.py", title="Document"),
    st.Page("pages/review.py", title="Review"),
    st.Page("pages/soa.py", title="Statement of Applicability"),
    st.Page("pages/profile.py", title="Profile"),
    st.Page("pages/decisions.py", title="Decisions"),
    st.Page("pages/evaluation.py", title="Evaluation"),
    st.Page("pages/audit_log.py", title="Audit log"),
]
page = st.navigation(pages)
timings = os.environ.get("ISMS_UI_TIMINGS")  # bench/ui_pages.py: the script's own share of a page load
started = time.perf_counter()
try:
    page.run()
finally:
    if timings:
        with open(timings, "a", encoding="utf-8") as log:
            log.write(f"{page.title}\t{time.perf_counter() - started:.4f}\n")
