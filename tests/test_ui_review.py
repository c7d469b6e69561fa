"""The review workspace's fixes of issue 15: generating from the Overview page (progress only on the script
thread), the editor after a refinement, the coverage chart and the side-by-side diff, no Deploy menu, and
the selected document kept in the address."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.cli import ui_cmd
from assistant.cli.loading import load_inputs
from assistant.generation.runner import select_documents
from assistant.workflow import edit, store_for
from tests.browser_support import have_chromium, launch, served
from tests.conftest import REPO, copy_example
from tests.helpers import generate_example, private_copy

APP = str(REPO / "ui" / "app.py")
GENERATE = "Generate or update the document set"
DOC = "cryptography-policy"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "ui-review")


@pytest.fixture
def ws(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = private_copy(generated, tmp_path)
    monkeypatch.setenv("ISMS_WORKSPACE", str(target))
    return target


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example as a new user has it: no out/, no store."""
    target = copy_example("kestrel-saas", tmp_path / "fresh")
    monkeypatch.setenv("ISMS_WORKSPACE", str(target))
    return target


def _app(timeout: float = 60) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["acting-person"] = "Daniel Okafor"  # chosen once per session (ui/identity.py)
    at.run()
    assert not at.exception, at.exception
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _generate(at: AppTest) -> str:
    next(b for b in at.button if b.label == GENERATE).click().run()
    _ok(at)
    [summary] = [m.value for m in (*at.success, *at.warning) if m.value.startswith("written ")]
    return summary


# 1. Generating from the Overview page --------------------------------------------------------------------


def test_generate_on_a_fresh_workspace_and_after_a_profile_change(fresh: Path) -> None:
    """The drafting workers' progress callbacks never touch Streamlit (that was a NoSessionContext)."""
    at = _app(timeout=120)
    assert any("No documents yet" in i.value for i in at.info)
    assert not (fresh / "out").exists()
    assert _generate(at).startswith("written 35, unchanged 0, failed 0")
    ids = select_documents(load_inputs(fresh), None)
    assert len(ids) == 35 and all((fresh / "out" / f"{d}.md").is_file() for d in ids)
    assert len(at.dataframe) >= 1 and [m.value for m in at.metric] == ["35", "0", "0", "0"]

    at.switch_page("pages/profile.py").run()
    _ok(at)
    headcount = next(n for n in at.number_input if n.label == "Headcount")
    headcount.set_value(int(headcount.value or 1) + 7)
    next(b for b in at.button if b.label == "Validate and save").click().run()
    _ok(at)
    assert any("profile saved" in s.value for s in at.success)

    at.switch_page("pages/overview.py").run()
    _ok(at)
    written = int(_generate(at).split(",")[0].removeprefix("written "))
    assert written >= 1  # the profile feeds the documents: some were drafted again, in worker threads


def test_a_failing_run_is_an_error_message_not_a_traceback(fresh: Path) -> None:
    (fresh / "out").mkdir()
    (fresh / "out" / "notes.txt").write_text("mine\n", encoding="utf-8")  # not an isms output folder
    at = _app()
    next(b for b in at.button if b.label == GENERATE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("not an isms output folder" in e.value for e in at.error), [e.value for e in at.error]
    assert sorted(p.name for p in (fresh / "out").iterdir()) == ["notes.txt"]


def test_the_job_takes_progress_from_worker_threads_and_runs_once_per_folder(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progress arrives from threads that are not the script's, is only queued, and is applied by drain();
    a second run into the same folder is refused while the first goes on; a crash reaches the page."""
    import threading

    from assistant.errors import InputError
    from assistant.generation.runner import DocResult, RunReport
    from ui import jobs

    release = threading.Event()
    callers: list[str] = []

    class Blocking:
        def __init__(self, _data: object, _engine: object, on_change: object) -> None:
            self.on_change = on_change

        def run(self, ids: list[str]) -> RunReport:
            result = DocResult(ids[0], status="written", version="0.2")

            def report(r: DocResult) -> None:  # the thread is named before its result is queued
                callers.append(threading.current_thread().name)
                self.on_change(r)  # type: ignore[operator]

            worker = threading.Thread(target=report, args=(result,), name="draft_0")
            worker.start()
            worker.join()
            release.wait(10)
            if ids == ["boom"]:
                raise RuntimeError("not an IsmsError")
            return RunReport({ids[0]: result})

    monkeypatch.setattr(jobs, "Generator", Blocking)
    data = load_inputs(ws)
    job = jobs.GenerateJob(data, object(), [DOC]).start()  # type: ignore[arg-type]
    while job.results[DOC].status != "written":
        job.drain(0.05)
    assert job.running and callers == ["draft_0"]
    with pytest.raises(InputError, match="being generated already"):
        jobs.GenerateJob(data, object(), [DOC]).start()  # type: ignore[arg-type]
    release.set()
    while job.running:
        job.drain(0.05)
    assert job.report is not None and job.error is None and job.fraction == 1.0
    crashed = jobs.GenerateJob(data, object(), ["boom"]).start()  # type: ignore[arg-type]
    while crashed.running:
        crashed.drain(0.05)
    assert isinstance(crashed.crash, RuntimeError)


# 2. Refine, then edit ------------------------------------------------------------------------------------


def _opened(page: str, doc_id: str, key: str) -> AppTest:
    """A page opened on a document chosen in its select box."""
    at = _app()
    at.switch_page(page).run()
    at.selectbox(key=key).set_value(doc_id).run()
    _ok(at)
    return at


def _with_query(page: str, doc_id: str) -> AppTest:
    """A page opened from an address with ?doc=<doc_id>, as after a refresh."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["acting-person"] = "Daniel Okafor"
    at.query_params["doc"] = doc_id
    at.switch_page(page).run()
    _ok(at)
    return at


def _refine(at: AppTest, instruction: str) -> None:
    next(t for t in at.text_area if t.label == "Instruction").set_value(instruction)
    next(b for b in at.button if b.label == "Refine this section").click().run()
    _ok(at)


def test_after_refining_the_editor_holds_the_newest_version(ws: Path) -> None:
    at = _opened("pages/document.py", DOC, "doc")
    _refine(at, "access reviews are quarterly")
    assert any(s.value.startswith("saved version 2") for s in at.success)
    store = store_for(load_inputs(ws).workspace)
    newest = store.latest(DOC)
    assert newest is not None and newest.number == 2 and newest.note.startswith("refined")
    area = at.text_area(key=f"edit-{DOC}")
    assert area.value == newest.content
    assert f"(#{newest.number})" in at.caption[0].value  # the page shows the new version, not the old

    # Editing it is an edit of the refinement: saved as version 3 without any conflict, refinement kept.
    area.set_value(newest.content.replace("## Purpose", "A reviewer's line.\n\n## Purpose", 1))
    at.button(key="save-edit").click().run()
    _ok(at)
    assert any(s.value == "saved version 3" for s in at.success)
    third = store.latest(DOC)
    assert third is not None and third.number == 3 and third.based_on == newest.id
    assert "A reviewer's line." in third.content
    assert at.text_area(key=f"edit-{DOC}").value == third.content


def test_typed_text_survives_a_newer_version_and_can_be_discarded(ws: Path) -> None:
    at = _opened("pages/document.py", DOC, "doc")
    area = at.text_area(key=f"edit-{DOC}")
    typed = (area.value or "").replace("## Purpose", "Unsaved words.\n\n## Purpose", 1)
    area.set_value(typed).run()
    data = load_inputs(ws)
    store = store_for(data.workspace)
    first = store.latest(DOC)
    assert first is not None
    edit(
        data.workspace,
        data.corpus,
        data.profile,
        DOC,
        first.content + "\nTheirs.\n",
        "Someone Else",
        first.id,
    )
    at.run()
    _ok(at)
    assert at.text_area(key=f"edit-{DOC}").value == typed  # never silently replaced
    assert any("started from version 1" in w.value for w in at.warning)
    at.button(key="edit-discard").click().run()
    _ok(at)
    newest = store.latest(DOC)
    assert newest is not None and at.text_area(key=f"edit-{DOC}").value == newest.content


# 3. The chart and the side-by-side diff ------------------------------------------------------------------


def test_the_coverage_chart_is_an_svg_image(ws: Path) -> None:
    at = _app()
    at.switch_page("pages/evaluation.py").run()
    _ok(at)
    [chart] = at.image
    [url] = chart.value
    assert url.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(url.split(",", 1)[1]).decode("utf-8")
    assert svg.startswith("<svg") and "organizational" in svg and "<rect" in svg


def test_the_side_by_side_diff_fits_its_column(ws: Path) -> None:
    data = load_inputs(ws)
    first = store_for(data.workspace).latest(DOC)
    assert first is not None
    long_line = "A deliberately long reviewer sentence that goes on and on. " * 10
    edit(
        data.workspace, data.corpus, data.profile, DOC, first.content + f"\n{long_line}\n", "Tester", first.id
    )
    at = _opened("pages/review.py", DOC, "review-doc")
    at.radio(key="diff-view").set_value("Side by side").run()
    [table] = [h.proto.body for h in at.html if 'class="diff"' in h.proto.body]
    assert "table-layout:fixed" in table and "width:100%" in table and "word-wrap:break-word" in table
    assert "nowrap" not in table and "&nbsp;" not in table
    assert "A deliberately long reviewer sentence" in table


# 4. No Deploy menu ---------------------------------------------------------------------------------------


def test_streamlit_reads_the_viewer_toolbar_from_ui_whatever_the_folder(tmp_path: Path) -> None:
    """`streamlit run ui/serve.py` takes ui/.streamlit/config.toml as the script's own config (a separate
    process: the config is global to one)."""
    code = (
        "import sys\n"
        "from streamlit import config\n"
        "config._main_script_path = sys.argv[1]\n"
        "print(config.get_config_options(force_reparse=True)['client.toolbarMode'].value)\n"
    )
    for script in (ui_cmd.SERVE, ui_cmd.APP):
        shown = subprocess.run(
            [sys.executable, "-c", code, str(script)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert shown.stdout.strip() == "viewer", shown.stderr


# 5. The selected document in the address -----------------------------------------------------------------


def test_the_doc_query_parameter_selects_the_document_and_follows_the_choice(ws: Path) -> None:
    at = _with_query("pages/document.py", "isms-scope")
    assert at.selectbox(key="doc").value == "isms-scope"
    assert "(#1)" in at.caption[0].value
    at.switch_page("pages/review.py").run()
    _ok(at)
    assert at.selectbox(key="review-doc").value == "isms-scope"
    at.selectbox(key="review-doc").set_value(DOC).run()
    _ok(at)
    assert at.query_params["doc"] == DOC or at.query_params["doc"] == [DOC]
    at.switch_page("pages/document.py").run()
    assert at.selectbox(key="doc").value == DOC
    # A name that is not a document is ignored, never an error.
    fresh_at = _with_query("pages/document.py", "../../etc/passwd")
    assert fresh_at.selectbox(key="doc").value in {
        d.id for d in store_for(load_inputs(ws).workspace).overview()
    }


# A real browser: no Deploy button, the chart drawn, the diff inside its column, ?doc= after a refresh ------


@pytest.mark.skipif(not have_chromium(), reason="chromium is installed by `make test`")
def test_in_a_real_browser(ws: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    data = load_inputs(ws)
    first = store_for(data.workspace).latest(DOC)
    assert first is not None
    long_line = "A deliberately long reviewer sentence that goes on and on. " * 10
    edit(
        data.workspace, data.corpus, data.profile, DOC, first.content + f"\n{long_line}\n", "Tester", first.id
    )
    elsewhere = tmp_path / "elsewhere"  # `isms ui` started from a folder with no .streamlit/ of its own
    elsewhere.mkdir()
    with served(ws, cwd=elsewhere, home=elsewhere) as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        picker = page.get_by_role("combobox", name="Document")
        # The server's first request names a page: Streamlit's legacy pages/ mode, run through app.py.
        page.goto(f"{base}/review?doc={DOC}&as=Daniel+Okafor", wait_until="networkidle")
        page.get_by_text("Decision on").first.wait_for(timeout=30_000)
        page.get_by_text(GENERATE).first.wait_for(state="detached", timeout=5_000)
        expect(picker).to_have_value(f"Cryptography Policy ({DOC})", timeout=10_000)  # from ?doc=
        page.get_by_text("Side by side", exact=True).click()
        table = page.locator("table.diff").first
        table.wait_for(timeout=30_000)
        column = page.get_by_test_id("stMainBlockContainer").first.bounding_box()
        box = table.bounding_box()
        assert column is not None and box is not None
        assert box["x"] >= column["x"] - 1 and box["x"] + box["width"] <= column["x"] + column["width"] + 1
        page.get_by_test_id("stMainMenu").first.wait_for(timeout=30_000)
        assert page.get_by_text("Deploy", exact=True).count() == 0

        page.reload(wait_until="networkidle")  # a refresh keeps the document
        page.get_by_text("Decision on").first.wait_for(timeout=30_000)
        expect(picker).to_have_value(f"Cryptography Policy ({DOC})", timeout=10_000)

        page.get_by_role("link", name="Evaluation").click()
        chart = page.locator("img[src^='data:image/svg+xml']").first
        chart.wait_for(timeout=60_000)
        assert (chart.bounding_box() or {"height": 0})["height"] > 100
        browser.close()
