# The README's two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ISMS := $(VENV)/bin/isms
STAMP := $(VENV)/.installed
EXAMPLE ?= examples/kestrel-saas
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test lint typecheck unit clean browser office

install: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch is pinned to the CPU build in pyproject.toml; install it first so nothing pulls a CUDA build.
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e '.[dev]'
	# tests/test_wheel.py builds the wheel offline (--no-build-isolation): setuptools with bdist_wheel built in.
	$(PY) -m pip install -q "setuptools>=70.1"
	touch $(STAMP)

demo: install
	$(ISMS) profile check --workspace $(EXAMPLE)
	$(ISMS) risks check --workspace $(EXAMPLE)
	$(ISMS) generate --workspace $(EXAMPLE) --out out --provider offline
	# The evaluation is printed, not gated on: a demo shows its findings (README, Evaluation); bad input
	# (exit 2) still fails the target.
	@$(ISMS) eval out --workspace $(EXAMPLE) --html out/evaluation.html; rc=$$?; \
	  if [ $$rc -eq 1 ]; then echo "make demo: the evaluation found problems; report in out/evaluation.html"; \
	  elif [ $$rc -ne 0 ]; then exit $$rc; fi

lint: install
	$(VENV)/bin/ruff check assistant ui eval tests bench scripts
	$(VENV)/bin/ruff format --check assistant ui eval tests bench scripts

typecheck: install
	$(VENV)/bin/mypy assistant

# The browser test drives Debian's chromium through playwright (never `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium could not be installed: the browser test will be skipped"

# The PDF export and the audit pack convert through LibreOffice (headless, no GUI).
office:
	@command -v soffice >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui fonts-crosextra-carlito poppler-utils >/dev/null) || echo "LibreOffice could not be installed: the PDF tests will be skipped"

unit: install browser office
	# Two workers (CI has 2 cores), one test file per worker at a time: module fixtures are built once.
	$(PY) -m pytest -n 2 --dist loadfile

test: lint typecheck unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
