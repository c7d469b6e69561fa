"""Build step the pyproject.toml cannot express: the wheel carries the repository's `corpus/` and `prompts/`
(they stay at the root of the checkout) as `assistant/bundled/corpus` and `assistant/bundled/prompts`, where
`assistant.resources.data_dir` finds them. An editable install copies nothing: it reads the checkout's."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("corpus", "prompts")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "assistant" / "bundled"
        for name in BUNDLED:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"{source}: not found; the wheel is built from a full source checkout")
            shutil.rmtree(target / name, ignore_errors=True)  # a stale build/ keeps no removed file
            shutil.copytree(source, target / name, ignore=IGNORE)


setup(cmdclass={"build_py": BuildPyWithData})
