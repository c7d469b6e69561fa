"""Evaluation: the harness report on the output folder, with the coverage chart."""

from __future__ import annotations

import streamlit as st

from eval.docset import load_document_set
from eval.harness import evaluate
from eval.html_report import coverage_chart
from ui.context import inputs

st.title("Evaluation")
data = inputs()
out = data.workspace.out_dir
if not out.exists():
    st.info("Generate the document set first.")
    st.stop()
report = evaluate(load_document_set(out, data.corpus, data.profile, data.register))
(st.success if report.passed else st.error)("All checks pass" if report.passed else "Some checks fail")
st.dataframe(
    [
        {"check": c.id, "passed": c.passed, "score": round(c.score, 2), "findings": len(c.findings)}
        for c in report.checks
    ],
    hide_index=True,
)
st.html(coverage_chart(report.coverage))
for check in report.checks:
    if check.findings:
        with st.expander(f"{check.id}: {len(check.findings)} finding(s)"):
            for finding in check.findings:
                st.write(finding)
