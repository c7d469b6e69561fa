"""What `isms ui` runs (`streamlit run ui/serve.py`): the review workspace, app.py, as an st.App whose
every HTTP request and WebSocket is refused unless its Host header is 127.0.0.1 or localhost, so a page
on another site cannot reach it through DNS rebinding. Tests and `streamlit run ui/app.py` use app.py."""

from __future__ import annotations

import streamlit as st

from assistant.cli.ui_cmd import host_middleware

app = st.App("app.py", middleware=host_middleware())
