"""Evaluation: the harness report on the output folder, with the coverage chart."""

from __future__ import annotations

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from eval.html_report import coverage_chart, findings_by_document
from ui.context import evaluation, inputs

st.title("Evaluation")
data = inputs()
out = data.workspace.out_dir
if not out.exists():
    st.info("Generate the document set first.")
    st.stop()
report = evaluation()
failed = [c.id for c in report.checks if not c.passed]
(st.success if report.passed else st.warning)(
    "All checks pass" if report.passed else f"Checks failing: {', '.join(failed)}"
)
st.dataframe(
    [
        {"check": c.id, "passed": c.passed, "score": round(c.score, 2), "findings": len(c.findings)}
        for c in report.checks
    ],
    hide_index=True,
)
# As an image: st.html runs its markup through DOMPurify's HTML profile, which strips inline SVG.
st.image(coverage_chart(report.coverage), caption="Annex A controls by theme and implementation status")
st.subheader("Findings by document")
for subject, entries in findings_by_document(report).items():
    with st.expander(f"{subject}: {len(entries)} finding(s)"):
        st.markdown("\n".join(f"- **{check}** {text}" for check, text in entries))
