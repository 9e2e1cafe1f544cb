# The two newcomer commands: `make demo` (the bot in a local Slack emulator) and `make test`.
# Dependencies come from uv.lock: uv when it is on PATH, else uv installed by pip into the venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.10
# Developers and CI get the runtime, the `llm` and `pinecone` extras and the dev group.
EXTRAS := --extra llm --extra pinecone
# uv must use this machine's Python, never download one; the venv stays where the Makefile says.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test test-fast lint typecheck install requirements clean

$(STAMP): pyproject.toml uv.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	UV=$$(command -v uv || true); \
	if [ -z "$$UV" ]; then \
		$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) && UV=$(VENV)/bin/uv; \
	fi; \
	"$$UV" sync --frozen --inexact --python $(PY) $(EXTRAS)
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m bot demo

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests

# The quick loop: everything but the browser, end-to-end and slow lanes (markers in tests/conftest.py).
# Three workers on two cores: the lane waits on services and timeouts as much as it computes (four
# cost more CPU in per-worker start-up than they saved: 69 s against 56 s measured quiet).
test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -n 3 -m "not browser and not e2e and not slow" tests

lint: $(STAMP)
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/actionlint
	$(VENV)/bin/ruff check .

# mypy, strict on core/, handlers/ and bot/ (settings in pyproject.toml): it reads the installed packages' types.
typecheck: $(STAMP)
	$(VENV)/bin/mypy

# requirements.txt is the deployment contract: the runtime set the image installs, with hashes.
requirements: $(STAMP)
	$(VENV)/bin/uv lock
	$(VENV)/bin/uv export --frozen --no-dev $(EXTRAS) --format requirements-txt -o requirements.txt -q

clean:
	rm -rf $(VENV) .data
