"""Issue 18: the built wheel is the whole product. Installed into a fresh venv (the dependencies borrowed from
this venv, offline), `isms` runs from a folder that is not the repository, on the corpus, prompts, Word
template and UI inside the wheel, never on the checkout's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_example

# What the wheel is built from: the checkout without what no build reads (and never a stale build/).
NOT_BUILT = shutil.ignore_patterns(
    ".git", ".venv", "tests", "bench", "examples", "out", "build", "dist", "*.egg-info", "__pycache__",
    "*.pyc", ".*_cache", ".isms", ".ci",
)  # fmt: skip


def _env() -> dict[str, str]:
    """No ISMS_ setting (corpus or prompts folder), PYTHONPATH or venv of the caller reaches the installed tool."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ISMS_", "PYTHON", "PIP_", "OPENAI_")) and k != "VIRTUAL_ENV"
    }
    return {
        **keep,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "ISMS_LOCK_WAIT": "0",
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def _run(command: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])
    return done


class Installed:
    def __init__(self, wheel: Path, venv: Path, away: Path) -> None:
        self.wheel, self.venv, self.away = wheel, venv, away
        self.python = venv / "bin" / "python"
        self.site = Path(
            _run(
                [str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], away
            ).stdout.strip()
        )

    def isms(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _run([str(self.venv / "bin" / "isms"), *args], self.away)

    def python_code(self, code: str) -> str:
        return _run([str(self.python), "-c", code], self.away).stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    source, dist, venv, away = root / "source", root / "dist", root / "venv", root / "elsewhere"
    shutil.copytree(REPO, source, ignore=NOT_BUILT, symlinks=True)
    away.mkdir()
    pip, quiet = [sys.executable, "-m", "pip"], ["--no-deps", "--no-index", "-q"]
    _run([*pip, "wheel", str(source), "--no-build-isolation", *quiet, "-w", str(dist)], source)
    (wheel,) = dist.glob("isms_assistant-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], away)
    _run([*pip, "--python", str(venv / "bin" / "python"), "install", *quiet, str(wheel)], away)
    tool = Installed(wheel, venv, away)
    # The dependencies: this venv's site-packages, appended to the new venv's sys.path by a .pth line. Only
    # the new venv's own site-packages has its .pth files run, so this venv's editable install of the
    # checkout (a .pth plus an import finder) is not; `assistant`, `ui` and `eval` come from the wheel.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (tool.site / "_isms_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return tool


def test_the_wheel_carries_corpus_prompts_ui_and_template(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    controls = {
        n for n in names if n.startswith("assistant/bundled/corpus/controls/") and n.endswith(".yaml")
    }
    assert len(controls) == 93 == len(list((REPO / "corpus" / "controls").glob("*.yaml")))
    for folder in ["corpus", "prompts"]:
        ours = {
            f"assistant/bundled/{p.relative_to(REPO).as_posix()}"
            for p in (REPO / folder).rglob("*")
            if p.is_file()
            and not any(part.startswith((".", "__pycache__")) for part in p.relative_to(REPO).parts)
        }
        assert ours <= names, sorted(ours - names)
    prompts = {n for n in names if n.startswith("assistant/bundled/prompts/") and n.endswith(".j2")}
    assert prompts and all(n.count("/") == 4 for n in prompts)  # prompts/<chain>/<file>.j2
    pages = {f"ui/pages/{p.name}" for p in (REPO / "ui" / "pages").glob("*.py")}
    assert {"ui/pages/overview.py", "ui/pages/soa.py"} <= pages <= names
    assert {"ui/app.py", "ui/serve.py", "ui/_ui_root.py", "ui/.streamlit/config.toml"} <= names
    assert {"assistant/data/isms-template.docx", "assistant/data/annex-a-2022-titles.tsv"} <= names
    assert "eval/retrieval/queries.tsv" in names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def test_the_installed_code_and_data_are_the_wheels(installed: Installed) -> None:
    out = installed.python_code(
        "import assistant, ui, eval\n"
        "from assistant.settings import Settings\n"
        "from assistant.cli import ui_cmd\n"
        "from assistant.documents.docx_package import BUNDLED_TEMPLATE\n"
        "s = Settings()\n"
        "for p in [assistant.__file__, ui.__file__, eval.__file__, s.corpus_dir, s.prompts_dir, ui_cmd.APP,\n"
        "          ui_cmd.SERVE, BUNDLED_TEMPLATE]:\n"
        "    print(p)\n"
    )
    paths = [Path(line) for line in out.splitlines()]
    assert len(paths) == 8
    for path in paths:
        assert path.is_relative_to(installed.site), path
        assert path.exists(), path
    assert paths[3] == installed.site / "assistant" / "bundled" / "corpus"


def test_corpus_check_runs_on_the_bundled_corpus(installed: Installed) -> None:
    done = installed.isms("corpus", "check")
    assert "corpus OK" in done.stdout
    assert "93" in done.stdout  # the Annex A controls


def test_generate_writes_the_scope_and_the_soa(installed: Installed) -> None:
    ws = copy_example("kestrel-saas", installed.away / "kestrel")
    only = "isms-scope,statement-of-applicability"
    installed.isms("generate", "--workspace", str(ws), "--provider", "offline", "--only", only)
    for name in ["isms-scope.docx", "soa.xlsx", "statement-of-applicability.docx"]:
        assert zipfile.is_zipfile(ws / "out" / name), name  # docx and xlsx are zip packages
    # The installed review workspace opens on that output (its pages and ui.* imports from the wheel).
    out = installed.python_code(
        "import os, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from assistant.cli.ui_cmd import APP\n"
        f"os.environ['ISMS_WORKSPACE'] = {str(ws)!r}\n"
        "at = AppTest.from_file(str(APP), default_timeout=60)\n"
        "at.session_state['acting-person'] = 'Daniel Okafor'\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "at.switch_page('pages/soa.py').run()\n"
        "assert not at.exception, at.exception\n"
        "print(' | '.join(t.value for t in at.title))\n"
        "for n, m in sorted(sys.modules.items()):\n"
        "    if n.split('.')[0] in ('ui', 'assistant') and getattr(m, '__file__', None):\n"
        "        print(m.__file__)\n"
    )
    titles, *modules = out.splitlines()
    assert "Statement of Applicability" in titles, titles
    assert {"ui/__init__.py", "ui/context.py", "assistant/soa_edits.py"} <= {
        Path(m).relative_to(installed.site).as_posix() for m in modules
    }  # every module the pages ran is the wheel's (relative_to raises for any other)


def test_ui_help_and_its_app_file(installed: Installed) -> None:
    assert "--port" in installed.isms("ui", "--help").stdout
    assert (installed.site / "ui" / "app.py").is_file() and (installed.site / "ui" / "serve.py").is_file()


def test_init_from_answers_then_generate_with_the_installed_tool(installed: Installed) -> None:
    """A newcomer's first set from the installed tool: `isms init --answers` (the obligations, starter risks
    and countries catalogues come from the wheel), then the checks and a generated document."""
    answers = installed.away / "answers.yaml"
    shutil.copyfile(REPO / "tests" / "fixtures" / "init" / "medtech-answers.yaml", answers)
    ws = installed.away / "new-org"
    installed.isms("init", str(ws), "--answers", str(answers))
    installed.isms("profile", "check", "--workspace", str(ws))
    assert "suggested risk(s) still await review" in " ".join(
        installed.isms("risks", "check", "--workspace", str(ws)).stdout.split()
    )
    only = "information-security-policy,statement-of-applicability"
    installed.isms("generate", "--workspace", str(ws), "--provider", "offline", "--only", only)
    assert zipfile.is_zipfile(ws / "out" / "information-security-policy.docx")
