# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format browser messages bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

run: install
	$(PY) manage.py migrate --no-input
	LEAD_REQUIRE_MFA=0 $(PY) manage.py seed_demo
	@echo ""
	@echo "Two-factor sign-in is OFF for this local demo (LEAD_REQUIRE_MFA=0); production turns it on."
	@echo "Serving at http://$(HOST):$(PORT)/  (Ctrl-C stops the app and its embedded database)"
	LEAD_REQUIRE_MFA=0 $(PY) manage.py runserver $(HOST):$(PORT)

test: install browser
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l es --ignore=.venv --ignore=staticfiles --ignore=tests
	$(PY) manage.py compilemessages -l es --ignore=.venv

# Benchmarks on throwaway databases (dropped at the end), from 127.0.0.1 only:
# - an officer's submission under gunicorn: lead_bench, 200 submissions and 50 queue views
#   (about a minute); see bench/officer_submissions.py
# - the caseload, participant, search and my-tasks pages with 20,000 participants and 1,000,000
#   contacts loaded: lead_bench_pages, load time and a table of timings, query counts and
#   EXPLAIN (about two minutes); see bench/participant_pages.py
bench: install
	$(PY) bench/officer_submissions.py
	$(PY) bench/participant_pages.py
