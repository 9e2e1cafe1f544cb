# The two newcomer commands: `make demo` (the bot in a local Slack emulator) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast install clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m bot demo

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests

# The quick loop: everything but the browser, end-to-end and slow lanes (markers in tests/conftest.py).
test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider -m "not browser and not e2e and not slow" tests

clean:
	rm -rf $(VENV) .data
