"""The whole review journey in a real browser (Debian's chromium through playwright) on a fresh copy of an
example: sign in as a person from the profile → generate → open a document → edit → refine → review the
diff → request changes → resolve → refused as a non-approver → approve as an approver → change the profile →
see the stale flags → regenerate → the human edit survives in the new draft. Screenshots of each step are
saved in the test's tmp folder (and copied to bench/results/journey/ when ISMS_SCREENSHOTS names a folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.loading import load_inputs
from assistant.workflow import store_for
from tests.browser_support import have_chromium, launch, served, settled
from tests.conftest import copy_example

DOC = "cryptography-policy"
ADDED = "Keys for the customer data lake are rotated every 90 days by the platform team."
WRITER, APPROVER = "Daniel Okafor", "Priya Raman"


class Journey:
    def __init__(self, page: Any, base: str, shots: Path) -> None:
        self.page, self.base, self.shots, self.n = page, base, shots, 0

    def shot(self, name: str) -> None:
        self.n += 1
        self.page.screenshot(path=str(self.shots / f"{self.n:02d}-{name}.png"), full_page=True)

    def open(self, path: str, who: str, doc: str = DOC) -> None:
        who_q = who.replace(" ", "+")
        self.page.goto(f"{self.base}/{path}?doc={doc}&as={who_q}", wait_until="networkidle")
        settled(self.page)

    def says(self, text: str, timeout: float = 60_000) -> None:
        self.page.get_by_text(text).first.wait_for(timeout=timeout)
        settled(self.page)

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).first.click()

    def fill(self, label: str, text: str) -> None:
        self.page.get_by_label(label, exact=True).last.fill(text)


@pytest.mark.skipif(not have_chromium(), reason="chromium is installed by `make test`")
def test_the_whole_review_journey(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with served(ws, cwd=tmp_path) as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        j = Journey(page, base, shots)

        # Who is acting: chosen once from the profile's people.
        page.goto(base, wait_until="networkidle")
        j.says("Who are you?")
        page.get_by_role("combobox").first.click()
        page.get_by_role("option", name=f"{WRITER} (").first.click()
        j.click("Continue")
        j.says(f"Acting as {WRITER}")
        j.shot("signed-in")

        # Generate on a fresh workspace.
        j.click("Generate or update the document set")
        j.says("written 3", timeout=240_000)  # "written 35, ..." once the run is over
        j.shot("generated")

        # Edit, then refine: each a new version.
        j.open("document", WRITER)
        page.get_by_role("tab", name="Edit").click()
        area = page.get_by_label("Markdown (front matter included)", exact=True)
        text = area.input_value()
        assert "## Purpose" in text
        area.fill(text.replace("## Purpose", f"{ADDED}\n\n## Purpose", 1))
        j.click("Save as a new version")
        j.says("saved version 2")
        page.get_by_role("tab", name="Refine a section").click()
        j.fill("Instruction", "key rotation evidence is reviewed quarterly")
        j.click("Refine this section")
        j.says("saved version 3")
        j.shot("edited-and-refined")

        # Review the diff against version 1, ask for changes, resolve them.
        j.open("review", WRITER)
        j.says("Decision on #3")
        assert page.locator(".isms-redline ins").count() >= 1  # the refinement, against version 2
        page.get_by_role("combobox", name="Compare").click()  # against the generated draft
        page.get_by_role("option", name="#1 ").first.click()
        page.locator("ins", has_text="rotated every 90 days").first.wait_for()
        settled(page)
        j.shot("diff")
        j.fill("Comment", "Say who holds the rotation evidence.")
        j.click("Request changes")
        j.says(f"changes requested by {WRITER}")
        j.fill("How the requested changes were made (or why not)", "Evidence holder named in section 4.")
        j.click("Resolve the change request")
        j.says(f"change request resolved by {WRITER}")

        # A non-approver is refused; an approver approves.
        j.fill("Comment", "Looks right to me.")
        j.click("Approve")
        j.says(f"{WRITER} may not approve")
        j.shot("refused")
        j.open("review", APPROVER)
        j.says(f"Acting as {APPROVER}")
        j.fill("Comment", "Reviewed the key rotation change.")
        j.click("Approve")
        j.says(f"approved by {APPROVER}")
        j.shot("approved")

        # A profile change: the Overview says which documents it affects, and why.
        profile = ws / "profile.yaml"
        text = profile.read_text(encoding="utf-8")
        assert "headcount: " in text
        profile.write_text(text.replace("headcount: ", "headcount: 1", 1), encoding="utf-8")
        j.open("", APPROVER)
        j.says("Out of date:")
        # The table is drawn on a canvas: its cells are in the page for screen readers, not visible.
        page.get_by_text("profile changed: identity").first.wait_for(state="attached")
        j.shot("stale")

        # Regenerate: the approved human edit is merged into the new draft.
        j.click("Generate or update the document set")
        j.says("Every document is up to date", timeout=240_000)
        j.shot("regenerated")
        browser.close()

    assert ADDED in (ws / "out" / f"{DOC}.md").read_text(encoding="utf-8")
    store = store_for(load_inputs(ws).workspace)
    latest = store.latest(DOC)
    assert latest is not None and ADDED in latest.content and latest.status == "draft"
    approved = store.last_approved(DOC)
    assert approved is not None and approved.number == 3 and ADDED in approved.content
    actions = [a for _at, _who, a, doc, _d in store.audit_log(500) if doc == DOC]
    for action in ("changes_requested", "approved"):
        assert any(action in a for a in actions), actions
    assert len(list(shots.glob("*.png"))) == 8
    keep = os.environ.get("ISMS_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, Path(keep) / "journey", dirs_exist_ok=True)


@pytest.mark.skipif(not have_chromium(), reason="chromium is installed by `make test`")
def test_search_finds_a_sentence_and_opens_it_in_the_document_page(tmp_path: Path) -> None:
    """Issue 19: a question typed in the Search page's box returns the document and section that answer
    it; opening the hit lands on the Document page with that document and that section shown first."""
    from playwright.sync_api import sync_playwright
    from typer.testing import CliRunner

    from tests.conftest import invoke

    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    assert invoke(CliRunner(), "generate", "--workspace", str(ws), "--provider", "offline").exit_code == 0
    title, section = "Logging, Monitoring and Capacity Policy", "Protecting and retaining logs"
    with served(ws, cwd=tmp_path) as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(f"{base}/search?as={WRITER.replace(' ', '+')}", wait_until="networkidle")
        settled(page)
        box = page.get_by_label("Search the document set and the standard", exact=True)
        box.fill("where do we say how long logs are kept?")
        box.press("Enter")
        hit = page.locator("[class*='st-key-search-hit-']", has_text=section).first
        hit.wait_for()
        settled(page)
        assert title in hit.inner_text() and "400 days" in hit.inner_text()
        assert hit.locator("strong", has_text="kept").count() >= 1  # the query's words in bold
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        hit.get_by_role("button", name="Open in the Document page").click()
        target = page.locator(".st-key-search-target")
        target.wait_for()
        settled(page)
        assert "/document?" in page.url and "doc=logging-and-monitoring-policy" in page.url
        assert "Found by search" in target.inner_text() and section in target.inner_text()
        assert "400 days" in target.inner_text()
        assert title in page.get_by_role("combobox", name="Document").first.input_value()  # the picker
        page.screenshot(path=str(tmp_path / "opened.png"), full_page=True)
        browser.close()
