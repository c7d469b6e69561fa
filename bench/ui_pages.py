"""Benchmark page loads of the review workspace in a real browser (Debian's chromium through playwright).

    .venv/bin/python bench/ui_pages.py [--example kestrel-saas] [--rounds 3]

The example is copied to a temporary folder and generated offline, `isms ui` serves it, and chromium
opens each page of the app from the sidebar, as a person does: the time runs from the click until the
page's heading is shown and the script run is over. The first round is cold (caches empty, modules
loading); later rounds are warm and their slowest figure per page is reported. A full reload of the
Review page (a new browser session) is timed too.

Target (issue 15): every page <= 1 s warm on the examples.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser_support import have_chromium, launch, served, settled  # noqa: E402

PAGES = {  # sidebar link -> the page's heading
    "Overview": "ISMS document set",
    "Search": "Search",
    "Document": "Document",
    "Review": "Review",
    "Statement of Applicability": "Statement of Applicability",
    "Profile": "Organisation profile",
    "Decisions": "Decisions needed",
    "Evaluation": "Evaluation",
    "Audit log": "Audit log",
}


def _generate(example: str, target: Path) -> Path:
    ws = target / example
    shutil.copytree(REPO / "examples" / example, ws, ignore=shutil.ignore_patterns(".isms", "out"))
    isms = str(Path(sys.executable).with_name("isms"))
    subprocess.run(
        [isms, "generate", "--workspace", str(ws), "--provider", "offline"],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )
    return ws


def _first_person(ws: Path) -> str:
    from assistant.inputs.profile import load_profile

    return load_profile(ws / "profile.yaml").roles.approvers[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--example", default="kestrel-saas")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", help="only these sidebar pages, comma-separated (default: all)")
    args = parser.parse_args()
    pages = {k: v for k, v in PAGES.items() if not args.pages or k in args.pages.split(",")}
    if not have_chromium():
        sys.exit("chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="isms-bench-ui-") as tmp:
        ws = _generate(args.example, Path(tmp))
        who = _first_person(ws).replace(" ", "+")
        times: dict[str, list[float]] = {name: [] for name in pages}
        reloads: list[float] = []
        timings = Path(tmp) / "script-times.tsv"
        os.environ["ISMS_UI_TIMINGS"] = str(timings)
        with served(ws, cwd=Path(tmp)) as base, sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            started = time.perf_counter()
            page.goto(f"{base}/?as={who}", wait_until="domcontentloaded")
            page.locator("h1", has_text=PAGES["Overview"]).first.wait_for()
            settled(page)
            first = time.perf_counter() - started
            for _round in range(args.rounds):
                for name, heading in pages.items():
                    started = time.perf_counter()
                    page.get_by_role("link", name=name, exact=True).first.click()
                    page.locator("h1", has_text=heading).first.wait_for()
                    settled(page)
                    times[name].append(time.perf_counter() - started)
            for _round in range(args.rounds):
                started = time.perf_counter()
                page.goto(f"{base}/review?as={who}", wait_until="domcontentloaded")
                page.locator("h1", has_text="Review").first.wait_for()
                settled(page)
                reloads.append(time.perf_counter() - started)
            browser.close()
        script: dict[str, list[float]] = {}
        for line in timings.read_text(encoding="utf-8").splitlines():
            title, seconds = line.split("\t")
            script.setdefault(title, []).append(float(seconds))
    print(f"example {args.example}; first load of the app (cold server): {first:.2f} s")
    print(f"{'page':<28} {'cold':>7} {'warm median':>12} {'warm worst':>11} {'script median':>14}")
    for name, seconds in [*times.items(), ("Review, full reload", reloads)]:
        warm = seconds[1:] or seconds
        own = statistics.median(script.get(name.split(",")[0], [0.0]))
        print(
            f"{name:<28} {seconds[0]:>6.2f}s {statistics.median(warm):>11.2f}s {max(warm):>10.2f}s {own:>13.2f}s"
        )
    medians = {name: statistics.median(s[1:] or s) for name, s in times.items()}
    slowest = max(medians, key=medians.__getitem__)
    print(f"slowest warm page (median): {slowest} {medians[slowest]:.2f} s (target <= 1 s)")


if __name__ == "__main__":
    main()
